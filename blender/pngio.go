package blender

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/draw"
	"image/png"

	"github.com/cgx-dev/cgx/internal/atomicfile"
)

// pngEncoder uses default compression: its output bytes are stable for a
// given Go release, and image digests are SHA-256 of these bytes.
var pngEncoder = png.Encoder{CompressionLevel: png.DefaultCompression}

// EncodePNG encodes img as PNG.
func EncodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	if err := pngEncoder.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("encode png: %w", err)
	}
	return b.Bytes(), nil
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

// toNRGBA returns img as an opaque *image.NRGBA with bounds starting at
// (0, 0); it copies unless img already is one.
func toNRGBA(img image.Image) *image.NRGBA {
	if n, ok := img.(*image.NRGBA); ok && n.Rect.Min == (image.Point{}) {
		return n
	}
	b := img.Bounds()
	out := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	draw.Draw(out, out.Rect, img, b.Min, draw.Src)
	for i := 3; i < len(out.Pix); i += 4 {
		out.Pix[i] = 255
	}
	return out
}

// maskFromImage reads an instance-id map: a grey PNG (8 or 16 bit) or a
// paletted PNG whose index is the id. 16-bit ids above 255 are an error.
func maskFromImage(img image.Image) (*image.Gray, error) {
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
