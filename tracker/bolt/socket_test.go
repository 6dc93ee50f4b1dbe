package bolt_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/google/go-cmp/cmp"
)

// TestReaderThroughSocket reads through the writer's socket from the same
// process (the socket is tried before the locked file), so the protocol is
// exercised with the race detector on both ends.
func TestReaderThroughSocket(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cgx.db")
	w, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := w.CreateNewStudy("live")
	done, _ := w.CreateNewTrial(sid)
	w.SetTrialParam(done, "c", 1, goptuna.CategoricalDistribution{Choices: []string{"a", "b"}})
	w.SetTrialValue(done, 0.5)
	w.SetTrialState(done, goptuna.TrialStateComplete)
	running, _ := w.CreateNewTrial(sid)
	w.SetTrialParam(running, "x", 0.25, unit) // buffered: only in the writer's memory
	art, _ := w.PutArtifact(ctx, []byte("bytes"), tracker.ArtifactMeta{Kind: "weights"})
	run, _ := w.CreateRun(ctx, tracker.Run{Name: "r", Artifacts: []tracker.ID{art}})
	w.PutStage(ctx, tracker.Stage{Key: "k", RunID: run})

	r, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := r.GetAllTrials(sid)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := w.GetAllTrials(sid)
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("trials through the socket (-writer +reader):\n%s", d)
	}
	if got[1].Params["x"] != 0.25 || got[1].State != goptuna.TrialStateRunning {
		t.Errorf("buffered RUNNING trial not visible: %+v", got[1])
	}
	if st, _ := r.Study(sid); st.Stats.Running != 1 || st.Stats.Trials != 2 {
		t.Errorf("live stats %+v", st.Stats)
	}
	if _, err := r.GetTrial(9999); !errors.Is(err, goptuna.ErrInvalidTrialID) || !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("unknown trial through the socket: %v", err)
	}
	if _, err := r.GetAllTrials(9999); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Errorf("unknown study through the socket: %v", err)
	}
	if id, err := r.GetStudyIDFromName("live"); err != nil || id != sid {
		t.Errorf("GetStudyIDFromName = %d, %v", id, err)
	}
	if data, _, err := r.GetArtifact(ctx, art); err != nil || string(data) != "bytes" {
		t.Errorf("GetArtifact = %q, %v", data, err)
	}
	if runs, _ := r.ListRuns(ctx); len(runs) != 1 {
		t.Errorf("ListRuns = %v", runs)
	}
	if st, err := r.GetStage(ctx, "k"); err != nil || st.RunID != run {
		t.Errorf("GetStage = %+v, %v", st, err)
	}
	if rep, err := r.Check(ctx); err != nil || !rep.OK() || rep.Artifacts != 1 {
		t.Errorf("Check through the socket = %+v, %v", rep, err)
	}

	// Close the writer while the reader keeps reading: no deadlock, and the
	// reader carries on from the file.
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := r.GetAllTrials(sid); err != nil {
				t.Errorf("read during close: %v", err)
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	closed := make(chan error)
	go func() { closed <- w.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("writer Close hangs while a reader reads")
	}
	time.Sleep(20 * time.Millisecond)
	close(stop)
	wg.Wait()
	after, err := r.GetAllTrials(sid)
	if err != nil || len(after) != 2 || after[1].Params["x"] != 0.25 {
		t.Errorf("after the writer closed: %+v, %v (the running trial is flushed at Close)", after, err)
	}
}
