package fit

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// greenOnly calls an image real when its green mean is below 0.45: only
// green matters, so red and blue get no gradient.
var greenOnly = &linearMeans{w: [3]float64{0, -20, 0}, b: 9}

// gainBatch returns n smooth images whose green channel is scaled by
// 1.05, 1.10, ...: image i is further from the real side than image i-1.
func gainBatch(t *testing.T, n, h, w int) Images {
	base := smoothImages(testRand(t, 41), n, h, w)
	imgs := make([][]float32, n)
	for i := range n {
		imgs[i] = withGain(base[i:i+1], [3]float64{1, 1 + 0.05*float64(i+1), 1})[0]
	}
	return batch(imgs, h, w, 3)
}

// TestLineSearchMagnitudes: with the line search each image's fitted value
// follows its own gap (continuous, different per image, growing with the
// distance to the boundary), a parameter without gradient stays put, and
// accepted losses never rise.
func TestLineSearchMagnitudes(t *testing.T) {
	const n, h, w = 6, 6, 6
	imgs := gainBatch(t, n, h, w)
	m := lookup(t, "brightness-contrast")
	ls, err := Fit(context.Background(), greenOnly, m, imgs, Config{Direction: CGToReal, Optimizer: LineSearch, Stop: StopConverge, Steps: 200, Threshold: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	// brightness_g is parameter 1, contrast_g parameter 4.
	prev := 0.0
	for i, r := range ls {
		for s := 1; s < len(r.Losses); s++ {
			if r.Losses[s] > r.Losses[s-1] {
				t.Errorf("image %d: loss rose from %.6f to %.6f at step %d", i, r.Losses[s-1], r.Losses[s], s)
			}
		}
		if r.Evaluations < r.Steps || r.Steps == 0 {
			t.Errorf("image %d: %d steps, %d evaluations; want 0 < steps <= evaluations", i, r.Steps, r.Evaluations)
		}
		for _, j := range []int{0, 2, 3, 5} {
			if r.Values[j] != 0 {
				t.Errorf("image %d: parameter %s moved to %v without gradient", i, m.Params()[j].Name, r.Values[j])
			}
		}
		shift := -(r.Values[1] + 0.45*r.Values[4]) // how far green was pulled down
		if shift <= prev {
			t.Errorf("image %d: green pulled down by %.4f, not more than image %d's %.4f", i, shift, i-1, prev)
		}
		prev = shift
	}
}

// TestLineSearchThreshold: under the threshold rule the line search stops at
// the first accepted point past the threshold, as the published rule does.
func TestLineSearchThreshold(t *testing.T) {
	imgs := gainBatch(t, 4, 6, 6)
	res, err := Fit(context.Background(), greenOnly, lookup(t, "brightness-contrast"), imgs,
		Config{Direction: CGToReal, Optimizer: LineSearch, Steps: 200})
	if err != nil {
		t.Fatal(err)
	}
	stop := -math.Log(DefaultThreshold)
	for i, r := range res {
		if !r.Success {
			t.Fatalf("image %d: no success after %d steps", i, r.Steps)
		}
		for s, l := range r.Losses[:r.Steps] {
			if l <= stop {
				t.Errorf("image %d: loss %.4f at step %d met the threshold but the fit went on", i, l, s)
			}
		}
	}
}

// TestAtBound: a fit that needs more than the range allows ends at the
// bound and flags it; the others are not flagged.
func TestAtBound(t *testing.T) {
	imgs := gainBatch(t, 2, 6, 6)
	far := &linearMeans{w: [3]float64{0, -20, 0}, b: -30} // real only for green far below 0
	for _, opt := range []Optimizer{Adam, LineSearch} {
		res, err := Fit(context.Background(), far, lookup(t, "exposure"), imgs,
			Config{Direction: CGToReal, Optimizer: opt, Stop: StopConverge, Steps: 400, LearningRate: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range res {
			if !r.AtBound[0] || r.Values[0] != -4 {
				t.Errorf("%s image %d: exposure %v, at bound %v; want -4 flagged", opt, i, r.Values[0], r.AtBound[0])
			}
		}
	}
	res, err := Fit(context.Background(), greenOnly, lookup(t, "brightness-contrast"), imgs, Config{Direction: CGToReal, Optimizer: LineSearch})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range res {
		for j, b := range r.AtBound {
			if b {
				t.Errorf("image %d: parameter %d flagged at %v", i, j, r.Values[j])
			}
		}
	}
}

// TestLineSearchBatchIndependent: results do not depend on the batch size
// or compaction.
func TestLineSearchBatchIndependent(t *testing.T) {
	imgs := gainBatch(t, 5, 6, 6)
	m := lookup(t, "brightness-contrast")
	var want []Result
	for _, bs := range []int{1, 2, 5} {
		got, err := Fit(context.Background(), cgLinear, m, imgs, Config{Direction: CGToReal, Optimizer: LineSearch, Stop: StopConverge, Steps: 50, BatchSize: bs})
		if err != nil {
			t.Fatal(err)
		}
		if want == nil {
			want = got
			continue
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("batch size %d differs from 1 (-want +got):\n%s", bs, d)
		}
	}
}

func TestStopConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"optimizer", Config{Direction: CGToReal, Optimizer: "sgd"}, `optimizer "sgd"`},
		{"stop", Config{Direction: CGToReal, Stop: "never"}, `stop rule "never"`},
		{"both", Config{Direction: CGToReal, Stop: StopConverge, NoEarlyStop: true}, "no early stop"},
		{"tolerance", Config{Direction: CGToReal, Tolerance: 2}, "tolerance 2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Fit(context.Background(), cgLinear, lookup(t, "hsv"), smoothBatch(t, 1, 4, 4), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one naming %q", err, tc.want)
			}
		})
	}
}
