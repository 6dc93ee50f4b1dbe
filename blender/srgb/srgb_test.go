package srgb

import (
	"math"
	"testing"
)

// TestDecodeTable: the table gives the bits decode computes, for every
// byte, so datasets rendered before it keep their digests.
func TestDecodeTable(t *testing.T) {
	for v := 0; v < 256; v++ {
		if got, want := Decode(uint8(v)), decode(uint8(v)); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("Decode(%d) = %v, want %v", v, got, want)
		}
	}
}

// TestEncode32 compares the table-read sRGB encoding with the formula
// (fmath.Pow) at every table node, between nodes and at the ends.
func TestEncode32(t *testing.T) {
	worst := 0.0
	check := func(v float32) {
		got, want := Encode32(v), Encode(float64(v))
		if d := math.Abs(got - want); d > worst {
			worst = d
		}
	}
	for _, v := range []float32{0, -1, float32(math.NaN()), 1e-9, 0.0031308, 0.0031309, 0.5, 0.99999994, 1, 2, float32(math.Inf(1))} {
		check(v)
	}
	for b := math.Float32bits(0.003); b < math.Float32bits(1); b += 97 {
		check(math.Float32frombits(b))
	}
	t.Logf("largest difference from Encode: %.3g", worst)
	if worst > 3e-8 {
		t.Errorf("largest difference from Encode %.3g, want below 3e-8", worst)
	}
	if Encode32(float32(math.NaN())) != 0 || Encode32(0.5) <= Encode32(0.4999) {
		t.Error("NaN must encode as 0 and the curve must increase")
	}
}
