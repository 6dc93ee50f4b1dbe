package reporttest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"math"
)

// ImageSize is the side of every fixture image, in pixels.
const ImageSize = 48

// scene draws a small synthetic product shot: a two-tone background (shelf
// and wall), a bottle whose position and tilt vary with the arguments, and a
// colour cast (tint, added to every pixel, 0..1 per channel).
func scene(x, y, tilt float64, bottle color.RGBA, tint [3]float64) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, ImageSize, ImageSize))
	cx, cy := float64(ImageSize)*(0.5+0.3*x), float64(ImageSize)*(0.55+0.2*y)
	sin, cos := math.Sincos(tilt)
	for py := range ImageSize {
		for px := range ImageSize {
			var c [3]float64
			if py < ImageSize*2/3 {
				c = [3]float64{0.82, 0.80, 0.74} // wall
			} else {
				c = [3]float64{0.45, 0.33, 0.22} // shelf
			}
			// bottle: a rotated rectangle 10x22 pixels around (cx, cy)
			dx, dy := float64(px)-cx, float64(py)-cy
			u, v := dx*cos+dy*sin, -dx*sin+dy*cos
			if math.Abs(u) < 5 && math.Abs(v) < 11 {
				c = [3]float64{float64(bottle.R) / 255, float64(bottle.G) / 255, float64(bottle.B) / 255}
				if math.Abs(u) < 2 && v < -7 {
					c = [3]float64{0.9, 0.9, 0.9} // cap highlight
				}
			}
			img.SetRGBA(px, py, toRGBA(c[0]+tint[0], c[1]+tint[1], c[2]+tint[2]))
		}
	}
	return img
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

func toRGBA(r, g, b float64) color.RGBA {
	return color.RGBA{uint8(clamp01(r)*255 + 0.5), uint8(clamp01(g)*255 + 0.5), uint8(clamp01(b)*255 + 0.5), 255}
}

// brightnessContrast applies x' = x*(1+contrast)+brightness per channel.
func brightnessContrast(src *image.RGBA, b, c [3]float64) *image.RGBA {
	out := image.NewRGBA(src.Bounds())
	for i := 0; i < len(src.Pix); i += 4 {
		for ch := range 3 {
			x := float64(src.Pix[i+ch]) / 255
			out.Pix[i+ch] = uint8(clamp01(x*(1+c[ch])+b[ch])*255 + 0.5)
		}
		out.Pix[i+3] = 255
	}
	return out
}

func encodePNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err) // encoding an in-memory RGBA cannot fail
	}
	return b.Bytes()
}
