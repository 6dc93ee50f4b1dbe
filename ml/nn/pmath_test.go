package nn

import (
	"math"
	"math/rand/v2"
	"testing"
)

// ulps is the distance in units of the last place between two finite
// float64 values of the same sign.
func ulps(a, b float64) uint64 {
	x, y := math.Float64bits(a), math.Float64bits(b)
	if x > y {
		return x - y
	}
	return y - x
}

// TestPortableExpLog: expP and logP agree with math.Exp and math.Log to
// within two ulps (amd64's assembly Exp is itself up to about an ulp off
// the pure-Go algorithm), and handle the special cases the same way.
func TestPortableExpLog(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 100000; i++ {
		x := (rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(14)-4)
		if d := ulps(expP(x), math.Exp(x)); d > 2 {
			t.Fatalf("expP(%v) = %v, math.Exp %v: %d ulps apart", x, expP(x), math.Exp(x), d)
		}
		y := math.Abs(x) * math.Ldexp(1, rng.IntN(60)-30)
		if y == 0 {
			continue
		}
		if d := ulps(logP(y), math.Log(y)); d > 2 {
			t.Fatalf("logP(%v) = %v, math.Log %v: %d ulps apart", y, logP(y), math.Log(y), d)
		}
	}
	specials := []float64{0, 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), 710, -746, 1e-300}
	for _, x := range specials {
		if e, w := expP(x), math.Exp(x); !(e == w || math.IsNaN(e) && math.IsNaN(w)) {
			t.Errorf("expP(%v) = %v, want %v", x, e, w)
		}
		if l, w := logP(x), math.Log(x); !(l == w || math.IsNaN(l) && math.IsNaN(w)) {
			t.Errorf("logP(%v) = %v, want %v", x, l, w)
		}
	}
}
