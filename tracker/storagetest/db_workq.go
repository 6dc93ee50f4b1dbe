package storagetest

import (
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker"
)

func workCases() []dbCase {
	return []dbCase{
		{"enqueueing is idempotent and listing is ordered", workEnqueue},
		{"claims honour the run and stage filters", workClaimFilters},
		{"claims are exclusive under concurrency", workExclusive},
		{"an expired lease makes the item claimable again", workLeaseExpiry},
		{"the first completion wins", workComplete},
		{"unknown items cannot be renewed or completed", workUnknown},
	}
}

// workRun creates a run and enqueues items for it: for each stage, n items
// indexed from 0 (enqueued in reverse, so that order comes from the store).
func workRun(t *testing.T, db tracker.DB, n int, stages ...string) (int, []tracker.WorkItem) {
	t.Helper()
	run := of(db.CreateRun(bg, tracker.Run{Name: "queued", Status: tracker.RunQueued})).must(t)
	var items []tracker.WorkItem
	for s := len(stages) - 1; s >= 0; s-- {
		for i := n - 1; i >= 0; i-- {
			items = append(items, tracker.WorkItem{
				WorkKey: tracker.WorkKey{RunID: run, Stage: stages[s], Index: i},
				Kind:    "fit-image", Payload: []byte(fmt.Sprintf(`{"image":%d}`, i)),
			})
		}
	}
	unsupported(t, "the work queue", db.EnqueueWork(bg, items))
	return run, items
}

// workResult stores an artifact to complete work items with.
func workResult(t *testing.T, db tracker.DB, s string) tracker.ID {
	t.Helper()
	return of(db.PutArtifact(bg, []byte(s), tracker.ArtifactMeta{Kind: "work-result", MediaType: "application/json"})).must(t)
}

// view is what a listing says about an item, without its lease time.
type view struct {
	Key      tracker.WorkKey
	Kind     string
	Payload  string
	State    tracker.WorkState
	Owner    string
	Attempts int
	Result   tracker.ID
}

func views(items []tracker.WorkItem) []view {
	out := make([]view, len(items))
	for i, it := range items {
		out[i] = view{it.WorkKey, it.Kind, string(it.Payload), it.State, it.Owner, it.Attempts, it.Result}
	}
	return out
}

func pending(run int, stage string, idx ...int) []view {
	var out []view
	for _, i := range idx {
		out = append(out, view{Key: tracker.WorkKey{RunID: run, Stage: stage, Index: i}, Kind: "fit-image",
			Payload: fmt.Sprintf(`{"image":%d}`, i), State: tracker.WorkPending})
	}
	return out
}

func workEnqueue(t *testing.T, db tracker.DB) {
	run, items := workRun(t, db, 3, "fit/b", "fit/a")
	want := append(pending(run, "fit/a", 0, 1, 2), pending(run, "fit/b", 0, 1, 2)...)
	diff(t, "ListWork after enqueueing", want, views(of(db.ListWork(bg, run, "")).must(t)))
	again := append([]tracker.WorkItem(nil), items...)
	for i := range again {
		again[i].Payload = []byte(`{"changed":true}`)
	}
	again = append(again, tracker.WorkItem{WorkKey: tracker.WorkKey{RunID: run, Stage: "fit/a", Index: 3}, Kind: "fit-image", Payload: []byte(`{"image":3}`)})
	ok(t, db.EnqueueWork(bg, again))
	want = append(pending(run, "fit/a", 0, 1, 2, 3), pending(run, "fit/b", 0, 1, 2)...)
	diff(t, "ListWork after enqueueing again (existing items unchanged)", want, views(of(db.ListWork(bg, run, "")).must(t)))
	diff(t, `ListWork(run, "fit/b")`, pending(run, "fit/b", 0, 1, 2), views(of(db.ListWork(bg, run, "fit/b")).must(t)))
	if n := len(of(db.ListWork(bg, run+100, "")).must(t)); n != 0 {
		t.Errorf("ListWork of another run listed %d items", n)
	}
}

func workClaimFilters(t *testing.T, db tracker.DB) {
	runA, _ := workRun(t, db, 2, "s1", "s2")
	runB, _ := workRun(t, db, 1, "s1")
	before := time.Now()
	it, got, err := db.ClaimWork(bg, "w1", time.Hour, runA, "s2")
	ok(t, err)
	if !got || it.RunID != runA || it.Stage != "s2" {
		t.Fatalf("ClaimWork(run %d, s2) = %+v, %v", runA, it.WorkKey, got)
	}
	if it.State != tracker.WorkLeased || it.Owner != "w1" || it.Attempts != 1 || it.Kind != "fit-image" ||
		string(it.Payload) != fmt.Sprintf(`{"image":%d}`, it.Index) {
		t.Errorf("claimed item %+v: want leased by w1, attempt 1, its kind and payload", it)
	}
	if !it.LeaseUntil.After(before.Add(50 * time.Minute)) {
		t.Errorf("a one-hour lease runs out at %v (claimed at %v)", it.LeaseUntil, before)
	}
	it2, got, err := db.ClaimWork(bg, "w1", time.Hour, runA, "s2")
	ok(t, err)
	if !got || it2.WorkKey == it.WorkKey || it2.Stage != "s2" {
		t.Fatalf("second ClaimWork(run %d, s2) = %+v, %v", runA, it2.WorkKey, got)
	}
	if _, got, err := db.ClaimWork(bg, "w2", time.Hour, runA, "s2"); err != nil || got {
		t.Errorf("ClaimWork with stage s2 exhausted: ok %v, %v; want nothing claimable", got, err)
	}
	itB, got, err := db.ClaimWork(bg, "w2", time.Hour, runB, "")
	ok(t, err)
	if !got || itB.RunID != runB {
		t.Fatalf("ClaimWork(run %d) = %+v, %v", runB, itB.WorkKey, got)
	}
	seen := map[tracker.WorkKey]bool{}
	for {
		it, got, err := db.ClaimWork(bg, "w3", time.Hour, 0, "")
		ok(t, err)
		if !got {
			break
		}
		if it.RunID != runA || it.Stage != "s1" || seen[it.WorkKey] {
			t.Fatalf("ClaimWork(any run) handed out %+v (seen before: %v)", it.WorkKey, seen[it.WorkKey])
		}
		seen[it.WorkKey] = true
	}
	if len(seen) != 2 {
		t.Errorf("ClaimWork(any run) handed out %d items, want the 2 left", len(seen))
	}
	var leased []string
	for _, v := range views(of(db.ListWork(bg, runA, "")).must(t)) {
		leased = append(leased, fmt.Sprintf("%s/%d:%s:%s", v.Key.Stage, v.Key.Index, v.State, v.Owner))
	}
	diff(t, "ListWork after the claims", []string{"s1/0:leased:w3", "s1/1:leased:w3", "s2/0:leased:w1", "s2/1:leased:w1"}, leased)
}

func workExclusive(t *testing.T, db tracker.DB) {
	const perStage, workers = 30, 8
	run, _ := workRun(t, db, perStage, "a", "b")
	var mu sync.Mutex
	claims := map[tracker.WorkKey][]string{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := "worker-" + strconv.Itoa(w)
			for {
				it, got, err := db.ClaimWork(bg, owner, time.Hour, run, "")
				if err != nil {
					errs <- err
					return
				}
				if !got {
					return
				}
				mu.Lock()
				claims[it.WorkKey] = append(claims[it.WorkKey], owner)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(claims) != 2*perStage {
		t.Errorf("%d distinct items claimed, want %d", len(claims), 2*perStage)
	}
	for k, owners := range claims {
		if len(owners) != 1 {
			t.Errorf("item %+v claimed by %v while leased", k, owners)
		}
	}
	for _, it := range of(db.ListWork(bg, run, "")).must(t) {
		if it.State != tracker.WorkLeased || it.Attempts != 1 || len(claims[it.WorkKey]) != 1 || it.Owner != claims[it.WorkKey][0] {
			t.Errorf("listed item %+v state %s owner %q attempts %d; claimed by %v", it.WorkKey, it.State, it.Owner, it.Attempts, claims[it.WorkKey])
		}
	}
}

func workLeaseExpiry(t *testing.T, db tracker.DB) {
	run, _ := workRun(t, db, 1, "s")
	first, got, err := db.ClaimWork(bg, "dead", 200*time.Millisecond, run, "")
	if err != nil || !got {
		t.Fatalf("ClaimWork: %v, %v", got, err)
	}
	if _, got, err := db.ClaimWork(bg, "live", time.Hour, run, ""); err != nil || got {
		t.Fatalf("an item under a running lease was claimed again (%v, %v)", got, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	var second tracker.WorkItem
	for {
		it, got, err := db.ClaimWork(bg, "live", time.Hour, run, "")
		ok(t, err)
		if got {
			second = it
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("an item whose 200ms lease ran out was still not claimable 30s later")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if second.WorkKey != first.WorkKey || second.Owner != "live" || second.Attempts != 2 || second.State != tracker.WorkLeased {
		t.Errorf("reclaimed item %+v owner %q attempts %d state %s; want the same key, owner live, attempt 2", second.WorkKey, second.Owner, second.Attempts, second.State)
	}
	wantErr(t, "RenewLease by the owner whose lease ran out", db.RenewLease(bg, first.WorkKey, "dead", time.Hour), tracker.ErrLeaseLost)
	res := workResult(t, db, "r")
	wantErr(t, "CompleteWork by the owner whose lease ran out", db.CompleteWork(bg, first.WorkKey, "dead", res), tracker.ErrLeaseLost)
	ok(t, db.RenewLease(bg, first.WorkKey, "live", time.Hour))
	ok(t, db.CompleteWork(bg, first.WorkKey, "live", res))
	items := of(db.ListWork(bg, run, "")).must(t)
	if len(items) != 1 || items[0].State != tracker.WorkDone || items[0].Result != res {
		t.Errorf("after completion: %+v", items)
	}
}

func workComplete(t *testing.T, db tracker.DB) {
	run, _ := workRun(t, db, 2, "s")
	it, got, err := db.ClaimWork(bg, "w1", time.Hour, run, "")
	if err != nil || !got {
		t.Fatalf("ClaimWork: %v, %v", got, err)
	}
	wantErr(t, "RenewLease by a worker that never held the item", db.RenewLease(bg, it.WorkKey, "w2", time.Hour), tracker.ErrLeaseLost)
	wantErr(t, "CompleteWork by a worker that never held the item", db.CompleteWork(bg, it.WorkKey, "w2", workResult(t, db, "x")), tracker.ErrLeaseLost)
	ok(t, db.RenewLease(bg, it.WorkKey, "w1", time.Hour))
	res := workResult(t, db, "the bytes")
	ok(t, db.CompleteWork(bg, it.WorkKey, "w1", res))
	ok(t, db.CompleteWork(bg, it.WorkKey, "w1", res))
	ok(t, db.CompleteWork(bg, it.WorkKey, "w2", res))
	other := workResult(t, db, "other bytes")
	wantErr(t, "CompleteWork of a done item with a different result", db.CompleteWork(bg, it.WorkKey, "w1", other), tracker.ErrWorkConflict)
	wantErr(t, "RenewLease of a done item", db.RenewLease(bg, it.WorkKey, "w1", time.Hour), tracker.ErrLeaseLost)
	ok(t, db.EnqueueWork(bg, []tracker.WorkItem{{WorkKey: it.WorkKey, Kind: "fit-image"}}))
	for _, v := range of(db.ListWork(bg, run, "")).must(t) {
		if v.WorkKey == it.WorkKey && (v.State != tracker.WorkDone || v.Result != res) {
			t.Errorf("done item after a conflicting completion and a re-enqueue: state %s result %s; want done with %s", v.State, v.Result, res)
		}
	}
	next, got, err := db.ClaimWork(bg, "w2", time.Hour, run, "")
	ok(t, err)
	if !got || next.WorkKey == it.WorkKey {
		t.Fatalf("ClaimWork after one completion = %+v, %v; want the other item", next.WorkKey, got)
	}
	if _, got, err := db.ClaimWork(bg, "w3", time.Hour, run, ""); err != nil || got {
		t.Errorf("a done item was claimable (%v, %v)", got, err)
	}
}

func workUnknown(t *testing.T, db tracker.DB) {
	run, _ := workRun(t, db, 1, "s")
	key := tracker.WorkKey{RunID: run, Stage: "s", Index: 42}
	if err := db.RenewLease(bg, key, "w1", time.Hour); err == nil {
		t.Error("RenewLease of an item that does not exist succeeded")
	}
	if err := db.CompleteWork(bg, key, "w1", workResult(t, db, "x")); err == nil {
		t.Error("CompleteWork of an item that does not exist succeeded")
	}
	if n := len(of(db.ListWork(bg, run, "")).must(t)); n != 1 {
		t.Errorf("%d items after refused calls on an unknown one, want 1", n)
	}
}
