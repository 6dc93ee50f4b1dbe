package blender

import (
	"context"
	"fmt"
	"image"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/srgb"
)

// Embedded is the default, pure-Go renderer: a scan-line rasteriser with a
// perspective camera, per-sample depth test, Lambert plus ambient shading
// interpolated per vertex, and supersampled anti-aliasing.
//
// Anti-aliasing averages the colour of Supersample×Supersample samples per
// pixel (in linear light); the mask is rasterised separately at the pixel
// centres: a pixel's id is the object hit by the ray through its centre,
// the rule Cycles' mask pass follows too. So the mask is never blurred, and
// a pixel whose samples all belong to one object has exactly that object's
// shading.
//
// Output bytes depend only on the scene and Supersample, never on Workers.
type Embedded struct {
	// Workers renders this many scenes at once; 0 means GOMAXPROCS.
	Workers int
	// Supersample is the number of samples per pixel side: 0 means 2 (2×2),
	// 1 turns anti-aliasing off. At most 4.
	Supersample int
}

var _ Renderer = (*Embedded)(nil)

// Name returns "embedded".
func (e *Embedded) Name() string { return "embedded" }

// Render renders each scene; see Renderer.
func (e *Embedded) Render(ctx context.Context, scenes []scene.Scene) ([]Frame, error) {
	ss := e.Supersample
	if ss == 0 {
		ss = 2
	}
	if ss < 1 || ss > 4 {
		return nil, fmt.Errorf("embedded renderer: supersample %d: want 1..4", ss)
	}
	prepared := make([]*preparedScene, len(scenes))
	for i, s := range scenes {
		p, err := prepare(s)
		if err != nil {
			return nil, fmt.Errorf("render scene %d: %w", i, err)
		}
		prepared[i] = p
	}
	frames := make([]Frame, len(scenes))
	workers := e.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(scenes))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var r raster
			for {
				i := int(next.Add(1) - 1)
				if i >= len(prepared) || ctx.Err() != nil {
					return
				}
				frames[i] = r.render(prepared[i], ss)
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	return frames, nil
}

// render draws one prepared scene into fresh output images.
func (r *raster) render(ps *preparedScene, ss int) Frame {
	parts := ps.parts
	if ps.static.shelf.Levels > 0 {
		// The shelf is parts[0]. Reusing its layer gives the same bytes as
		// drawing it again: it is always drawn first, onto a cleared buffer.
		if r.layer == ps.static && r.layerSS == ss {
			r.w, r.h, r.ss, r.sw, r.sh = ps.cam.Width, ps.cam.Height, ss, ps.cam.Width*ss, ps.cam.Height*ss
			copy(r.invz, r.layerInvz)
			copy(r.ids, r.layerIDs)
			copy(r.rgb, r.layerRGB)
			if ss > 1 {
				copy(r.cInvz, r.layerCInvz)
				copy(r.cIDs, r.layerCIDs)
			}
		} else {
			r.reset(ps, ss)
			r.drawPart(ps, &parts[0])
			r.layer, r.layerSS = ps.static, ss
			r.layerInvz = append(r.layerInvz[:0], r.invz...)
			r.layerIDs = append(r.layerIDs[:0], r.ids...)
			r.layerRGB = append(r.layerRGB[:0], r.rgb...)
			r.layerCInvz = append(r.layerCInvz[:0], r.cInvz...)
			r.layerCIDs = append(r.layerCIDs[:0], r.cIDs...)
		}
		parts = parts[1:]
	} else {
		r.reset(ps, ss)
	}
	for i := range parts {
		r.drawPart(ps, &parts[i])
	}
	f := Frame{
		RGB:  image.NewNRGBA(image.Rect(0, 0, r.w, r.h)),
		Mask: image.NewGray(image.Rect(0, 0, r.w, r.h)),
	}
	r.resolve(f)
	return f
}

// resolve averages the samples of each pixel into f.RGB and copies the
// pixel-centre ids into f.Mask.
func (r *raster) resolve(f Frame) {
	copy(f.Mask.Pix, r.maskIDs())
	if r.ss == 2 {
		r.resolve2(f)
		return
	}
	ss := r.ss
	n := float32(ss * ss)
	for y := range r.h {
		for x := range r.w {
			var sum [3]float32
			s0 := (y*ss)*r.sw + x*ss
			for dy := range ss {
				row := s0 + dy*r.sw
				for dx := range ss {
					s := row + dx
					sum[0] += r.rgb[3*s]
					sum[1] += r.rgb[3*s+1]
					sum[2] += r.rgb[3*s+2]
				}
			}
			o := 4 * (y*r.w + x)
			f.RGB.Pix[o] = srgb.Encode8(sum[0] / n)
			f.RGB.Pix[o+1] = srgb.Encode8(sum[1] / n)
			f.RGB.Pix[o+2] = srgb.Encode8(sum[2] / n)
			f.RGB.Pix[o+3] = 255
		}
	}
}

// resolve2 is resolve's colour average for 2×2 supersampling, the default.
func (r *raster) resolve2(f Frame) {
	sw := r.sw
	for y := range r.h {
		top := r.rgb[3*(2*y)*sw : 3*(2*y+1)*sw]
		bot := r.rgb[3*(2*y+1)*sw : 3*(2*y+2)*sw]
		pix := f.RGB.Pix[4*y*r.w : 4*(y+1)*r.w]
		for x := range r.w {
			a, b := top[6*x:6*x+6:6*x+6], bot[6*x:6*x+6:6*x+6]
			p := pix[4*x : 4*x+4 : 4*x+4]
			p[0] = srgb.Encode8((a[0] + a[3] + b[0] + b[3]) * 0.25)
			p[1] = srgb.Encode8((a[1] + a[4] + b[1] + b[4]) * 0.25)
			p[2] = srgb.Encode8((a[2] + a[5] + b[2] + b[5]) * 0.25)
			p[3] = 255
		}
	}
}
