package experiments

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/workq"
	"github.com/google/go-cmp/cmp"
)

// dyingClaims is a work queue on which the first claim of an item of kind
// dies: the claimer never hears of it (as if killed right after claiming),
// so the item stays leased until its lease runs out and another walker
// redoes it.
type dyingClaims struct {
	*workq.Queue
	kind string

	mu   sync.Mutex
	dead *tracker.WorkKey
}

func (q *dyingClaims) ClaimWork(ctx context.Context, owner string, lease time.Duration, runID int, stage string) (tracker.WorkItem, bool, error) {
	it, ok, err := q.Queue.ClaimWork(ctx, owner, lease, runID, stage)
	if err != nil || !ok || it.Kind != q.kind {
		return it, ok, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.dead == nil {
		q.dead = &it.WorkKey
		return tracker.WorkItem{}, false, nil
	}
	return it, ok, err
}

// TestWalkersShareARun: a content run computed by one process with 4
// workers, or by 3 walkers sharing the run through one queue (one of them
// dying on a trial slot it claimed), stores exactly the stages, artifacts,
// metrics and trials of a one-worker run.
func TestWalkersShareARun(t *testing.T) {
	refStore := openStore(t, t.TempDir())
	ref := runSpec(t, refStore, "content/exp1", Options{Workers: 1})
	cases := []struct {
		name             string
		walkers, workers int
		die              string // kind of the item whose first claimer dies
		chunk            int    // images per dataset chunk; 0 keeps datasetChunk
	}{
		{"one walker, 4 workers", 1, 4, "", 0},
		{"3 walkers, a slot abandoned", 3, 2, WorkTrialSlot, 0},
		{"2 walkers, a batch commit abandoned", 2, 1, WorkBatchCommit, 0},
		{"3 walkers, 50-image chunks, a chunk abandoned", 3, 1, WorkDatasetChunk, 50},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chunk > 0 {
				defer func(n int) { datasetChunk = n }(datasetChunk)
				datasetChunk = tc.chunk
			}
			st := openStore(t, t.TempDir())
			id := enqueueSmoke(t, st, "content/exp1")
			q := &dyingClaims{Queue: workq.New(nil), kind: tc.die}
			walkShared(t, refStore, ref.RunID, st, id, q, tc.walkers, tc.workers)
		})
	}
}

// enqueueSmoke records a queued run of spec's smoke profile in st and
// returns its id.
func enqueueSmoke(t *testing.T, st Store, spec string) int {
	t.Helper()
	ctx := context.Background()
	f, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	id, err := Enqueue(ctx, st, f, Options{Profile: "smoke"})
	if err != nil {
		t.Fatal(err)
	}
	if run, err := st.GetRun(ctx, id); err != nil || run.Status != tracker.RunQueued {
		t.Fatalf("enqueued run: status %q, %v; want queued", run.Status, err)
	}
	return id
}

// walkShared has walkers walkers (workers workers each) compute run id of st
// through q, as processes sharing a database would, waits for all of them,
// and checks that the run succeeded and stores exactly run refID of
// refStore. When q's first claim of an item died, that item must have been
// redone on its second attempt; the items of its stage are returned (nil
// when nothing died).
func walkShared(t *testing.T, refStore Store, refID int, st Store, id int, q *dyingClaims, walkers, workers int) []tracker.WorkItem {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, walkers)
	for k := range walkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[k] = Walk(ctx, st, id, Options{Workers: workers, Queue: q, Lease: 300 * time.Millisecond,
				Owner: fmt.Sprintf("walker-%d", k)})
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Errorf("walker %d: %v", k, err)
		}
	}
	run, err := st.GetRun(ctx, id)
	if err != nil || run.Status != tracker.RunSucceeded {
		t.Fatalf("run status %q (%v), want succeeded", run.Status, err)
	}
	rep, err := CompareRuns(ctx, refStore, refID, st, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("%s", d)
	}
	if rep.Trials == 0 || rep.Artifacts == 0 {
		t.Errorf("compared %d trials and %d artifacts; want some of each", rep.Trials, rep.Artifacts)
	}
	if q.kind == "" {
		return nil
	}
	if q.dead == nil {
		t.Fatalf("no %s item was claimed", q.kind)
	}
	items, err := q.ListWork(ctx, id, q.dead.Stage)
	if err != nil {
		t.Fatal(err)
	}
	if it := items[q.dead.Index]; it.State != tracker.WorkDone || it.Attempts != 2 {
		t.Errorf("abandoned item %+v: want done on its second attempt", it)
	}
	return items
}

// dyingCompletes is a work queue on which the walker completing the first
// item of kind dies right after computing it (its durable writes made, the
// item not marked done): stop cancels that walker, as kill -9 would end it.
type dyingCompletes struct {
	*workq.Queue
	kind string
	stop context.CancelFunc

	mu   sync.Mutex
	dead *tracker.WorkKey
}

func (q *dyingCompletes) CompleteWork(ctx context.Context, key tracker.WorkKey, owner string, result tracker.ID) error {
	q.mu.Lock()
	if q.dead == nil {
		if items, err := q.ListWork(ctx, key.RunID, key.Stage); err == nil && key.Index < len(items) && items[key.Index].Kind == q.kind {
			q.dead = &key
			q.mu.Unlock()
			q.stop()
			return context.Canceled
		}
	}
	q.mu.Unlock()
	return q.Queue.CompleteWork(ctx, key, owner, result)
}

// TestWalkerSettlesWhatADeadWalkerLeft: a walker dies after a batch commit
// or a stage record reached the database but before its item was marked
// done; a walker that starts afterwards finds the batch or stage stored,
// still finishes that item, and the run stores exactly what a one-walker
// run stores, work results included, with no item left unfinished.
func TestWalkerSettlesWhatADeadWalkerLeft(t *testing.T) {
	ctx := context.Background()
	refStore := openStore(t, t.TempDir())
	ref := runSpec(t, refStore, "content/exp1", Options{Workers: 1})
	for _, kind := range []string{WorkBatchCommit, WorkRecord, WorkStage} {
		t.Run(kind, func(t *testing.T) {
			st := openStore(t, t.TempDir())
			id := enqueueSmoke(t, st, "content/exp1")
			dctx, stop := context.WithCancel(ctx)
			q := &dyingCompletes{Queue: workq.New(nil), kind: kind, stop: stop}
			opts := func(owner string) Options {
				return Options{Workers: 1, Queue: q, Lease: 300 * time.Millisecond, Owner: owner}
			}
			if _, err := Walk(dctx, st, id, opts("first")); err == nil || q.dead == nil {
				t.Fatalf("first walker: %v, died on %v; want it stopped on a %s item", err, q.dead, kind)
			}
			if _, err := Walk(ctx, st, id, opts("second")); err != nil {
				t.Fatalf("second walker: %v", err)
			}
			run, err := st.GetRun(ctx, id)
			if err != nil || run.Status != tracker.RunSucceeded {
				t.Fatalf("run status %q (%v), want succeeded", run.Status, err)
			}
			rep, err := CompareRuns(ctx, refStore, ref.RunID, st, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range rep.Differences {
				t.Errorf("%s", d)
			}
			want, got := artifactSet(t, refStore), artifactSet(t, st)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("artifacts differ (-one walker +two):\n%s", d)
			}
			items, err := q.ListWork(ctx, id, "")
			if err != nil {
				t.Fatal(err)
			}
			for _, it := range items {
				if it.State != tracker.WorkDone {
					t.Errorf("item left %s: %s %d of %s", it.State, it.Kind, it.Index, it.Stage)
				}
				if it.WorkKey == *q.dead && it.Attempts != 2 {
					t.Errorf("the dead walker's item %+v: want done on its second attempt", it)
				}
			}
		})
	}
}

// artifactSet maps the id of every artifact of st to its kind.
func artifactSet(t *testing.T, st tracker.ArtifactStorage) map[string]string {
	t.Helper()
	metas, err := st.ListArtifacts(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, m := range metas {
		out[m.ID.String()] = m.Kind
	}
	return out
}
