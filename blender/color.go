package blender

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// Color is an sRGB colour written "#rrggbb" in JSON. The zero Color is
// "unset": object colours left unset take the product's defaults when the
// scene is normalised, so "#000000" (set, black) and unset are different.
type Color struct {
	R, G, B uint8
	set     bool
}

// RGB returns the set colour with the given 8-bit sRGB components.
func RGB(r, g, b uint8) Color { return Color{R: r, G: g, B: b, set: true} }

// Hex returns a colour from "#rrggbb"; it panics on a malformed literal and
// is meant for the package's own constants. Use ParseColor for input.
func Hex(s string) Color {
	c, err := ParseColor(s)
	if err != nil {
		panic(err)
	}
	return c
}

// ParseColor parses "#rrggbb" (case-insensitive).
func ParseColor(s string) (Color, error) {
	if len(s) != 7 || s[0] != '#' {
		return Color{}, fmt.Errorf("parse colour %q: want #rrggbb", s)
	}
	var v [3]uint8
	for i := range 3 {
		hi, ok1 := hexVal(s[1+2*i])
		lo, ok2 := hexVal(s[2+2*i])
		if !ok1 || !ok2 {
			return Color{}, fmt.Errorf("parse colour %q: want #rrggbb with hex digits", s)
		}
		v[i] = hi<<4 | lo
	}
	return RGB(v[0], v[1], v[2]), nil
}

func hexVal(c byte) (uint8, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// IsZero reports whether the colour is unset.
func (c Color) IsZero() bool { return !c.set }

// String returns "#rrggbb", or "unset".
func (c Color) String() string {
	if !c.set {
		return "unset"
	}
	return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B)
}

// Or returns c when set and def otherwise.
func (c Color) Or(def Color) Color {
	if c.set {
		return c
	}
	return def
}

// Linear returns the colour in linear light, components in [0, 1].
func (c Color) Linear() [3]float64 {
	return [3]float64{srgbToLinear(c.R), srgbToLinear(c.G), srgbToLinear(c.B)}
}

// MarshalJSON writes "#rrggbb"; an unset colour writes null.
func (c Color) MarshalJSON() ([]byte, error) {
	if !c.set {
		return []byte("null"), nil
	}
	return json.Marshal(c.String())
}

// UnmarshalJSON reads "#rrggbb" or null (unset).
func (c *Color) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = Color{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("colour: want a string \"#rrggbb\"")
	}
	v, err := ParseColor(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// srgbToLinear decodes one sRGB byte to linear light in [0, 1] (a table of srgbDecode).
func srgbToLinear(v uint8) float64 { return srgbDecodeTable[v] }

// srgbDecodeTable holds srgbDecode of every byte: the same values, computed
// once (the style domain decoded each channel value with a Pow, most of
// dataset generation's time).
var srgbDecodeTable = func() (t [256]float64) {
	for i := range t {
		t[i] = srgbDecode(uint8(i))
	}
	return t
}()

// srgbDecode decodes one sRGB byte to linear light in [0, 1].
func srgbDecode(v uint8) float64 {
	x := float64(v) / 255
	if x <= 0.04045 {
		return x / 12.92
	}
	return fmath.Pow((x+0.055)/1.055, 2.4)
}

// linearToSRGB encodes linear light in [0, 1] (clamped) as sRGB in [0, 1].
func linearToSRGB(x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	case x <= 0.0031308:
		return 12.92 * x
	}
	return float64(1.055*fmath.Pow(x, 1/2.4)) - 0.055
}

// srgbLUTBits is the resolution of the linear-to-sRGB table the rasteriser
// uses to encode pixels.
const srgbLUTBits = 12

// srgbLUT maps linear light quantised to srgbLUTBits onto 8-bit sRGB,
// rounding to nearest. It is computed once and never written again.
var srgbLUT = func() [1 << srgbLUTBits]uint8 {
	var t [1 << srgbLUTBits]uint8
	for i := range t {
		t[i] = uint8(math.Round(linearToSRGB(float64(i)/float64(len(t)-1)) * 255))
	}
	return t
}()

// encodeSRGB8 maps linear light to 8-bit sRGB through srgbLUT.
func encodeSRGB8(x float32) uint8 {
	if !(x > 0) {
		return 0
	}
	if x >= 1 {
		return 255
	}
	return srgbLUT[int(float32(x*float32(len(srgbLUT)-1))+0.5)]
}
