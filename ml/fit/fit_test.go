package fit

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/ml/manip"
)

func lookup(t testing.TB, name string) manip.Manipulation {
	t.Helper()
	m, err := manip.Lookup(name, manip.Options{GridRows: 2, GridCols: 2, BlurRadius: 4})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func testRand(t testing.TB, seed uint64) *rand.Rand {
	t.Helper()
	t.Logf("random seed %d", seed)
	return rand.New(rand.NewPCG(seed, 1))
}

// TestColourGainRecovered: CG images differ from real ones only by a known
// per-channel gain; a classifier trained on them, fooled by fitting
// brightness/contrast, must undo the gain: contrast and brightness move
// against the gain in every channel, in both directions.
func TestColourGainRecovered(t *testing.T) {
	const h, w = 12, 12
	gain := [3]float64{1.2, 0.8, 1.1} // CG: too red, too little green, a bit too blue
	r := testRand(t, 11)
	realTrain, realTest := smoothImages(r, 200, h, w), smoothImages(r, 100, h, w)
	cgTrain, cgTest := withGain(smoothImages(r, 200, h, w), gain), withGain(smoothImages(r, 100, h, w), gain)
	clf := trainLinearMeans(cgTrain, realTrain)
	t.Logf("classifier: w %.2f b %.2f", clf.w, clf.b)
	correct := 0
	for _, im := range realTest {
		if clf.logit(im) > 0 {
			correct++
		}
	}
	for _, im := range cgTest {
		if clf.logit(im) < 0 {
			correct++
		}
	}
	if acc := float64(correct) / 200; acc < 0.85 {
		t.Fatalf("classifier held-out accuracy %.2f, want >= 0.85 (the test needs a working classifier)", acc)
	}

	m := lookup(t, "brightness-contrast")
	tests := []struct {
		dir    Direction
		images [][]float32
		sign   float64 // sign of the fitted values relative to gain-1
	}{
		{CGToReal, cgTest, -1},
		{RealToCG, realTest, +1},
	}
	for _, tc := range tests {
		t.Run(string(tc.dir), func(t *testing.T) {
			// Only images the classifier gets right need fitting.
			var imgs [][]float32
			for _, im := range tc.images {
				if (clf.logit(im) < 0) == (tc.dir == CGToReal) {
					imgs = append(imgs, im)
				}
			}
			res, err := Fit(context.Background(), clf, m, batch(imgs, h, w, 1), Config{Direction: tc.dir, Steps: 200})
			if err != nil {
				t.Fatal(err)
			}
			succeeded := 0
			for _, r := range res {
				if r.Success {
					succeeded++
				}
			}
			if succeeded < len(res)*9/10 {
				t.Errorf("%d of %d images succeeded, want >= 90%%", succeeded, len(res))
			}
			t.Logf("%d of %d succeeded", succeeded, len(res))
			for c, name := range []string{"r", "g", "b"} {
				var bs, cs []float64
				for _, r := range res {
					bs, cs = append(bs, r.Values[c]), append(cs, r.Values[3+c])
				}
				want := tc.sign * math.Copysign(1, gain[c]-1)
				t.Logf("channel %s: median brightness %.4f contrast %.4f", name, median(bs), median(cs))
				if mb, mc := median(bs), median(cs); mb*want <= 0 || mc*want <= 0 {
					t.Errorf("channel %s (gain %.2f): median brightness %.4f, contrast %.4f; want sign %+.0f", name, gain[c], mb, mc, want)
				}
			}
		})
	}
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	sort.Float64s(s)
	return s[len(s)/2]
}

// fitCases are manipulations and classifiers used by the determinism tests.
type fitCase struct {
	name string
	m    manip.Manipulation
	clf  Classifier
	dir  Direction // the direction the classifier disagrees with
}

func fitCases(t *testing.T) []fitCase {
	lm := &linearMeans{w: [3]float64{-8, 6, -3}, b: 0.5}
	tc := newTinyConv(3)
	return []fitCase{
		{"brightness-contrast/linear", lookup(t, "brightness-contrast"), lm, CGToReal},
		{"brightness-contrast/conv", lookup(t, "brightness-contrast"), tc, RealToCG},
		{"patch/conv", lookup(t, "patch-brightness-contrast"), tc, RealToCG},
		{"hsv/conv", lookup(t, "hsv"), tc, RealToCG},
		{"blur/conv", lookup(t, "blur"), tc, RealToCG},
		{"channel-blur/conv", lookup(t, "channel-blur"), tc, RealToCG},
		{"noise/conv", lookup(t, "noise"), tc, RealToCG},
		{"exposure/conv", lookup(t, "exposure"), tc, RealToCG},
	}
}

// TestBatchIndependence: an image's result is the same fitted alone, in a
// batch, in another chunking, and with GOMAXPROCS 1 or 4.
func TestBatchIndependence(t *testing.T) {
	const h, w = 8, 8
	r := testRand(t, 21)
	imgs := batch(smoothImages(r, 5, h, w), h, w, 100)
	for _, tc := range fitCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			run := func(procs, batchSize int, im Images) []Result {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				c := Config{Direction: tc.dir, Steps: 15, LearningRate: 0.05, BatchSize: batchSize}
				res, err := Fit(context.Background(), tc.clf, tc.m, im, c)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			all := run(4, 5, imgs)
			if diff := cmp.Diff(all, run(1, 5, imgs)); diff != "" {
				t.Errorf("GOMAXPROCS 1 differs from 4:\n%s", diff)
			}
			if diff := cmp.Diff(all, run(4, 2, imgs)); diff != "" {
				t.Errorf("batch size 2 differs from 5:\n%s", diff)
			}
			size := 3 * h * w
			one := Images{N: 1, H: h, W: w, Pix: imgs.Pix[3*size : 4*size], Seeds: imgs.Seeds[3:4]}
			if diff := cmp.Diff(all[3:4], run(1, 1, one)); diff != "" {
				t.Errorf("image 3 alone differs from in the batch:\n%s", diff)
			}
			moved := false
			for _, r := range all {
				moved = moved || r.Steps > 0
			}
			if !moved {
				t.Error("no image took a step; the test compares nothing")
			}
		})
	}
}
