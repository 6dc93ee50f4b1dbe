package datasets

import (
	"image"
	"math"
)

// Resize policies for images of mixed sizes (FolderSpec.Policy).
const (
	// PolicyCrop scales the shorter side to the target and crops the
	// centre: nothing is distorted, the borders of the longer side are lost.
	PolicyCrop = "crop"
	// PolicyPad scales the longer side to the target and pads the rest with
	// black (mask 0): nothing is lost or distorted.
	PolicyPad = "pad"
	// PolicyStretch scales each side to the target: nothing is lost, shapes
	// are distorted when the aspect ratio is not 1.
	PolicyStretch = "stretch"
)

// Policies lists the resize policies.
var Policies = []string{PolicyCrop, PolicyPad, PolicyStretch}

// window is the rectangle of source pixel coordinates that maps onto the
// size×size target under a policy.
type window struct{ x0, y0, w, h float64 }

func policyWindow(policy string, w, h int) window {
	fw, fh := float64(w), float64(h)
	switch policy {
	case PolicyPad:
		side := math.Max(fw, fh)
		return window{(fw - side) / 2, (fh - side) / 2, side, side}
	case PolicyStretch:
		return window{0, 0, fw, fh}
	}
	side := math.Min(fw, fh)
	return window{(fw - side) / 2, (fh - side) / 2, side, side}
}

// tap is one source pixel's weight in a target pixel.
type tap struct {
	src int // -1: outside the source (black)
	w   float64
}

// axisTaps returns, for each of n target pixels, the source pixels and
// normalised weights of a triangle filter whose support widens with the
// scale when shrinking (area-like averaging), so downscaling does not alias.
func axisTaps(n int, x0, span float64, srcLen int) [][]tap {
	scale := span / float64(n) // source pixels per target pixel
	radius := math.Max(1, scale)
	out := make([][]tap, n)
	for i := range out {
		c := x0 + float64((float64(i)+0.5)*scale) // source coordinate of the target centre
		lo, hi := int(math.Floor(c-radius)), int(math.Ceil(c+radius))
		var taps []tap
		sum := 0.0
		for s := lo; s <= hi; s++ {
			d := math.Abs(float64(s)+0.5-c) / radius
			if d >= 1 {
				continue
			}
			wt := 1 - d
			src := s
			if s < 0 || s >= srcLen {
				src = -1
			}
			taps = append(taps, tap{src, wt})
			sum += wt
		}
		for k := range taps {
			taps[k].w /= sum
		}
		out[i] = taps
	}
	return out
}

// resizeRGB resamples img onto size×size under policy, averaging encoded
// sRGB values; pixels outside the source are black.
func resizeRGB(img *image.NRGBA, size int, policy string) *image.NRGBA {
	w, h := img.Rect.Dx(), img.Rect.Dy()
	win := policyWindow(policy, w, h)
	tx, ty := axisTaps(size, win.x0, win.w, w), axisTaps(size, win.y0, win.h, h)
	tmp := make([]float64, 3*size*h) // horizontal pass: size×h
	for y := range h {
		row := img.Pix[y*img.Stride:]
		for x, taps := range tx {
			var acc [3]float64
			for _, t := range taps {
				if t.src >= 0 {
					for c := range 3 {
						acc[c] += float64(t.w * float64(row[4*t.src+c]))
					}
				}
			}
			copy(tmp[3*(y*size+x):], acc[:])
		}
	}
	out := image.NewNRGBA(image.Rect(0, 0, size, size))
	for y, taps := range ty {
		for x := range size {
			var acc [3]float64
			for _, t := range taps {
				if t.src >= 0 {
					for c := range 3 {
						acc[c] += float64(t.w * tmp[3*(t.src*size+x)+c])
					}
				}
			}
			o := out.PixOffset(x, y)
			for c := range 3 {
				out.Pix[o+c] = uint8(math.Round(math.Min(math.Max(acc[c], 0), 255)))
			}
			out.Pix[o+3] = 255
		}
	}
	return out
}

// resizeMask resamples an id map onto size×size under policy by nearest
// neighbour (ids are labels, never averaged); outside the source is 0.
func resizeMask(m *image.Gray, size int, policy string) *image.Gray {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	win := policyWindow(policy, w, h)
	out := image.NewGray(image.Rect(0, 0, size, size))
	for y := range size {
		sy := int(math.Floor(win.y0 + (float64(y)+0.5)*win.h/float64(size)))
		for x := range size {
			sx := int(math.Floor(win.x0 + (float64(x)+0.5)*win.w/float64(size)))
			if sx >= 0 && sx < w && sy >= 0 && sy < h {
				out.Pix[y*size+x] = m.Pix[sy*m.Stride+sx]
			}
		}
	}
	return out
}
