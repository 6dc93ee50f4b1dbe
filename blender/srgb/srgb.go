// Package srgb holds the sRGB transfer curve in the forms the renderers
// and the style domains need: Decode reads a byte as linear light, Encode
// is the curve itself, and Encode8 and Encode32 are table readings of it
// fast enough for every pixel of a dataset. Every function gives the same
// bits on every machine (fmath, products rounded before they are summed).
package srgb

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// Decode decodes one sRGB byte to linear light in [0, 1] (a table of decode).
func Decode(v uint8) float64 { return decodeTable[v] }

// decodeTable holds decode of every byte: the same values, computed
// once (the style domain decoded each channel value with a Pow, most of
// dataset generation's time).
var decodeTable = func() (t [256]float64) {
	for i := range t {
		t[i] = decode(uint8(i))
	}
	return t
}()

// decode decodes one sRGB byte to linear light in [0, 1].
func decode(v uint8) float64 {
	x := float64(v) / 255
	if x <= 0.04045 {
		return x / 12.92
	}
	return fmath.Pow((x+0.055)/1.055, 2.4)
}

// Encode encodes linear light in [0, 1] (clamped) as sRGB in [0, 1].
func Encode(x float64) float64 {
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

// lutBits is the resolution of the linear-to-sRGB table the rasteriser
// uses to encode pixels.
const lutBits = 12

// lut maps linear light quantised to lutBits onto 8-bit sRGB,
// rounding to nearest. It is computed once and never written again.
var lut = func() [1 << lutBits]uint8 {
	var t [1 << lutBits]uint8
	for i := range t {
		t[i] = uint8(math.Round(Encode(float64(i)/float64(len(t)-1)) * 255))
	}
	return t
}()

// Encode8 maps linear light to 8-bit sRGB through lut.
func Encode8(x float32) uint8 {
	if !(x > 0) {
		return 0
	}
	if x >= 1 {
		return 255
	}
	return lut[int(float32(x*float32(len(lut)-1))+0.5)]
}

// The style domain encodes every channel value of every image from linear
// light to sRGB (step 7 of Domain.Apply); with fmath.Pow that was a third
// of dataset generation's CPU. Encode32 reads the curve from a table
// instead: nodes at every float32 whose top encodeBits mantissa bits
// are free, between 2^-9 (below the curve's linear part, which starts at
// 0.0031308) and 1, each node the curve's power branch at its float32 exactly, and
// linear interpolation between nodes. The error against Encode is
// below 3e-8 (a 255th of an 8-bit level is 1.5e-5), the arithmetic is one
// rounded product and one sum (no fused multiply-add can form, so every
// machine gives the same bits), and the table is built from fmath, so it
// is the same everywhere.

// encodeBits is the number of float32 mantissa bits that index the
// table: 2^10 nodes per octave, 9 octaves.
const encodeBits = 10

const (
	encodeShift = 23 - encodeBits
	encodeExp0  = 118 // biased float32 exponent of 2^-9
	encodeNodes = 9 << encodeBits
	encodeFrac  = 1.0 / (1 << encodeShift)
)

// encodeTable holds, per segment j, the curve at its left node and the
// difference to the next node.
var encodeTable = func() (t [encodeNodes][2]float64) {
	// The power branch of Encode at every node, also at the nodes
	// below 0.0031308: the segment holding that point interpolates the
	// curve above it, not the linear part below.
	at := func(j int) float64 {
		x := float64(math.Float32frombits(uint32(encodeExp0<<encodeBits+j) << encodeShift))
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

// Encode32 is Encode(float64(v)) read from encodeTable:
// exact on the linear part and at the clamps, within 3e-8 elsewhere.
func Encode32(v float32) float64 {
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
	j := int(b>>encodeShift) - encodeExp0<<encodeBits
	t := float64(b&(1<<encodeShift-1)) * encodeFrac
	e := &encodeTable[j]
	return e[0] + float64(t*e[1])
}
