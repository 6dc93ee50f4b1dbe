package style

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestImageDomainDraws: a varied domain gives each image its own values,
// within the stated ranges, the same for the same seed; colour gain and
// offset share one draw; fixed parameters stay fixed.
func TestImageDomainDraws(t *testing.T) {
	d := CGVariedDomain()
	seen := map[float64]bool{}
	var lo, hi = math.Inf(1), math.Inf(-1)
	for i := range 200 {
		s := ImageSeed(7, i)
		a, b := d.ImageDomain(s), d.ImageDomain(s)
		if a != b {
			t.Fatalf("image %d: two draws differ: %+v vs %+v", i, a, b)
		}
		if a.Vary != nil {
			t.Fatalf("image %d: drawn domain still varies", i)
		}
		if err := a.Validate(); err != nil {
			t.Fatalf("image %d: %v", i, err)
		}
		u := (a.Gain[1] - 1) / 0.2
		if math.Abs(a.Offset[1]-0.04*u) > 1e-12 {
			t.Errorf("image %d: gain %v and offset %v do not share one draw", i, a.Gain[1], a.Offset[1])
		}
		if a.BlurSigma < 0 || a.BlurSigma > 0.85 || a.RenderNoise < 0 || a.RenderNoise > 0.08 {
			t.Errorf("image %d: blur %v, render noise %v outside their ranges", i, a.BlurSigma, a.RenderNoise)
		}
		if a.Gain[0] != 1 || a.Gain[2] != 1 || a.Exposure != 0 {
			t.Errorf("image %d: a fixed parameter moved: %+v", i, a)
		}
		seen[a.BlurSigma] = true
		lo, hi = math.Min(lo, a.Gain[1]), math.Max(hi, a.Gain[1])
	}
	if len(seen) < 190 || lo > 1.02 || hi < 1.18 {
		t.Errorf("draws do not spread: %d distinct blurs, green gain %.3f..%.3f", len(seen), lo, hi)
	}
	if m := d.MeanDomain(); m.Gain[1] != 1.1 || m.Offset[1] != 0.02 || m.BlurSigma != 0.425 || m.Vary != nil {
		t.Errorf("mean domain %+v", m)
	}
	fixed := CGDomain()
	if fixed.ImageDomain(1) != fixed {
		t.Errorf("a fixed domain changed under ImageDomain")
	}
}

func TestVariationValidate(t *testing.T) {
	d := CGVariedDomain()
	d.Vary.BlurSigma = Range{0.5, 0.2}
	d.Vary.Gain[1] = Range{1, 9}
	err := d.Validate()
	if !errors.Is(err, ErrInvalidDomain) || !strings.Contains(err.Error(), "vary.blur_sigma") || !strings.Contains(err.Error(), "vary.gain_g") {
		t.Fatalf("error %v, want ErrInvalidDomain naming vary.blur_sigma and vary.gain_g", err)
	}
}
