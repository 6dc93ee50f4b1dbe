package imageio

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/cgx-dev/cgx/internal/atomicfile"
)

// pngEncoder writes the PNGs encodeFast does not: images with transparency
// and types other than NRGBA, RGBA and Gray.
var pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression}

// EncodePNG encodes img as PNG. Opaque images and grey masks (everything
// cgx renders, styles and fits) go through encodeFast, whose bytes, and so
// whose digests, depend only on the pixels and the Go release; others
// through image/png.
func EncodePNG(img image.Image) ([]byte, error) {
	if fastPNG(img) {
		return encodeFast(img)
	}
	var b bytes.Buffer
	if err := pngEncoder.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return b.Bytes(), nil
}

// fastPNG reports whether encodeFast writes img without loss: a grey image,
// or an opaque NRGBA or RGBA image.
func fastPNG(img image.Image) bool {
	switch m := img.(type) {
	case *image.Gray:
		return true
	case *image.NRGBA:
		return opaquePix(m.Pix, m.Stride, m.Rect)
	case *image.RGBA:
		return opaquePix(m.Pix, m.Stride, m.Rect)
	}
	return false
}

// opaquePix reports whether every alpha byte of r in a 4-byte-per-pixel
// buffer is 255.
func opaquePix(pix []byte, stride int, r image.Rectangle) bool {
	w := r.Dx()
	for y := range r.Dy() {
		row := pix[y*stride : y*stride+4*w]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 255 {
				return false
			}
		}
	}
	return true
}

// WritePNG writes img to path as PNG with atomicfile.WriteFile: a regular
// file is replaced all at once, a pipe or device is written in place, a
// missing folder is refused.
func WritePNG(ctx context.Context, path string, img image.Image) error {
	b, err := EncodePNG(img)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(ctx, path, b, 0o644)
}

// NRGBA returns img as an opaque *image.NRGBA with bounds starting at
// (0, 0); it copies unless img already is one.
func NRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	if m, ok := img.(*image.RGBA); ok && opaquePix(m.Pix[m.PixOffset(b.Min.X, b.Min.Y):], m.Stride, image.Rect(0, 0, b.Dx(), b.Dy())) {
		// Opaque premultiplied pixels are their own non-premultiplied
		// bytes (what draw.Draw gives, without its per-pixel conversion);
		// Go's PNG decoder returns 8-bit RGB files as RGBA.
		o := m.PixOffset(b.Min.X, b.Min.Y)
		for y := range b.Dy() {
			copy(out.Pix[y*out.Stride:(y+1)*out.Stride], m.Pix[o+y*m.Stride:o+y*m.Stride+4*b.Dx()])
		}
		return out
	}
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 255
	}
	return out
}

// Mask reads an instance-id map: a grey PNG (8 or 16 bit) or a
// paletted PNG whose index is the id. 16-bit ids above 255 are an error.
func Mask(img image.Image) (*image.Gray, error) {
	b := img.Bounds()
	out := image.NewGray(image.Rect(0, 0, b.Dx(), b.Dy()))
	switch m := img.(type) {
	case *image.Gray:
		for y := range b.Dy() {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(out.Pix[y*out.Stride:(y+1)*out.Stride], m.Pix[o:o+b.Dx()])
		}
	case *image.Gray16:
		for y := range b.Dy() {
			for x := range b.Dx() {
				v := m.Gray16At(b.Min.X+x, b.Min.Y+y).Y
				if v > 255 {
					return nil, fmt.Errorf("mask id %d at (%d, %d): at most 255 instances per image", v, x, y)
				}
				out.Pix[y*out.Stride+x] = uint8(v)
			}
		}
	case *image.Paletted:
		for y := range b.Dy() {
			o := m.PixOffset(b.Min.X, b.Min.Y+y)
			copy(out.Pix[y*out.Stride:(y+1)*out.Stride], m.Pix[o:o+b.Dx()])
		}
	default:
		return nil, fmt.Errorf("mask is %T: want a grayscale or paletted PNG whose value is the instance id", img)
	}
	return out, nil
}
