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

// TestBlurAblationDomains: "cg-varied-blur" against "real-blur" plants a
// per-image blur and nothing else, so Gap states only sigma, and sigma
// varies from image to image.
func TestBlurAblationDomains(t *testing.T) {
	cg, err := DomainByName("cg-varied-blur")
	if err != nil {
		t.Fatal(err)
	}
	real, err := DomainByName("real-blur")
	if err != nil {
		t.Fatal(err)
	}
	if err := cg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := real.Validate(); err != nil {
		t.Fatal(err)
	}
	sigmas := map[float64]bool{}
	for i := range 50 {
		img := cg.ImageDomain(ImageSeed(3, i))
		for k, v := range Gap(img, real) {
			want := 0.0
			if strings.HasPrefix(k, "sigma") {
				want = math.Sqrt(float64(real.BlurSigma*real.BlurSigma) - float64(img.BlurSigma*img.BlurSigma))
			}
			if v != want {
				t.Fatalf("image %d: gap %s = %v, want %v", i, k, v, want)
			}
		}
		if img.BlurSigma < 0 || img.BlurSigma > 0.85 {
			t.Fatalf("image %d: blur %v outside [0, 0.85]", i, img.BlurSigma)
		}
		sigmas[img.BlurSigma] = true
		plain := img
		plain.BlurSigma, plain.Vary = 0, nil
		if id := IdentityDomain(); plain.Name != "cg-varied-blur" || plain.Gain != id.Gain || plain.Offset != id.Offset || plain.RenderNoise != 0 || plain.ShotNoise != 0 || plain.JPEGQuality != 0 {
			t.Fatalf("image %d: %+v has more than a blur", i, img)
		}
	}
	if len(sigmas) < 40 {
		t.Errorf("%d distinct blurs in 50 images, want them drawn per image", len(sigmas))
	}
	if real.BlurSigma != RealDomain().BlurSigma || real.JPEGQuality != 0 || real.ReadNoise != 0 || real.Vignetting != 0 || real.ChromaticAberration != 0 {
		t.Errorf("real-blur %+v: want the real domain's blur alone", real)
	}
}
