package experiments

import (
	"math"
	"testing"
)

// TestComposeRemaining: the gap left after applying done, applied after
// done, gives the planted gap back (colour and blur), and compose follows
// the maps it states.
func TestComposeRemaining(t *testing.T) {
	planted := map[string]float64{"brightness_g": -0.03, "contrast_g": -0.15, "sigma": 0.8, "exposure": 0.5}
	done := map[string]float64{"brightness_g": -0.01, "contrast_g": -0.05, "sigma": 0.3, "exposure": 0.2}
	back := compose(done, remaining(planted, done))
	for k, want := range planted {
		if math.Abs(back[k]-want) > 1e-12 {
			t.Errorf("%s: compose(done, remaining) = %v, want %v", k, back[k], want)
		}
	}
	// x -> x*(1-0.05) - 0.01 -> (.)*(1+0.1) + 0.02
	got := compose(done, map[string]float64{"brightness_g": 0.02, "contrast_g": 0.1, "sigma": 0.4, "exposure": -1})
	want := map[string]float64{"brightness_g": -0.01*1.1 + 0.02, "contrast_g": 0.95*1.1 - 1, "sigma": 0.5, "exposure": -0.8}
	for k, w := range want {
		if math.Abs(got[k]-w) > 1e-12 {
			t.Errorf("compose %s = %v, want %v", k, got[k], w)
		}
	}
	if r := remaining(map[string]float64{"sigma": 0.3}, map[string]float64{"sigma": 0.5}); r["sigma"] != 0 {
		t.Errorf("remaining blur after over-blurring = %v, want 0 (a blur cannot sharpen)", r["sigma"])
	}
}
