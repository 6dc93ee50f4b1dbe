package blender

import (
	"math"
	"testing"
)

// TestSRGBDecodeTable: the table gives the bits srgbDecode computes, for
// every byte, so datasets rendered before it keep their digests.
func TestSRGBDecodeTable(t *testing.T) {
	for v := 0; v < 256; v++ {
		if got, want := srgbToLinear(uint8(v)), srgbDecode(uint8(v)); math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("srgbToLinear(%d) = %v, want %v", v, got, want)
		}
	}
}
