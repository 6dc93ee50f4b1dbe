package tensorimg

import (
	"fmt"
	"image"
	"image/color"
)

// Channels is the number of colour channels of the plane layout.
const Channels = 3

// FromImage writes img as 3·H·W plane-layout values into dst, which must
// have exactly that length (H and W being img's bounds).
func FromImage(img image.Image, dst []float32) error {
	b := img.Bounds()
	h, w := b.Dy(), b.Dx()
	if len(dst) != Channels*h*w {
		return fmt.Errorf("convert image: %w: %dx%d image needs %d values, got %d", ErrSize, w, h, Channels*h*w, len(dst))
	}
	plane := h * w
	r, g, bl := dst[:plane], dst[plane:2*plane], dst[2*plane:]
	set := func(i int, r16, g16, b16 uint32) {
		r[i] = float32(r16) / 65535
		g[i] = float32(g16) / 65535
		bl[i] = float32(b16) / 65535
	}
	switch im := img.(type) {
	case *image.RGBA:
		for y := 0; y < h; y++ {
			row := im.Pix[y*im.Stride : y*im.Stride+4*w]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+4]
				set(y*w+x, uint32(p[0])*0x101, uint32(p[1])*0x101, uint32(p[2])*0x101)
			}
		}
	case *image.NRGBA:
		for y := 0; y < h; y++ {
			row := im.Pix[y*im.Stride : y*im.Stride+4*w]
			for x := 0; x < w; x++ {
				p := row[4*x : 4*x+4]
				r16, g16, b16, _ := color.NRGBA{p[0], p[1], p[2], p[3]}.RGBA()
				set(y*w+x, r16, g16, b16)
			}
		}
	default:
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				r16, g16, b16, _ := img.At(b.Min.X+x, b.Min.Y+y).RGBA()
				set(y*w+x, r16, g16, b16)
			}
		}
	}
	return nil
}

// ToImage turns 3·h·w plane-layout values into an 8-bit opaque image,
// clamping to [0, 1] and rounding to the nearest level (NaN becomes 0).
func ToImage(src []float32, h, w int) (*image.NRGBA, error) {
	if h < 1 || w < 1 || len(src) != Channels*h*w {
		return nil, fmt.Errorf("make image: %w: %d values for %dx%d", ErrSize, len(src), w, h)
	}
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	plane := h * w
	for y := 0; y < h; y++ {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := 0; x < w; x++ {
			i := y*w + x
			row[4*x] = to8(src[i])
			row[4*x+1] = to8(src[plane+i])
			row[4*x+2] = to8(src[2*plane+i])
			row[4*x+3] = 255
		}
	}
	return img, nil
}

func to8(v float32) uint8 {
	if !(v > 0) { // also NaN
		return 0
	}
	if v >= 1 {
		return 255
	}
	return uint8(float32(v*255) + 0.5)
}
