// Package rendertest is the conformance suite every blender.Renderer must
// pass: frame sizes, mask ids in scene order, depth order, mask and colour
// agreeing on object ownership, the shared camera model, validation and
// cancellation.
//
// The suite renders most of its scenes in one batch, so backends that start
// a process per Render call (Cycles) pay that cost only a few times.
package rendertest

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/scene"
)

// Options tune the suite to a backend.
type Options struct {
	// Size is the image side used by most cases (>= 48).
	Size int
	// Deterministic requires identical bytes from two renders of the same
	// scenes.
	Deterministic bool
	// ColorTolerance is the largest per-channel difference between an
	// empty scene's pixels and its background colour.
	ColorTolerance int
	// CentreTolerance is the largest distance in pixels between a lone
	// object's mask centroid and its projected centre.
	CentreTolerance float64
}

// Run runs the conformance suite against r.
func Run(t *testing.T, r blender.Renderer, opt Options) {
	if opt.Size < 48 {
		opt.Size = 64
	}
	if opt.ColorTolerance == 0 {
		opt.ColorTolerance = 2
	}
	if opt.CentreTolerance == 0 {
		opt.CentreTolerance = 1.5
	}
	ctx := context.Background()
	b := newBatch(t, opt.Size)
	frames, err := r.Render(ctx, b.scenes)
	if err != nil {
		t.Fatalf("%s: render batch: %v", r.Name(), err)
	}
	if len(frames) != len(b.scenes) {
		t.Fatalf("%s: %d frames for %d scenes", r.Name(), len(frames), len(b.scenes))
	}
	for _, c := range b.cases {
		t.Run(c.name, func(t *testing.T) {
			fs := make([]blender.Frame, len(c.idx))
			ss := make([]scene.Scene, len(c.idx))
			for i, k := range c.idx {
				fs[i], ss[i] = frames[k], b.scenes[k]
			}
			c.check(t, ss, fs, opt)
		})
	}
	t.Run("invalid scene names its index", func(t *testing.T) {
		bad := b.scenes[0].Clone()
		bad.Objects[0].Product = "bottle-9l"
		_, err := r.Render(ctx, []scene.Scene{b.scenes[0], bad})
		if !errors.Is(err, scene.ErrInvalidScene) || !strings.Contains(err.Error(), "scene 1") {
			t.Errorf("error %v: want ErrInvalidScene naming scene 1", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := r.Render(cctx, b.scenes[:1]); !errors.Is(err, context.Canceled) {
			t.Errorf("error %v: want context.Canceled", err)
		}
	})
	if opt.Deterministic {
		t.Run("deterministic bytes", func(t *testing.T) {
			again, err := r.Render(ctx, b.scenes)
			if err != nil {
				t.Fatal(err)
			}
			for i := range frames {
				if !bytes.Equal(frames[i].RGB.Pix, again[i].RGB.Pix) || !bytes.Equal(frames[i].Mask.Pix, again[i].Mask.Pix) {
					t.Errorf("scene %d: second render differs", i)
				}
			}
		})
	}
}

type checkCase struct {
	name  string
	idx   []int // scenes in the batch this case looks at
	check func(t *testing.T, s []scene.Scene, f []blender.Frame, opt Options)
}

type batch struct {
	scenes []scene.Scene
	cases  []checkCase
}

func (b *batch) add(name string, check func(*testing.T, []scene.Scene, []blender.Frame, Options), scenes ...scene.Scene) {
	c := checkCase{name: name, check: check}
	for _, s := range scenes {
		c.idx = append(c.idx, len(b.scenes))
		b.scenes = append(b.scenes, s)
	}
	b.cases = append(b.cases, c)
}

// stage returns a scene with lights, no shelf and no objects, looking at
// the origin from -Y.
func stage(size int) scene.Scene {
	return scene.Scene{
		Version:    scene.Version,
		Background: scene.RGB(90, 160, 200),
		Ambient:    scene.Ambient{Intensity: 0.5},
		Lights:     []scene.Light{{Direction: scene.Vec3{-0.3, -1, 0.5}, Intensity: 1}},
		Camera: scene.Camera{Position: scene.Vec3{0, -0.9, 0}, Target: scene.Vec3{0, 0, 0},
			FOV: 30, Width: size, Height: size},
	}
}

func plain(kind string, pos scene.Vec3, c scene.Color) scene.Object {
	return scene.Object{Product: kind, Position: pos, Body: c, Cap: c, Label: c}
}

var (
	red  = scene.RGB(220, 30, 30)
	blue = scene.RGB(30, 40, 220)
)

func newBatch(t *testing.T, size int) *batch {
	b := &batch{}
	shelf, err := scene.Example("shelf", size)
	if err != nil {
		t.Fatal(err)
	}
	b.add("frames have the camera's size and ids stay in range", checkSizes, shelf)

	wide := stage(size)
	wide.Camera.Width, wide.Camera.Height = size+32, size
	wide.Objects = []scene.Object{plain("can-330ml", scene.Vec3{}, red)}
	b.add("non-square frames", checkSizes, wide)

	b.add("empty scene is background", checkEmpty, stage(size))

	left, right := scene.Vec3{-0.07, 0, 0}, scene.Vec3{0.07, 0, 0}
	ab := stage(size)
	ab.Objects = []scene.Object{plain("bottle-500ml", left, red), plain("carton-1l", right, blue)}
	ba := stage(size)
	ba.Objects = []scene.Object{plain("carton-1l", right, blue), plain("bottle-500ml", left, red)}
	b.add("ids follow scene order and colours agree with the mask", checkOrder, ab, ba)

	near, far := stage(size), stage(size)
	near.Objects = []scene.Object{plain("can-500ml", scene.Vec3{0.02, 0.15, 0}, blue), plain("can-330ml", scene.Vec3{0, -0.1, 0}, red)}
	far.Objects = []scene.Object{near.Objects[1], near.Objects[0]}
	b.add("nearer object wins whatever the order", checkOcclusion, near, far)

	lone := stage(size)
	lone.Objects = []scene.Object{{Product: "bottle-1.5l", Position: scene.Vec3{0.08, 0.1, 0.05}, Rotation: scene.Vec3{90, 0, 30}}}
	b.add("lone object sits where the camera model projects it", checkProjection, lone)
	return b
}

func checkSizes(t *testing.T, ss []scene.Scene, fs []blender.Frame, _ Options) {
	for i, s := range ss {
		f := fs[i]
		want := image.Rect(0, 0, s.Camera.Width, s.Camera.Height)
		if f.RGB == nil || f.Mask == nil || f.RGB.Bounds() != want || f.Mask.Bounds() != want {
			t.Fatalf("frame bounds rgb %v mask %v, want %v", bounds(f.RGB), bounds(f.Mask), want)
		}
		seen := map[uint8]int{}
		for _, id := range f.Mask.Pix {
			seen[id]++
			if int(id) > len(s.Objects) {
				t.Fatalf("mask id %d with %d objects", id, len(s.Objects))
			}
		}
		for id := 1; id <= len(s.Objects); id++ {
			if seen[uint8(id)] == 0 {
				t.Errorf("object %d (%s) visible in the scene but absent from the mask", id, s.Objects[id-1].Product)
			}
		}
		for i := 3; i < len(f.RGB.Pix); i += 4 {
			if f.RGB.Pix[i] != 255 {
				t.Fatalf("pixel %d has alpha %d, want opaque", i/4, f.RGB.Pix[i])
			}
		}
	}
}

func bounds(img image.Image) any {
	if img == nil {
		return nil
	}
	return img.Bounds()
}

func checkEmpty(t *testing.T, ss []scene.Scene, fs []blender.Frame, opt Options) {
	bg := ss[0].Background
	for i, id := range fs[0].Mask.Pix {
		if id != 0 {
			t.Fatalf("pixel %d has id %d in an empty scene", i, id)
		}
	}
	p := fs[0].RGB.Pix
	for i := 0; i < len(p); i += 4 {
		if absDiff(p[i], bg.R) > opt.ColorTolerance || absDiff(p[i+1], bg.G) > opt.ColorTolerance || absDiff(p[i+2], bg.B) > opt.ColorTolerance {
			t.Fatalf("pixel %d is %v, want background %v ±%d", i/4, p[i:i+3], bg, opt.ColorTolerance)
		}
	}
}

func absDiff(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

// Uniform reports whether the 3×3 neighbourhood of (x, y) in an instance
// mask has one id (neighbours outside the mask are ignored). With
// supersampling, it implies that every sample of the centre pixel hit that
// id, so the pixel's colour is that object's alone.
func Uniform(m *image.Gray, x, y int) bool {
	b := m.Bounds()
	id := m.GrayAt(x, y).Y
	for dy := -1; dy <= 1; dy++ {
		for dx := -1; dx <= 1; dx++ {
			p := image.Pt(x+dx, y+dy)
			if p.In(b) && m.GrayAt(p.X, p.Y).Y != id {
				return false
			}
		}
	}
	return true
}

// interior returns the mean colour of pixels whose 3×3 neighbourhood all
// carries id, and how many there were.
func interior(f blender.Frame, id uint8) (mean [3]float64, n int) {
	w, h := f.Mask.Rect.Dx(), f.Mask.Rect.Dy()
	for y := 1; y < h-1; y++ {
		for x := 1; x < w-1; x++ {
			if f.Mask.Pix[y*w+x] == id && Uniform(f.Mask, x, y) {
				o := f.RGB.PixOffset(x, y)
				for c := range 3 {
					mean[c] += float64(f.RGB.Pix[o+c])
				}
				n++
			}
		}
	}
	for c := range mean {
		mean[c] /= math.Max(1, float64(n))
	}
	return mean, n
}

// centroid returns the mean pixel centre of the pixels with id.
func centroid(f blender.Frame, id uint8) (x, y float64, n int) {
	w := f.Mask.Rect.Dx()
	for i, v := range f.Mask.Pix {
		if v == id {
			x += float64(i%w) + 0.5
			y += float64(i/w) + 0.5
			n++
		}
	}
	if n == 0 {
		return 0, 0, 0
	}
	return x / float64(n), y / float64(n), n
}

func checkOrder(t *testing.T, ss []scene.Scene, fs []blender.Frame, _ Options) {
	// In ab the red bottle (left) is object 1; in ba it is object 2.
	for k, redID := range []uint8{1, 2} {
		blueID := 3 - redID
		rx, _, rn := centroid(fs[k], redID)
		bx, _, bn := centroid(fs[k], blueID)
		if rn == 0 || bn == 0 {
			t.Fatalf("scene %d: objects missing from mask (%d and %d pixels)", k, rn, bn)
		}
		if !(rx < bx) {
			t.Errorf("scene %d: red bottle (id %d) centroid x %.1f not left of blue carton (id %d) x %.1f", k, redID, rx, blueID, bx)
		}
		rc, rInt := interior(fs[k], redID)
		bc, bInt := interior(fs[k], blueID)
		if rInt == 0 || bInt == 0 {
			t.Fatalf("scene %d: no interior pixels", k)
		}
		if !(rc[0] > rc[2]+40) {
			t.Errorf("scene %d: pixels with the red bottle's id %d have mean colour %v: not red", k, redID, rc)
		}
		if !(bc[2] > bc[0]+40) {
			t.Errorf("scene %d: pixels with the blue carton's id %d have mean colour %v: not blue", k, blueID, bc)
		}
	}
	if a, b := countID(fs[0], 1), countID(fs[1], 2); math.Abs(float64(a-b)) > 0.02*float64(a) {
		t.Errorf("red bottle covers %d pixels as object 1 but %d as object 2", a, b)
	}
}

func countID(f blender.Frame, id uint8) int {
	n := 0
	for _, v := range f.Mask.Pix {
		if v == id {
			n++
		}
	}
	return n
}

func checkOcclusion(t *testing.T, ss []scene.Scene, fs []blender.Frame, _ Options) {
	// The red can (near) covers the middle of the blue one (far).
	for k, s := range ss {
		nearID := uint8(2)
		if k == 1 {
			nearID = 1
		}
		x, y, ok := scene.ProjectPoint(s.Camera, s.Objects[nearID-1].Position)
		if !ok {
			t.Fatal("near can behind the camera")
		}
		if id := fs[k].Mask.GrayAt(int(x), int(y)).Y; id != nearID {
			t.Errorf("scene %d: pixel (%d, %d) has id %d, want the nearer can %d", k, int(x), int(y), id, nearID)
		}
		if n := countID(fs[k], 3-nearID); n == 0 {
			t.Errorf("scene %d: the farther can is hidden entirely; it should show around the nearer one", k)
		}
	}
}

func checkProjection(t *testing.T, ss []scene.Scene, fs []blender.Frame, opt Options) {
	s := ss[0]
	px, py, _ := scene.ProjectPoint(s.Camera, s.Objects[0].Position)
	cx, cy, n := centroid(fs[0], 1)
	if n < 20 {
		t.Fatalf("object covers %d pixels", n)
	}
	// A lying bottle's mask centroid is near the projected centre of its
	// bounding box, not exactly on it (perspective, taper); the tolerance
	// allows for that.
	if d := math.Hypot(cx-px, cy-py); d > opt.CentreTolerance*float64(s.Camera.Height)/64 {
		t.Errorf("mask centroid (%.2f, %.2f) is %.2f px from the projected centre (%.2f, %.2f)", cx, cy, d, px, py)
	}
}
