package bolt_test

import (
	"context"
	"errors"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestRunsAndStages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	goV, modV, rev, cpu := tracker.BuildInfo()
	if goV == "" {
		t.Error("BuildInfo: empty Go version")
	}
	t0 := time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC)
	run := tracker.Run{
		Name: "exp1", Spec: "name = \"exp1\"\n", SpecSHA256: "ab", Seed: 7, Profile: "ci", Workers: 2,
		Started: t0, GoVersion: goV, ModuleVersion: modV, VCSRevision: rev, CPUModel: cpu,
		Metrics: map[string]float64{"search/exp1/round-1/best_loss": math.NaN(), "inf": math.Inf(1)},
		Attrs:   map[string]string{"host": "ci"},
	}
	id1, err := s.CreateRun(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	id2, err := s.CreateRun(ctx, tracker.Run{Name: "exp2"})
	if err != nil {
		t.Fatal(err)
	}
	if id1 != 1 || id2 != 2 {
		t.Errorf("run ids %d, %d; want 1, 2", id1, id2)
	}
	// An error from fn leaves the run unchanged.
	boom := errors.New("boom")
	err = s.UpdateRun(ctx, id1, func(r *tracker.Run) error { r.Status = tracker.RunFailed; return boom })
	if !errors.Is(err, boom) {
		t.Errorf("UpdateRun returning an error: %v", err)
	}
	err = s.UpdateRun(ctx, id1, func(r *tracker.Run) error {
		r.Status, r.Ended, r.ID = tracker.RunSucceeded, t0.Add(time.Hour), 99
		r.Studies = append(r.Studies, 4)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateRun(ctx, 77, func(*tracker.Run) error { return nil }); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("UpdateRun of an unknown run: %v", err)
	}
	stages := []tracker.Stage{
		{Key: "k2", Name: "discriminator/d", RunID: id1, Status: "done", Started: t0.Add(2 * time.Minute)},
		{Key: "k1", Name: "dataset/cg", RunID: id1, Status: "done", Started: t0, Metrics: map[string]float64{"n": 4}},
		{Key: "k3", Name: "dataset/real", RunID: id2, Started: t0},
	}
	for _, st := range stages {
		if err := s.PutStage(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.PutStage(ctx, tracker.Stage{Name: "no key"}); err == nil {
		t.Error("PutStage without key succeeded")
	}
	s.Close()

	for _, ro := range []bool{false, true} {
		opts := []bolt.Option{bolt.NoSync()}
		if ro {
			opts = append(opts, bolt.ReadOnly())
		}
		s, err := bolt.Open(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.GetRun(ctx, id1)
		if err != nil {
			t.Fatal(err)
		}
		want := run
		want.ID, want.Status, want.Ended, want.Studies = id1, tracker.RunSucceeded, t0.Add(time.Hour), []int{4}
		if d := cmp.Diff(want, got, cmpopts.EquateNaNs()); d != "" {
			t.Errorf("read-only=%v: run (-want +got):\n%s", ro, d)
		}
		if r2, _ := s.GetRun(ctx, id2); r2.Status != tracker.RunRunning {
			t.Errorf("empty status became %q, want running", r2.Status)
		}
		if _, err := s.GetRun(ctx, 5); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("GetRun(5): %v", err)
		}
		runs, _ := s.ListRuns(ctx)
		if len(runs) != 2 || runs[0].ID != 1 || runs[1].ID != 2 {
			t.Errorf("ListRuns = %d runs", len(runs))
		}
		list, err := s.ListStages(ctx, id1)
		if err != nil || len(list) != 2 || list[0].Key != "k1" || list[1].Key != "k2" {
			t.Errorf("ListStages(run 1) = %+v, %v; want k1, k2 by start time", list, err)
		}
		if all, _ := s.ListStages(ctx, 0); len(all) != 3 {
			t.Errorf("ListStages(0) = %d stages, want 3", len(all))
		}
		if st, err := s.GetStage(ctx, "k1"); err != nil || st.Metrics["n"] != 4 || st.Name != "dataset/cg" {
			t.Errorf("GetStage(k1) = %+v, %v", st, err)
		}
		if _, err := s.GetStage(ctx, "nope"); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("GetStage(nope): %v", err)
		}
		s.Close()
	}
}

func TestCanceledContext(t *testing.T) {
	s := openTemp(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.CreateRun(ctx, tracker.Run{}); !errors.Is(err, context.Canceled) {
		t.Errorf("CreateRun with a canceled context: %v", err)
	}
	if _, err := s.PutArtifact(ctx, []byte("x"), tracker.ArtifactMeta{}); !errors.Is(err, context.Canceled) {
		t.Errorf("PutArtifact with a canceled context: %v", err)
	}
}
