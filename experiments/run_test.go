package experiments

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

func openStore(t *testing.T, dir string) *bolt.Store {
	t.Helper()
	st, err := bolt.Open(filepath.Join(dir, "cgx.db"), bolt.NoServe())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func runSpec(t *testing.T, st Store, name string, opts Options) Result {
	t.Helper()
	f, err := Open(name)
	if err != nil {
		t.Fatal(err)
	}
	switch opts.Profile {
	case "":
		opts.Profile = "smoke"
	case "-":
		opts.Profile = ""
	}
	res, err := Run(context.Background(), st, f, opts)
	if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	if res.Status != tracker.RunSucceeded {
		t.Fatalf("run %s: status %s", name, res.Status)
	}
	return res
}

// TestBuiltinSmokeRunsVerify runs the smoke profile of every built-in spec,
// reads each run back through the reports (zero warnings, the kind's tables
// filled) and verifies it by re-executing it from scratch with another worker
// count: every artifact digest, metric and trial must match bit for bit.
func TestBuiltinSmokeRunsVerify(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every built-in spec twice (minutes); go test without -short runs it")
	}
	bs, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	for _, b := range bs {
		t.Run(b.Name, func(t *testing.T) {
			res := runSpec(t, st, b.Name, Options{Workers: 2})
			if len(res.Stages) < 3 {
				t.Fatalf("only %d stages: %+v", len(res.Stages), res.Stages)
			}
			checkKindMetrics(t, b, res)
			checkReport(t, st, b, res)
			if b.Kind == KindSegmentation {
				checkBeatsTrivial(t, st, res)
			}
			scratch := openStore(t, t.TempDir())
			rep, err := Verify(context.Background(), st, scratch, res.RunID, Options{Workers: 1})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.OK() {
				for _, d := range rep.Differences {
					t.Errorf("%s %s:\n%s", d.Stage, d.What, d)
				}
			}
			if rep.Stages != len(res.Stages) || rep.Artifacts == 0 {
				t.Errorf("verify compared %d stages and %d artifacts; run had %d stages", rep.Stages, rep.Artifacts, len(res.Stages))
			}
		})
	}
}

// checkKindMetrics asserts the headline figures each kind must produce.
func checkKindMetrics(t *testing.T, b Builtin, res Result) {
	t.Helper()
	has := func(suffix string) bool {
		for k := range res.Metrics {
			if strings.HasSuffix(k, suffix) {
				return true
			}
		}
		return false
	}
	acc := -1.0
	for k, v := range res.Metrics {
		if strings.HasPrefix(k, "discriminator/") && strings.HasSuffix(k, "/accuracy") && !strings.Contains(k, "_accuracy") {
			acc = max(acc, v)
		}
	}
	if acc < 0.8 {
		t.Errorf("discriminator held-out accuracy %v; the smoke profile must train a working discriminator", acc)
	}
	switch b.Kind {
	case KindStyle:
		if !has("/success_rate") || !has("/mean_steps") {
			t.Errorf("style run lacks success metrics: %v", res.Metrics)
		}
	case KindContent:
		if !has("/best_loss") {
			t.Errorf("content run lacks best_loss: %v", res.Metrics)
		}
	case KindSegmentation:
		f, err := Open(b.Name)
		if err != nil {
			t.Fatal(err)
		}
		spec, err := f.Resolve("smoke")
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range spec.Segmentation.TrainingSets {
			for k := 1; k <= spec.Segmentation.Seeds; k++ {
				if _, ok := res.Metrics[keys.Metric(keys.SegmentationSeedStage(set, k), keys.MeasureAP)]; !ok {
					t.Errorf("no AP for training set %s seed %d", set, k)
				}
			}
		}
	}
}

// TestResultsIndependentOfGOMAXPROCSAndWorkers runs a content spec (a study
// searched in batches) and a style spec under GOMAXPROCS 1 with 1 worker and
// under GOMAXPROCS 2 with 4 workers into separate databases; the stored
// trials and artifacts must be identical.
func TestResultsIndependentOfGOMAXPROCSAndWorkers(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two specs twice each; go test without -short runs it")
	}
	for _, name := range []string{"content/exp1", "style/brightness-contrast"} {
		t.Run(name, func(t *testing.T) {
			prev := runtime.GOMAXPROCS(1)
			a := openStore(t, t.TempDir())
			ra := runSpec(t, a, name, Options{Workers: 1})
			runtime.GOMAXPROCS(2)
			b := openStore(t, t.TempDir())
			rb := runSpec(t, b, name, Options{Workers: 4})
			runtime.GOMAXPROCS(prev)
			rep, err := CompareRuns(context.Background(), a, ra.RunID, b, rb.RunID)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range rep.Differences {
				t.Errorf("%s %s:\n%s", d.Stage, d.What, d)
			}
			if rep.Trials == 0 {
				t.Error("no trials compared")
			}
		})
	}
}

// TestStagesAreReused checks the cache: a second run of the same spec reuses
// every stage, --force recomputes them, and a changed setting recomputes only
// the stages it reaches.
func TestStagesAreReused(t *testing.T) {
	if testing.Short() {
		t.Skip("runs style/blur four times; go test without -short runs it")
	}
	st := openStore(t, t.TempDir())
	first := runSpec(t, st, "style/blur", Options{})
	second := runSpec(t, st, "style/blur", Options{})
	for _, s := range second.Stages {
		if !s.Cached || s.RunID != first.RunID {
			t.Errorf("stage %s not reused from run %d: %+v", s.Name, first.RunID, s)
		}
	}
	forced := runSpec(t, st, "style/blur", Options{Force: true})
	for _, s := range forced.Stages {
		if s.Cached {
			t.Errorf("--force reused stage %s", s.Name)
		}
	}
	seed := int64(99)
	other := runSpec(t, st, "style/blur", Options{Seed: &seed})
	for _, s := range other.Stages {
		if s.Cached {
			t.Errorf("another seed reused stage %s", s.Name)
		}
	}
	images := keys.Metric(keys.FitStage("blur", keys.DirectionCGToReal), keys.MeasureImages)
	if first.Metrics[images] != 8 {
		t.Errorf("fitted %v images, want the smoke profile's 8", first.Metrics[images])
	}
}

// TestInterruptAndResume cancels a content run during its search, resumes it
// and compares the result with an uninterrupted run.
func TestInterruptAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs content/exp1 twice; go test without -short runs it")
	}
	f, err := Open("content/exp1")
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	ctx, cancel := context.WithCancel(context.Background())
	p := NewProgress(&cancelAfter{cancel: cancel, marker: keys.SearchStage("exp1", 1, "tpe", 1), after: 2}, false)
	p.interval = 0
	_, err = Run(ctx, st, f, Options{Profile: "smoke", Workers: 2, Progress: p})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	run, err := st.GetRun(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != tracker.RunInterrupted {
		t.Fatalf("interrupted run has status %s", run.Status)
	}
	res, err := Run(context.Background(), st, f, Options{Profile: "smoke", ExactProfile: true, Resume: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != 1 || res.Status != tracker.RunSucceeded {
		t.Fatalf("resume gave run %d status %s", res.RunID, res.Status)
	}
	fresh := openStore(t, t.TempDir())
	want := runSpec(t, fresh, "content/exp1", Options{})
	rep, err := CompareRuns(context.Background(), fresh, want.RunID, st, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("%s %s:\n%s", d.Stage, d.What, d)
	}
}

// cancelAfter cancels once the progress output has mentioned marker after times.
type cancelAfter struct {
	cancel func()
	marker string
	after  int
	seen   int
}

func (c *cancelAfter) Write(b []byte) (int, error) {
	if strings.Contains(string(b), c.marker) {
		c.seen++
		if c.seen >= c.after {
			c.cancel()
		}
	}
	return len(b), nil
}

// checkBeatsTrivial requires the network trained on the baseline CG set to
// score a higher mask AP than the whole-foreground-as-one-instance predictor.
func checkBeatsTrivial(t *testing.T, st *bolt.Store, res Result) {
	t.Helper()
	for _, s := range res.Stages {
		if s.Name != keys.SegmentationSeedStage(keys.BaselineSet, 1) {
			continue
		}
		stage, err := st.GetStage(context.Background(), s.Key)
		if err != nil {
			t.Fatal(err)
		}
		trivial := trivialAP(t, st, stage)
		got := res.Metrics[keys.Metric(s.Name, keys.MeasureAP)]
		t.Logf("baseline mask AP %.4f, trivial predictor %.4f", got, trivial)
		if !(got > trivial) {
			t.Errorf("baseline mask AP %.4f does not beat the trivial predictor's %.4f", got, trivial)
		}
		return
	}
	t.Error("no segmentation/baseline/seed-1 stage")
}
