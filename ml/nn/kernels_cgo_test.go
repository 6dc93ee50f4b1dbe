//go:build cgo && amd64

package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"golang.org/x/sys/cpu"
)

// TestKernelsAgree: the C/AVX2 kernels give the Go kernels' bits, on data
// with ties, signed zeros, infinities and (except for sums, where a NaN's
// sign may differ) NaNs, for sizes with and without a vector tail.
func TestKernelsAgree(t *testing.T) {
	if !cpu.X86.HasAVX2 {
		t.Skip("CPU lacks AVX2; the C kernels are not used")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	var fillNaN func(v []float32, nonNeg, nan bool)
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, 0.5, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), -float32(math.NaN())}
	fill := func(v []float32, nonNeg bool) {
		fillNaN(v, nonNeg, true)
	}
	fillNaN = func(v []float32, nonNeg, nan bool) {
		for i := range v {
			switch rng.IntN(4) {
			case 0:
				v[i] = special[rng.IntN(len(special))]
			default:
				v[i] = float32(rng.IntN(7)-3) * 0.25 // many ties
			}
			if nonNeg && !(v[i] >= 0) { // ReLU outputs: ≥ 0 (or NaN)
				v[i] = 0
			}
			if !nan && (v[i] != v[i] || math.IsInf(float64(v[i]), 0)) {
				v[i] = 2
			}
		}
	}
	same := func(a, b []float32) int {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return i
			}
		}
		return -1
	}
	for _, d := range [][2]int{{1, 1}, {2, 8}, {3, 9}, {5, 17}, {8, 32}, {7, 7}} {
		oh, ow := d[0], d[1]
		ph, pw := oh/2, ow/2
		x := make([]float32, oh*ow)
		fill(x, false)
		y1, y2 := make([]float32, ph*pw), make([]float32, ph*pw)
		a1, a2 := make([]uint8, ph*pw), make([]uint8, ph*pw)
		goKernels.pool2(x, y1, a1, ow, ph, pw)
		cKernels.pool2(x, y2, a2, ow, ph, pw)
		if i := same(y1, y2); i >= 0 || string(a1) != string(a2) {
			t.Fatalf("%dx%d pool2: Go %v %v, C %v %v", oh, ow, y1, a1, y2, a2)
		}
		po, pd := make([]float32, ph*pw), make([]float32, ph*pw)
		fill(po, true)
		fill(pd, false)
		p1, p2 := make([]float32, oh*ow), make([]float32, oh*ow)
		for i := range p1 {
			p1[i], p2[i] = 7, 7
		}
		s1 := goKernels.preGrad2(po, pd, a1, p1, oh, ow, ph, pw)
		s2 := cKernels.preGrad2(po, pd, a1, p2, oh, ow, ph, pw)
		if i := same(p1, p2); i >= 0 || math.Float32bits(s1) != math.Float32bits(s2) {
			t.Fatalf("%dx%d preGrad2: differ at %d, sums %v %v", oh, ow, i, s1, s2)
		}
	}
	for _, c := range []struct{ cin, h, w, k, pad int }{{2, 5, 6, 3, 1}, {3, 9, 17, 3, 1}, {1, 4, 5, 5, 2}} {
		g := newConvGeom(c.cin, 1, c.k, c.k, c.pad, c.h, c.w)
		for _, band := range [][2]int{{0, g.oh}, {1, g.oh - 1}} {
			n := g.k() * (band[1] - band[0]) * g.ow
			// Sums: the sign of a NaN (given, or made by inf−inf) depends
			// on operand order, which the Go compiler may swap, so
			// non-finite values are left out.
			col1 := make([]float32, n)
			fillNaN(col1, false, false)
			col2 := append([]float32(nil), col1...)
			dx1, dx2 := make([]float32, g.inSize()), make([]float32, g.inSize())
			fillNaN(dx1, false, false)
			copy(dx2, dx1)
			goKernels.col2imSame(g, col1, dx1, band[0], band[1])
			cKernels.col2imSame(g, col2, dx2, band[0], band[1])
			if i := same(dx1, dx2); i >= 0 {
				t.Fatalf("col2im %+v rows %v: differ at %d: %#x %#x", c, band, i, math.Float32bits(dx1[i]), math.Float32bits(dx2[i]))
			}
		}
	}
}
