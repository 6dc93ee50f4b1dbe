package fit

import (
	"context"
	"errors"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func fitDist(t *testing.T, imgs Images, cfg DistConfig) []DistResult {
	t.Helper()
	res, err := FitDistribution(context.Background(), greenOnly, lookup(t, "brightness-contrast"), imgs, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != imgs.N {
		t.Fatalf("%d results for %d images", len(res), imgs.N)
	}
	return res
}

// TestDistributionRecoversGap: images whose green is scaled by a growing
// gain (a planted gap) get means that pull green down by about each image's
// own distance to the classifier's boundary (the threshold's hinge stops
// them there, the prior shrinks large pulls a little); red and blue, which
// the classifier ignores, keep the identity mean and their spread widens
// to the cap (the classifier says nothing about them).
func TestDistributionRecoversGap(t *testing.T) {
	const n = 6
	imgs := gainBatch(t, n, 6, 6)
	res := fitDist(t, imgs, DistConfig{Direction: CGToReal})
	var shifts, needs []float64
	for i, r := range res {
		if len(r.Losses) != DefaultDistSteps+1 || len(r.Mean) != 6 || len(r.Spread) != 6 || len(r.AtBound) != 6 {
			t.Fatalf("image %d: %d losses, %d means, %d spreads, %d bound flags", i, len(r.Losses), len(r.Mean), len(r.Spread), len(r.AtBound))
		}
		need := channelMeans(imgs.Pix[i*3*36 : (i+1)*3*36])[1] - 0.45 // the green shift to the boundary
		needs = append(needs, need)
		// An image that starts past the threshold has nothing to gain.
		if first := r.Losses[0]; first > -math.Log(DefaultThreshold) && r.Losses[len(r.Losses)-1] >= first {
			t.Errorf("image %d: loss %.4f at the mean, not below the first draws' %.4f", i, r.Losses[len(r.Losses)-1], first)
		}
		shift := -(r.Mean[1] + 0.45*r.Mean[4]) // how far the mean pulls green down
		shifts = append(shifts, shift)
		t.Logf("image %d: green pulled down %.4f (boundary %.4f away), confidence %.3f at the mean, %.0f%% of late draws succeed, spreads %.3f", i, shift, need, r.Confidence, 100*r.SampleSuccess, r.Spread)
		if shift <= 0 {
			t.Errorf("image %d: mean pulls green by %.4f, want down", i, -shift)
		}
		for _, j := range []int{0, 2, 3, 5} {
			if r.Mean[j] != 0 {
				t.Errorf("image %d: mean of %s moved to %v without gradient", i, lookup(t, "brightness-contrast").Params()[j].Name, r.Mean[j])
			}
			// Range 2: the start is 0.02, the cap 0.05 (below the prior's 0.1).
			if r.Spread[j] < 2*DefaultMaxSpread*0.95 {
				t.Errorf("image %d: spread of an ignored parameter %v did not widen from %v to the cap %v", i, r.Spread[j], 2*DefaultInitSpread, 2*DefaultMaxSpread)
			}
			if r.Spread[j] > float64(float32(2*DefaultMaxSpread)) {
				t.Errorf("image %d: spread %v beyond the cap %v", i, r.Spread[j], 2*DefaultMaxSpread)
			}
		}
		if r.KL <= 0 {
			t.Errorf("image %d: KL %v, want positive", i, r.KL)
		}
	}
	if r := pearson(shifts, needs); !(r >= 0.8) {
		t.Errorf("Pearson r %.3f between the pull and each image's distance to the boundary, want >= 0.8 (pulls %.4f, distances %.4f)", r, shifts, needs)
	}
}

// TestDistributionDeterministic: the same images and seeds give the same
// bits, whatever the batch size; other seeds draw other samples and so give
// other distributions.
func TestDistributionDeterministic(t *testing.T) {
	imgs := gainBatch(t, 4, 6, 6)
	cfg := DistConfig{Direction: CGToReal, Steps: 20}
	a := fitDist(t, imgs, cfg)
	b := fitDist(t, imgs, cfg)
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("two runs differ (-first +second):\n%s", d)
	}
	cfg.BatchSize = 1
	if d := cmp.Diff(a, fitDist(t, imgs, cfg)); d != "" {
		t.Errorf("batch size 1 differs from 32 (-32 +1):\n%s", d)
	}
	other := imgs
	other.Seeds = make([]int64, imgs.N)
	for i := range other.Seeds {
		other.Seeds[i] = imgs.Seeds[i] + 1000
	}
	c := fitDist(t, other, DistConfig{Direction: CGToReal, Steps: 20})
	for i := range a {
		if cmp.Equal(a[i].Mean, c[i].Mean) && cmp.Equal(a[i].Spread, c[i].Spread) {
			t.Errorf("image %d: seeds %d and %d gave the same distribution", i, imgs.Seeds[i], other.Seeds[i])
		}
	}
}

// TestSampleValues: draws are repeatable by seed and name, differ between
// names, stay in range, and follow the distribution.
func TestSampleValues(t *testing.T) {
	params := lookup(t, "brightness-contrast").Params()
	mean := []float64{0.1, -0.2, 0, 0.95, 0, 0}
	spread := []float64{0.05, 0.1, 0, 0.2, 0.01, 0.3}
	a, err := SampleValues(params, mean, spread, 7, "epoch-1/image-3")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := SampleValues(params, mean, spread, 7, "epoch-1/image-3")
	c, _ := SampleValues(params, mean, spread, 7, "epoch-2/image-3")
	if !cmp.Equal(a, b) {
		t.Errorf("same seed and name: %v then %v", a, b)
	}
	if cmp.Equal(a, c) {
		t.Errorf("different names gave the same draw %v", a)
	}
	const draws = 4000
	var sum, sq float64
	for d := range draws {
		v, err := SampleValues(params, mean, spread, 7, "draw-"+string(rune('a'+d%26))+string(rune('a'+d/26%26))+string(rune('a'+d/676)))
		if err != nil {
			t.Fatal(err)
		}
		for j, p := range params {
			if v[j] < p.Low || v[j] > p.High {
				t.Fatalf("draw %d: %s = %v outside [%v,%v]", d, p.Name, v[j], p.Low, p.High)
			}
		}
		if v[2] != 0 {
			t.Fatalf("draw %d: zero spread gave %v, want the mean 0", d, v[2])
		}
		sum += v[1]
		sq += (v[1] + 0.2) * (v[1] + 0.2)
	}
	if m := sum / draws; math.Abs(m+0.2) > 4*0.1/math.Sqrt(draws) {
		t.Errorf("mean of %d draws %v, want -0.2 within 4 standard errors", draws, m)
	}
	if sd := math.Sqrt(sq / draws); math.Abs(sd-0.1) > 0.01 {
		t.Errorf("spread of %d draws %v, want 0.1", draws, sd)
	}
	if _, err := SampleValues(params, mean[:2], spread, 1, "x"); !errors.Is(err, ErrConfig) {
		t.Errorf("short mean: error %v, want ErrConfig", err)
	}
	if _, err := SampleValues(params, mean, []float64{0, 0, -1, 0, 0, 0}, 1, "x"); !errors.Is(err, ErrConfig) {
		t.Errorf("negative spread: error %v, want ErrConfig", err)
	}
}

func TestDistConfigErrors(t *testing.T) {
	imgs := gainBatch(t, 1, 4, 4)
	tests := []struct {
		name string
		cfg  DistConfig
	}{
		{"no direction", DistConfig{}},
		{"negative steps", DistConfig{Direction: CGToReal, Steps: -1}},
		{"too many samples", DistConfig{Direction: CGToReal, Samples: 1000}},
		{"learning rate above 1", DistConfig{Direction: CGToReal, LearningRate: 2}},
		{"negative prior", DistConfig{Direction: CGToReal, PriorScale: -0.1}},
		{"tiny initial spread", DistConfig{Direction: CGToReal, InitSpread: 1e-9}},
		{"cap below the start", DistConfig{Direction: CGToReal, InitSpread: 0.1, MaxSpread: 0.05}},
		{"negative KL weight", DistConfig{Direction: CGToReal, KLWeight: -1}},
		{"NaN KL weight", DistConfig{Direction: CGToReal, KLWeight: math.NaN()}},
		{"threshold above 1", DistConfig{Direction: CGToReal, Threshold: 1.5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := FitDistribution(context.Background(), greenOnly, lookup(t, "brightness-contrast"), imgs, tc.cfg)
			if !errors.Is(err, ErrConfig) {
				t.Errorf("error %v, want ErrConfig", err)
			}
		})
	}
}

func pearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i] / n
		my += y[i] / n
	}
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}
