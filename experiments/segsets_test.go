package experiments

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/manip"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

func TestParseTrainingSet(t *testing.T) {
	tests := []struct {
		set  string
		kind int
		m    string
	}{
		{"baseline", setBaseline, ""},
		{"augment", setAugment, ""},
		{"blur", setFitted, "blur"},
		{"blur-brightness-contrast/rounds", setRounds, "blur-brightness-contrast"},
		{"brightness-contrast/stochastic", setStochastic, "brightness-contrast"},
	}
	for _, tc := range tests {
		t.Run(tc.set, func(t *testing.T) {
			kind, m := parseTrainingSet(tc.set)
			if kind != tc.kind || m != tc.m {
				t.Errorf("parseTrainingSet(%q) = %d, %q; want %d, %q", tc.set, kind, m, tc.kind, tc.m)
			}
		})
	}
}

// TestTrainingSetValidation: every kind of set is accepted where it can
// run, and a set that cannot is refused with a message naming the fix.
func TestTrainingSetValidation(t *testing.T) {
	f, err := Open("segmentation/baseline-vs-proposals")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sets []string
		want string // "" accepted
	}{
		{"every kind", []string{`"baseline"`, `"augment"`, `"blur"`, `"hsv/stochastic"`, `"blur/rounds"`}, ""},
		{"unknown", []string{`"sharpen"`}, `"sharpen" is not a training set`},
		{"unknown rounds", []string{`"sharpen/rounds"`}, `"sharpen" is not a manipulation`},
		{"point fit not listed", []string{`"hsv"`}, "add it to style.manipulations"},
		{"twice", []string{`"augment"`, `"augment"`}, "listed twice"},
		{"empty", nil, "is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.WithOverrides(overrides(t, "segmentation.training_sets=["+strings.Join(tc.sets, ",")+"]"))
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
	if _, err := f.WithOverrides(overrides(t, "style.rounds=1")); err == nil || !strings.Contains(err.Error(), "needs style.rounds of at least 2") {
		t.Errorf("rounds set with style.rounds = 1: error %v", err)
	}
	if _, err := f.WithOverrides(overrides(t, "segmentation.seeds=0")); err == nil || !strings.Contains(err.Error(), "segmentation.seeds") {
		t.Errorf("seeds = 0: error %v", err)
	}
}

func testImage(size int) []float32 {
	img := make([]float32, 3*size*size)
	for i := range img {
		img[i] = float32(i%97) / 100
	}
	return img
}

// checkAugmenter: the same (epoch, image) gives the same bits, another
// epoch or image other bits, values stay in [0, 1], and the image changes.
func checkAugmenter(t *testing.T, aug augmenter, size int) {
	t.Helper()
	orig := testImage(size)
	run := func(e, i int) []float32 {
		img := slices.Clone(orig)
		if err := aug(e, i, img); err != nil {
			t.Fatal(err)
		}
		for _, v := range img {
			if !(v >= 0 && v <= 1) {
				t.Fatalf("epoch %d image %d: value %v outside [0,1]", e, i, v)
			}
		}
		return img
	}
	a := run(1, 3)
	if d := cmp.Diff(a, run(1, 3)); d != "" {
		t.Errorf("epoch 1 image 3 twice differs:\n%s", d)
	}
	if cmp.Equal(a, orig) {
		t.Errorf("augmentation left the image unchanged")
	}
	if cmp.Equal(a, run(2, 3)) {
		t.Errorf("epochs 1 and 2 drew the same augmentation")
	}
	if cmp.Equal(a, run(1, 4)) {
		t.Errorf("images 3 and 4 drew the same augmentation (same pixels in)")
	}
}

func TestRandomAugmenter(t *testing.T) {
	const size = 8
	aug, err := randomAugmenter(11, size)
	if err != nil {
		t.Fatal(err)
	}
	checkAugmenter(t, aug, size)
	other, _ := randomAugmenter(12, size)
	img, img2 := testImage(size), testImage(size)
	_ = aug(1, 0, img)
	_ = other(1, 0, img2)
	if cmp.Equal(img, img2) {
		t.Errorf("seeds 11 and 12 drew the same augmentation")
	}
}

func TestStochasticAugmenter(t *testing.T) {
	const size = 8
	m, err := manip.Lookup("brightness-contrast", manip.Options{})
	if err != nil {
		t.Fatal(err)
	}
	do := &distOutcome{m: m}
	for i := range 5 {
		do.mean = append(do.mean, []float64{0, -0.02 * float64(i), 0, 0, -0.05, 0})
		do.spread = append(do.spread, []float64{0.05, 0.05, 0.05, 0.05, 0.05, 0.05})
	}
	aug := stochasticAugmenter(do, 7, size)
	checkAugmenter(t, aug, size)
	if err := aug(1, 5, testImage(size)); err == nil {
		t.Errorf("image 5 of 5 fitted: no error")
	}
	// With zero spread a draw is the mean: the manipulation applied at it.
	do.spread[2] = make([]float64, 6)
	img := testImage(size)
	if err := aug(3, 2, img); err != nil {
		t.Fatal(err)
	}
	want := make([]float32, len(img))
	if err := m.Apply(want, testImage(size), size, size, do.mean[2], 0); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, img); d != "" {
		t.Errorf("zero spread: not the mean's manipulation:\n%s", d)
	}
}

func TestMeanCI95(t *testing.T) {
	m, h := meanCI95([]float64{1, 2, 3})
	// sd 1, t(2) = 4.303: half-width 4.303/sqrt(3).
	if m != 2 || math.Abs(h-4.303/math.Sqrt(3)) > 1e-12 {
		t.Errorf("meanCI95(1,2,3) = %v ± %v", m, h)
	}
	if _, h := meanCI95([]float64{5}); !math.IsNaN(h) {
		t.Errorf("one value: half-width %v, want NaN", h)
	}
	if m, _ := meanCI95(nil); !math.IsNaN(m) {
		t.Errorf("no values: mean %v, want NaN", m)
	}
}

// TestSegmentationWorkersSameBytes: the trainings of a segmentation run are
// work items; one worker or four (trainings side by side, in any order)
// store the same stages, artifacts, metrics and trials, and the run lists
// its stages in the same order.
func TestSegmentationWorkersSameBytes(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a reduced segmentation spec twice; go test without -short runs it")
	}
	f, err := Open("segmentation/baseline-vs-proposals")
	if err != nil {
		t.Fatal(err)
	}
	f, err = f.WithOverrides(overrides(t, `segmentation.training_sets=["baseline","augment","brightness-contrast","brightness-contrast/stochastic"]`,
		`style.manipulations=["brightness-contrast"]`, "style.rounds=1", "datasets.cg.count=48", "datasets.real.count=48",
		"datasets.eval.count=8", "segmentation.images=16", "segmentation.epochs=2", "discriminator.epochs=3"))
	if err != nil {
		t.Fatal(err)
	}
	run := func(workers int) (*bolt.Store, Result) {
		st := openStore(t, t.TempDir())
		res, err := Run(context.Background(), st, f, Options{Profile: "smoke", Workers: workers})
		if err != nil {
			t.Fatal(err)
		}
		return st, res
	}
	a, ra := run(1)
	b, rb := run(4)
	rep, err := CompareRuns(context.Background(), a, ra.RunID, b, rb.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("%s", d)
	}
	var names []string
	for _, s := range ra.Stages {
		names = append(names, s.Name)
	}
	var namesB []string
	for _, s := range rb.Stages {
		namesB = append(namesB, s.Name)
	}
	if d := cmp.Diff(names, namesB); d != "" {
		t.Errorf("stage order differs (-1 worker +4):\n%s", d)
	}
	for _, set := range []string{"baseline", "augment", "brightness-contrast", "brightness-contrast/stochastic"} {
		for k := 1; k <= 2; k++ {
			if !slices.Contains(names, keys.SegmentationSeedStage(set, k)) {
				t.Errorf("no stage %s", keys.SegmentationSeedStage(set, k))
			}
		}
	}
	if rep.Artifacts == 0 || rep.Trials == 0 {
		t.Errorf("compared %d artifacts and %d trials; want some of each", rep.Artifacts, rep.Trials)
	}
}
