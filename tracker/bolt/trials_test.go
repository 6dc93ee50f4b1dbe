package bolt_test

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
	"github.com/cgx-dev/cgx/tracker/bolt"
)

var unit = goptuna.UniformDistribution{Low: 0, High: 1}

func TestFailStaleTrials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := bolt.Open(path, bolt.NoSync())
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

	s, err = bolt.Open(path, bolt.NoSync())
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
		wait        bool // wait for the checkpoint before the crash
		wantRunning int  // RUNNING trials that survive a crash
	}{
		{"committed at once", 0, false, 1},
		{"committed after the delay", 10 * time.Millisecond, true, 1},
		{"not yet committed", time.Hour, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cgx.db")
			s, err := bolt.Open(path, bolt.RunningCheckpoint(tc.checkpoint))
			if err != nil {
				t.Fatal(err)
			}
			sid, _ := s.CreateNewStudy("s")
			if _, err := s.CreateNewTrial(sid); err != nil {
				t.Fatal(err)
			}
			if tc.wait && !bolt.WaitCheckpoint(s) {
				t.Fatal("the running checkpoint did not commit within two minutes")
			}
			// Memory always shows it.
			if st, _ := s.Study(sid); st.Stats.Running != 1 || st.Stats.Trials != 1 {
				t.Errorf("study stats %+v, want 1 running trial", st.Stats)
			}
			bolt.Crash(s)
			r, err := bolt.Open(path, bolt.ReadOnly())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			st, err := r.Study(sid)
			if err != nil || st.Stats.Running != tc.wantRunning || st.Stats.Trials != tc.wantRunning {
				t.Errorf("after a crash the study holds %+v (%v), want %d RUNNING", st.Stats, err, tc.wantRunning)
			}
			rep, err := r.Check(context.Background())
			if err != nil || !rep.OK() {
				t.Errorf("check after crash: %+v, %v", rep, err)
			}
		})
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
	s, err := bolt.Open(path, bolt.NoSync())
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
			if s, err = bolt.Open(path, bolt.NoSync()); err != nil {
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
