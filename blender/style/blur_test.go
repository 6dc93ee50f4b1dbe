package style

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestBlurWidths holds blur to refBlur, its direct form, bit for bit, at
// every width and height from 1 to 24 and a few kernels (7 taps, where
// the SIMD loops run on amd64, and others), on values that include
// negatives, zeros of both signs, subnormals and large numbers.
func TestBlurWidths(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	vals := []float32{0, float32(math.Copysign(0, -1)), 1e-40, -1e-40, 3e30, -7}
	for w := 1; w <= 24; w++ {
		for h := 1; h <= 24; h += 1 + w%3 {
			for _, sigma := range []float64{0.9, 0.75, 1, 0.3, 1.7} {
				p, ref := newPlanes(w, h), newPlanes(w, h)
				for i := range p.ch[0] {
					v := rng.Float32()
					if rng.IntN(8) == 0 {
						v = vals[rng.IntN(len(vals))]
					}
					p.ch[0][i], ref.ch[0][i] = v, v
				}
				p.blur(0, sigma)
				ref.refBlur(0, sigma)
				if !slices.EqualFunc(p.ch[0], ref.ch[0], func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
					t.Fatalf("%dx%d sigma %v: blur differs from the direct form (SIMD %v)", w, h, sigma, blurSIMD)
				}
			}
		}
	}
}
