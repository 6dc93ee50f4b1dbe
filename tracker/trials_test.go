package tracker_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

var unit = goptuna.UniformDistribution{Low: 0, High: 1}

func TestFailStaleTrials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := tracker.Open(path, tracker.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := s.CreateNewStudy("s")
	other, _ := s.CreateNewStudy("other")
	done, _ := s.CreateNewTrial(sid)
	s.SetTrialState(done, goptuna.TrialStateComplete)
	mine, _ := s.CreateNewTrial(sid)
	s.SetTrialParam(mine, "x", 0.5, unit)
	s.CreateNewTrial(other)
	// Trials this store created are live, not stale.
	if n, err := s.FailStaleTrials(sid); err != nil || n != 0 {
		t.Errorf("FailStaleTrials on live trials = %d, %v; want 0", n, err)
	}
	s.Close() // the process "dies" with two RUNNING trials

	s, err = tracker.Open(path, tracker.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	st, _ := s.Study(sid)
	if st.Stats.Running != 1 {
		t.Fatalf("running trials after reopen: %d, want 1", st.Stats.Running)
	}
	n, err := s.FailStaleTrials(sid)
	if err != nil || n != 1 {
		t.Fatalf("FailStaleTrials = %d, %v; want 1", n, err)
	}
	tr, _ := s.GetTrial(mine)
	if tr.State != goptuna.TrialStateFail || tr.DatetimeComplete.IsZero() || tr.SystemAttrs[tracker.StaleAttr] == "" || tr.Params["x"] != 0.5 {
		t.Errorf("stale trial after FailStaleTrials: %+v", tr)
	}
	if n, _ := s.FailStaleTrials(sid); n != 0 {
		t.Errorf("second FailStaleTrials marked %d", n)
	}
	all, err := s.FailAllStaleTrials()
	if err != nil || len(all) != 1 || all[other] != 1 {
		t.Errorf("FailAllStaleTrials = %v, %v; want study %d: 1", all, err, other)
	}
	if _, err := s.FailStaleTrials(99); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Errorf("FailStaleTrials(unknown): %v", err)
	}
}

func TestRunningCheckpoint(t *testing.T) {
	tests := []struct {
		name        string
		checkpoint  time.Duration
		wait        time.Duration
		wantRunning int // RUNNING trials in the file, as Check reads it
	}{
		{"committed at once", 0, 0, 1},
		{"committed after the delay", 10 * time.Millisecond, 300 * time.Millisecond, 1},
		{"not yet committed", time.Hour, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t, tracker.RunningCheckpoint(tc.checkpoint))
			sid, _ := s.CreateNewStudy("s")
			if _, err := s.CreateNewTrial(sid); err != nil {
				t.Fatal(err)
			}
			time.Sleep(tc.wait)
			rep, err := s.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.RunningTrials != tc.wantRunning || !rep.OK() {
				t.Errorf("file holds %d RUNNING trials (problems %v), want %d", rep.RunningTrials, rep.Problems, tc.wantRunning)
			}
			// Memory always shows it.
			if st, _ := s.Study(sid); st.Stats.Running != 1 || st.Stats.Trials != 1 {
				t.Errorf("study stats %+v, want 1 running trial", st.Stats)
			}
		})
	}
}

func TestAddFinishedTrials(t *testing.T) {
	s := openTemp(t)
	sid, _ := s.CreateNewStudy("style")
	first, _ := s.CreateNewTrial(sid)
	s.SetTrialValue(first, 100)
	s.SetTrialState(first, goptuna.TrialStateComplete)
	t0 := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]goptuna.FrozenTrial, 3)
	for i := range batch {
		batch[i] = goptuna.FrozenTrial{
			State: goptuna.TrialStateComplete, Value: float64(3 - i),
			DatetimeStart: t0, DatetimeComplete: t0.Add(time.Second),
			IntermediateValues: map[int]float64{0: 9, 1: float64(3 - i)},
			InternalParams:     map[string]float64{"sigma": 0.1 * float64(i)},
			Distributions:      map[string]any{"sigma": unit},
			UserAttrs:          map[string]string{"image": fmt.Sprint(i), "success": "true"},
		}
	}
	batch[2].State = goptuna.TrialStateFail
	ids, err := s.AddFinishedTrials(sid, batch)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 3 || ids[0] != first+1 || ids[2] != first+3 {
		t.Errorf("ids %v, want %d..%d", ids, first+1, first+3)
	}
	all, _ := s.GetAllTrials(sid)
	if len(all) != 4 {
		t.Fatalf("%d trials, want 4", len(all))
	}
	for i, tr := range all[1:] {
		if tr.Number != i+1 || tr.ID != ids[i] || tr.Params["sigma"] != 0.1*float64(i) || tr.UserAttrs["image"] != fmt.Sprint(i) ||
			tr.IntermediateValues[1] != float64(3-i) || !tr.DatetimeStart.Equal(t0) {
			t.Errorf("trial %d = %+v", i+1, tr)
		}
	}
	best, _ := s.GetBestTrial(sid)
	if best.ID != ids[1] {
		t.Errorf("best trial %d, want %d", best.ID, ids[1])
	}
	// Refused batches write nothing.
	bad := []goptuna.FrozenTrial{batch[0], {State: goptuna.TrialStateRunning}}
	if _, err := s.AddFinishedTrials(sid, bad); !errors.Is(err, tracker.ErrInvalidTrial) {
		t.Errorf("batch with a RUNNING trial: %v", err)
	}
	bad = []goptuna.FrozenTrial{{State: goptuna.TrialStateComplete, InternalParams: map[string]float64{"c": 5},
		Distributions: map[string]any{"c": goptuna.CategoricalDistribution{Choices: []string{"a"}}}}}
	if _, err := s.AddFinishedTrials(sid, bad); !errors.Is(err, tracker.ErrInvalidTrial) {
		t.Errorf("batch with a categorical index out of range: %v", err)
	}
	if all, _ := s.GetAllTrials(sid); len(all) != 4 {
		t.Errorf("%d trials after refused batches, want 4", len(all))
	}
	if _, err := s.AddFinishedTrials(99, batch); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Errorf("AddFinishedTrials(unknown study): %v", err)
	}
}

// TestParallelWorkers runs one study from several goroutines (run it with
// -race) and checks ids and numbers stay unique and dense.
func TestParallelWorkers(t *testing.T) {
	s := openTemp(t)
	const workers, perWorker = 4, 25
	sid, _ := s.CreateNewStudy("parallel")
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			study, err := goptuna.LoadStudy("parallel", goptuna.StudyOptionStorage(s), goptuna.StudyOptionLogger(nil),
				goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(int64(w)))))
			if err != nil {
				errs <- err
				return
			}
			errs <- study.Optimize(func(tr goptuna.Trial) (float64, error) {
				x, err := tr.SuggestFloat("x", -1, 1)
				if err != nil {
					return 0, err
				}
				if _, err := s.GetAllTrials(sid); err != nil {
					return 0, err
				}
				return x * x, tr.SetUserAttr("worker", fmt.Sprint(w))
			}, perWorker)
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	all, _ := s.GetAllTrials(sid)
	if len(all) != workers*perWorker {
		t.Fatalf("%d trials, want %d", len(all), workers*perWorker)
	}
	ids := map[int]bool{}
	for i, tr := range all {
		if tr.Number != i || ids[tr.ID] || tr.State != goptuna.TrialStateComplete {
			t.Errorf("trial %d: number %d id %d state %s", i, tr.Number, tr.ID, tr.State)
		}
		ids[tr.ID] = true
	}
	rep, err := s.Check(context.Background())
	if err != nil || !rep.OK() || rep.Trials != workers*perWorker {
		t.Errorf("check after parallel run: %+v, %v", rep, err)
	}
}

// TestRandomOperations applies a random sequence of calls to the store and
// to a model, reopening now and then, and compares every trial.
func TestRandomOperations(t *testing.T) {
	seed := time.Now().UnixNano()
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := tracker.Open(path, tracker.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	model := map[int]goptuna.FrozenTrial{} // by trial id, finished trials only
	var studies, running []int
	for step := 0; step < 600; step++ {
		switch op := rng.Intn(10); {
		case op == 0 || len(studies) == 0:
			id, err := s.CreateNewStudy(fmt.Sprintf("s%d", step))
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			studies = append(studies, id)
		case op < 4:
			id, err := s.CreateNewTrial(studies[rng.Intn(len(studies))])
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			running = append(running, id)
		case op < 8 && len(running) > 0:
			i := rng.Intn(len(running))
			id := running[i]
			s.SetTrialParam(id, fmt.Sprintf("p%d", rng.Intn(3)), rng.Float64(), unit)
			s.SetTrialUserAttr(id, "k", fmt.Sprint(rng.Intn(100)))
			s.SetTrialIntermediateValue(id, step, rng.NormFloat64())
			if rng.Intn(2) == 0 {
				s.SetTrialValue(id, rng.NormFloat64())
				if err := s.SetTrialState(id, goptuna.TrialState(1+rng.Intn(3))); err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				tr, _ := s.GetTrial(id)
				model[id] = tr
				running = append(running[:i], running[i+1:]...)
			}
		case op == 8:
			if err := s.Close(); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if s, err = tracker.Open(path, tracker.NoSync()); err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			// Trials left RUNNING by the previous store are stale now.
			for _, sid := range studies {
				s.FailStaleTrials(sid)
			}
			for _, id := range running {
				tr, _ := s.GetTrial(id)
				model[id] = tr
			}
			running = nil
		}
	}
	for id, want := range model {
		got, err := s.GetTrial(id)
		if err != nil {
			t.Fatalf("seed %d: trial %d: %v", seed, id, err)
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("seed %d: trial %d\n got %v\nwant %v", seed, id, got, want)
		}
	}
	rep, err := s.Check(context.Background())
	if err != nil || !rep.OK() {
		t.Errorf("seed %d: check: %+v %v", seed, rep.Problems, err)
	}
}
