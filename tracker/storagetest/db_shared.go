package storagetest

import (
	"bytes"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// SharedFactory opens two handles on one fresh, empty database, as two
// machines would (two processes, two connection pools). Both are closed by
// cleanups it registers with t; closing one early must be allowed.
type SharedFactory func(t *testing.T) (a, b tracker.DB)

// RunShared checks what a database shared by several machines must add to
// RunDB: every write through one handle is seen through the other at once,
// ids and trial numbers stay unique and dense when both write, updates and
// claims are atomic across handles, and the RUNNING trials of a handle
// that closed (a process that ended) are stale to the other. Only backends
// that let several processes write (PostgreSQL) can run it.
func RunShared(t *testing.T, open SharedFactory) {
	cases := []struct {
		name string
		run  func(t *testing.T, a, b tracker.DB)
	}{
		{"writes are seen by the other handle", sharedVisible},
		{"ids and numbers stay unique and dense", sharedIDs},
		{"updates are atomic across handles", sharedUpdates},
		{"claims are exclusive across handles", sharedClaims},
		{"a closed handle's running trials are stale", sharedStale},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a, b := open(t)
			tc.run(t, a, b)
		})
	}
}

func sharedVisible(t *testing.T, a, b tracker.DB) {
	data := bytes.Repeat([]byte("cgx"), 1<<20)
	art := of(a.PutArtifactFrom(bg, bytes.NewReader(data), tracker.ArtifactMeta{Kind: "weights"})).must(t)
	sid := of(a.CreateNewStudy("run-1/fit")).must(t)
	of(a.AddFinishedTrials(sid, finishedTrials())).must(t)
	run := of(a.CreateRun(bg, tracker.Run{Name: "x", Studies: []int{sid}, Artifacts: []tracker.ID{art}})).must(t)
	ok(t, a.PutStage(bg, tracker.Stage{Key: "k", Name: "fit", RunID: run, Status: "done"}))
	if got, _, err := b.GetArtifact(bg, art); err != nil || !bytes.Equal(got, data) {
		t.Errorf("the other handle reads %d bytes of the artifact (%v), want %d", len(got), err, len(data))
	}
	if ts := of(b.GetAllTrials(sid)).must(t); len(ts) != 4 {
		t.Errorf("the other handle sees %d trials, want 4", len(ts))
	}
	if r := of(b.GetRun(bg, run)).must(t); r.Name != "x" || !slices.Equal(r.Studies, []int{sid}) {
		t.Errorf("the other handle reads run %+v", r)
	}
	if st := of(b.GetStage(bg, "k")).must(t); st.RunID != run {
		t.Errorf("the other handle reads stage %+v", st)
	}
}

func sharedIDs(t *testing.T, a, b tracker.DB) {
	sid := of(a.CreateNewStudy("shared")).must(t)
	const each = 10
	var mu sync.Mutex
	runs, trials := map[int]bool{}, map[int]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, 4*each)
	for _, db := range []tracker.DB{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				r, err := db.CreateRun(bg, tracker.Run{Name: "r"})
				if err != nil {
					errs <- err
					return
				}
				tid, err := db.CreateNewTrial(sid)
				if err != nil {
					errs <- err
					return
				}
				errs <- db.SetTrialState(tid, goptuna.TrialStateFail)
				mu.Lock()
				if runs[r] || trials[tid] {
					t.Errorf("run id %d or trial id %d handed out twice", r, tid)
				}
				runs[r], trials[tid] = true, true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, err)
	}
	ts := of(b.GetAllTrials(sid)).must(t)
	if len(ts) != 4*each {
		t.Fatalf("%d trials, want %d", len(ts), 4*each)
	}
	for i, tr := range ts {
		if tr.Number != i {
			t.Errorf("trial %d has number %d: numbers are not dense under concurrent writers", i, tr.Number)
		}
	}
}

func sharedUpdates(t *testing.T, a, b tracker.DB) {
	id := of(a.CreateRun(bg, tracker.Run{Name: "counter", Metrics: map[string]float64{"n": 0}})).must(t)
	const each = 10
	var wg sync.WaitGroup
	errs := make(chan error, 4*each)
	for _, db := range []tracker.DB{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				errs <- db.UpdateRun(bg, id, func(r *tracker.Run) error { r.Metrics["n"]++; return nil })
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, err)
	}
	if n := of(b.GetRun(bg, id)).must(t).Metrics["n"]; n != 4*each {
		t.Errorf("after %d updates through two handles the counter is %v", 4*each, n)
	}
}

func sharedClaims(t *testing.T, a, b tracker.DB) {
	run, _ := workRun(t, a, 25, "s1", "s2")
	var mu sync.Mutex
	claims := map[tracker.WorkKey]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for w, db := range []tracker.DB{a, b, a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				it, got, err := db.ClaimWork(bg, "w"+strconv.Itoa(w), time.Hour, run, "")
				if err != nil || !got {
					errs <- err
					return
				}
				mu.Lock()
				claims[it.WorkKey]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		ok(t, err)
	}
	if len(claims) != 50 {
		t.Errorf("%d items claimed, want 50", len(claims))
	}
	for k, n := range claims {
		if n != 1 {
			t.Errorf("item %+v claimed %d times through two handles", k, n)
		}
	}
}

func sharedStale(t *testing.T, a, b tracker.DB) {
	sid := of(a.CreateNewStudy("run-1/fit")).must(t)
	tid := of(a.CreateNewTrial(sid)).must(t)
	ok(t, a.SetTrialParam(tid, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}))
	if n := of(b.FailStaleTrials(sid)).must(t); n != 0 {
		t.Fatalf("the other handle failed %d trials of a handle that is still open", n)
	}
	ok(t, a.Close())
	if n := of(b.FailStaleTrials(sid)).must(t); n != 1 {
		t.Fatalf("after the writing handle closed, FailStaleTrials failed %d trials, want its 1 RUNNING trial", n)
	}
	if tr := of(b.GetTrial(tid)).must(t); tr.State != goptuna.TrialStateFail || tr.InternalParams["x"] != 0.5 {
		t.Errorf("stale trial read back as %v with params %v", tr.State, tr.InternalParams)
	}
}
