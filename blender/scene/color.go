package scene

import (
	"encoding/json"
	"fmt"

	"github.com/cgx-dev/cgx/blender/srgb"
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
	return [3]float64{srgb.Decode(c.R), srgb.Decode(c.G), srgb.Decode(c.B)}
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
