package manip

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

func newExposure(Options) *manipulation {
	return &manipulation{
		name:   "exposure",
		params: []Param{{Name: "exposure", Low: -4, High: 4}},
		kern32: exposureShift[float32]{},
		kern64: exposureShift[float64]{},
	}
}

// exposureShift changes exposure by `exposure` stops (a factor k = 2^exposure
// on scene light) behind the Reinhard tone curve T(L) = L/(1+L): each value
// is mapped back to scene light by T^-1(x) = x/(1-x), scaled by k and mapped
// through T again, which simplifies to
//
//	x' = k*x / (1 + (k-1)*x).
//
// Black and white stay fixed, mid-tones move most, and the result stays in
// [0,1] for inputs in [0,1], so no clamp is needed. exposure = 0 gives k = 1
// and returns x exactly.
type exposureShift[T float] struct{}

func (exposureShift[T]) check(h, w int) error { return nil }

func (exposureShift[T]) forward(dst, src []T, im *imageArgs) {
	k := fmath.Exp2(im.p[0])
	dst = dst[:len(src)]
	for i, x := range src {
		x := float64(x)
		dst[i] = T(k * x / (1 + float64((k-1)*x)))
	}
}

func (exposureShift[T]) backward(gv []float64, src, g []T, im *imageArgs) {
	k := fmath.Exp2(im.p[0])
	g = g[:len(src)]
	var gk float64
	for i, x := range src {
		x := float64(x)
		den := 1 + float64((k-1)*x)
		gk += float64(g[i]) * x * (1 - x) / (den * den)
	}
	gv[0] = gk * k * math.Ln2
}
