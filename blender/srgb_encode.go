package blender

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// The style domain encodes every channel value of every image from linear
// light to sRGB (step 7 of Domain.Apply); with fmath.Pow that was a third
// of dataset generation's CPU. encodeSRGB32 reads the curve from a table
// instead: nodes at every float32 whose top srgbEncodeBits mantissa bits
// are free, between 2^-9 (below the curve's linear part, which starts at
// 0.0031308) and 1, each node the curve's power branch at its float32 exactly, and
// linear interpolation between nodes. The error against linearToSRGB is
// below 3e-8 (a 255th of an 8-bit level is 1.5e-5), the arithmetic is one
// rounded product and one sum (no fused multiply-add can form, so every
// machine gives the same bits), and the table is built from fmath, so it
// is the same everywhere.

// srgbEncodeBits is the number of float32 mantissa bits that index the
// table: 2^10 nodes per octave, 9 octaves.
const srgbEncodeBits = 10

const (
	srgbEncodeShift = 23 - srgbEncodeBits
	srgbEncodeExp0  = 118 // biased float32 exponent of 2^-9
	srgbEncodeNodes = 9 << srgbEncodeBits
	srgbEncodeFrac  = 1.0 / (1 << srgbEncodeShift)
)

// srgbEncodeTable holds, per segment j, the curve at its left node and the
// difference to the next node.
var srgbEncodeTable = func() (t [srgbEncodeNodes][2]float64) {
	// The power branch of linearToSRGB at every node, also at the nodes
	// below 0.0031308: the segment holding that point interpolates the
	// curve above it, not the linear part below.
	at := func(j int) float64 {
		x := float64(math.Float32frombits(uint32(srgbEncodeExp0<<srgbEncodeBits+j) << srgbEncodeShift))
		return float64(1.055*fmath.Pow(x, 1/2.4)) - 0.055
	}
	next := at(0)
	for j := range t {
		v := next
		next = at(j + 1)
		t[j] = [2]float64{v, next - v}
	}
	return t
}()

// encodeSRGB32 is linearToSRGB(float64(v)) read from srgbEncodeTable:
// exact on the linear part and at the clamps, within 3e-8 elsewhere.
func encodeSRGB32(v float32) float64 {
	x := float64(v)
	switch {
	case !(x > 0):
		return 0
	case x >= 1:
		return 1
	case x <= 0.0031308:
		return 12.92 * x
	}
	b := math.Float32bits(v)
	j := int(b>>srgbEncodeShift) - srgbEncodeExp0<<srgbEncodeBits
	t := float64(b&(1<<srgbEncodeShift-1)) * srgbEncodeFrac
	e := &srgbEncodeTable[j]
	return e[0] + float64(t*e[1])
}
