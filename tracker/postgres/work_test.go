package postgres_test

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
)

// TestClaimsAcrossStores claims from two Stores (two processes' worth of
// connections) and many goroutines: no item is claimed twice while leased,
// and an item whose lease runs out is claimed again by the other Store.
func TestClaimsAcrossStores(t *testing.T) {
	a, dsn := openTest(t, postgres.Options{})
	b := of(postgres.Open(bg, dsn, postgres.Options{})).must(t)
	defer b.Close()
	run := of(a.CreateRun(bg, tracker.Run{Name: "q", Status: tracker.RunQueued})).must(t)
	const n = 60
	var items []tracker.WorkItem
	for i := range n {
		items = append(items, tracker.WorkItem{WorkKey: tracker.WorkKey{RunID: run, Stage: "fit", Index: i}, Kind: "fit-image"})
	}
	if err := a.EnqueueWork(bg, items); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	owners := map[tracker.WorkKey][]string{}
	var wg sync.WaitGroup
	for w := range 10 {
		s := []*postgres.Store{a, b}[w%2]
		owner := "w" + strconv.Itoa(w)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				it, ok, err := s.ClaimWork(bg, owner, time.Hour, run, "")
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				owners[it.WorkKey] = append(owners[it.WorkKey], owner)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(owners) != n {
		t.Errorf("%d items claimed, want %d", len(owners), n)
	}
	for k, o := range owners {
		if len(o) != 1 {
			t.Errorf("item %+v claimed by %v", k, o)
		}
	}

	// An expired lease is reclaimed by the other store.
	run2 := of(a.CreateRun(bg, tracker.Run{Name: "q2", Status: tracker.RunQueued})).must(t)
	if err := a.EnqueueWork(bg, []tracker.WorkItem{{WorkKey: tracker.WorkKey{RunID: run2, Stage: "s"}, Kind: "k"}}); err != nil {
		t.Fatal(err)
	}
	first, ok, err := a.ClaimWork(bg, "killed", 100*time.Millisecond, run2, "")
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		it, ok, err := b.ClaimWork(bg, "other", time.Hour, run2, "")
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			if it.WorkKey != first.WorkKey || it.Attempts != 2 || it.Owner != "other" {
				t.Errorf("reclaimed %+v", it)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired lease not reclaimed within 30s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	res := of(b.PutArtifact(bg, []byte("result"), tracker.ArtifactMeta{Kind: "work-result"})).must(t)
	if err := a.CompleteWork(bg, first.WorkKey, "killed", res); err == nil {
		t.Error("the worker whose lease was taken completed the item")
	}
	if err := b.CompleteWork(bg, first.WorkKey, "other", res); err != nil {
		t.Fatal(err)
	}
}

// slotRun creates a run and enqueues n items of its stage "slots".
func slotRun(t *testing.T, s *postgres.Store, n int) (int, []tracker.WorkItem) {
	t.Helper()
	run := of(s.CreateRun(bg, tracker.Run{Name: "q", Status: tracker.RunQueued})).must(t)
	var items []tracker.WorkItem
	for i := range n {
		items = append(items, tracker.WorkItem{WorkKey: tracker.WorkKey{RunID: run, Stage: "slots", Index: i}, Kind: "k"})
	}
	if err := s.EnqueueWork(bg, items); err != nil {
		t.Fatal(err)
	}
	return run, items
}

// TestCompleteWorkResult: storing an item's result and completing it in one
// transaction behaves as PutArtifact then CompleteWork: the first
// completion wins, the same bytes again are accepted, other bytes are a
// conflict, and a worker that does not hold the item is refused.
func TestCompleteWorkResult(t *testing.T) {
	s, _ := openTest(t, postgres.Options{})
	run, _ := slotRun(t, s, 2)
	key := func(i int) tracker.WorkKey { return tracker.WorkKey{RunID: run, Stage: "slots", Index: i} }
	claim := func(owner string) tracker.WorkItem {
		it, ok, err := s.ClaimWork(bg, owner, time.Hour, run, "slots")
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		return it
	}
	meta := tracker.ArtifactMeta{Kind: "work-result", MediaType: "application/json", RunID: run, Stage: "slots", Name: "k #0"}
	first := claim("a")
	out := []byte(`{"value":0.25}`)
	id, err := s.CompleteWorkResult(bg, first.WorkKey, "a", out, meta)
	if err != nil {
		t.Fatal(err)
	}
	if id != tracker.Sum(out) {
		t.Errorf("id %s, want the bytes' %s", id, tracker.Sum(out))
	}
	data, got, err := s.GetArtifact(bg, id)
	if err != nil || string(data) != string(out) || got.Kind != "work-result" || got.Name != "k #0" || got.RunID != run {
		t.Errorf("stored result %q %+v: %v", data, got, err)
	}
	list := of(s.ListWork(bg, run, "slots")).must(t)
	if list[0].State != tracker.WorkDone || list[0].Result != id || list[1].State != tracker.WorkPending {
		t.Errorf("after completion: %+v", list)
	}
	if again, err := s.CompleteWorkResult(bg, first.WorkKey, "a", out, meta); err != nil || again != id {
		t.Errorf("the same result again: %s %v", again, err)
	}
	if _, err := s.CompleteWorkResult(bg, first.WorkKey, "a", []byte(`{"value":0.5}`), meta); !errors.Is(err, tracker.ErrWorkConflict) {
		t.Errorf("other bytes for a done item: %v, want ErrWorkConflict", err)
	}

	second := claim("a")
	if _, err := s.CompleteWorkResult(bg, second.WorkKey, "b", out, meta); !errors.Is(err, tracker.ErrLeaseLost) {
		t.Errorf("completion by a worker that does not hold the item: %v, want ErrLeaseLost", err)
	}
	if list := of(s.ListWork(bg, run, "slots")).must(t); list[1].State != tracker.WorkLeased || list[1].Owner != "a" {
		t.Errorf("a refused completion changed the item: %+v", list[1])
	}
	if _, err := s.CompleteWorkResult(bg, key(7), "a", out, meta); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("completing an unknown item: %v, want ErrNotFound", err)
	}
}

// TestWorkResults: the results of a stage's done items come back by index,
// re-hashed, in one call; items not done are left out, an empty result is
// empty, and damaged bytes are reported, not returned.
func TestWorkResults(t *testing.T) {
	s, dsn := openTest(t, postgres.Options{})
	run, _ := slotRun(t, s, 4)
	// Item 0 holds two chunks' worth, item 1 nothing, item 2 a short result,
	// item 3 is left leased.
	outs := map[int][]byte{0: bytes.Repeat([]byte("0123456789abcdef"), postgres.ChunkSize/16+3), 1: {}, 2: []byte(`{"value":1}`)}
	for range 4 {
		it, ok, err := s.ClaimWork(bg, "w", time.Hour, run, "slots")
		if err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if b, ok := outs[it.Index]; ok {
			if _, err := s.CompleteWorkResult(bg, it.WorkKey, "w", b, tracker.ArtifactMeta{Kind: "work-result"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, err := s.WorkResults(bg, run, "slots")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(outs) {
		t.Errorf("%d results, want %d (the leased item left out)", len(got), len(outs))
	}
	for i, want := range outs {
		if b, ok := got[i]; !ok || !bytes.Equal(b, want) {
			t.Errorf("item %d: %d bytes (present %v), want %d", i, len(b), ok, len(want))
		}
	}
	sql(t, dsn, `UPDATE chunks SET data = overlay(data placing '\xff'::bytea from 3 for 1) WHERE size < 100`)
	if _, err := s.WorkResults(bg, run, "slots"); !errors.Is(err, tracker.ErrCorruptArtifact) {
		t.Errorf("a damaged result: %v, want ErrCorruptArtifact", err)
	}
}

// TestCompleteWorkResultAndClaim: completing an item can take the stage's
// next claimable one in the same transaction; at the stage's end nothing
// is claimed, and a refused completion still hands over the claim.
func TestCompleteWorkResultAndClaim(t *testing.T) {
	s, _ := openTest(t, postgres.Options{})
	run, _ := slotRun(t, s, 3)
	if err := s.EnqueueWork(bg, []tracker.WorkItem{{WorkKey: tracker.WorkKey{RunID: run, Stage: "other"}, Kind: "k"}}); err != nil {
		t.Fatal(err)
	}
	it, ok, err := s.ClaimWork(bg, "a", time.Hour, run, "slots")
	if err != nil || !ok || it.Index != 0 {
		t.Fatalf("claim: %+v %v %v", it, ok, err)
	}
	meta := tracker.ArtifactMeta{Kind: "work-result"}
	var order []int
	for ok {
		order = append(order, it.Index)
		out := []byte(strconv.Itoa(it.Index))
		id, next, more, err := s.CompleteWorkResultAndClaim(bg, it.WorkKey, "a", out, meta, time.Hour)
		if err != nil || id != tracker.Sum(out) {
			t.Fatalf("complete item %d: %s %v", it.Index, id, err)
		}
		if more && (next.Stage != "slots" || next.State != tracker.WorkLeased || next.Owner != "a" || next.Attempts != 1) {
			t.Errorf("claimed with the completion: %+v", next)
		}
		it, ok = next, more
	}
	if fmt.Sprint(order) != "[0 1 2]" {
		t.Errorf("items done in order %v, want [0 1 2]: the claim stays in the stage", order)
	}
	list := of(s.ListWork(bg, run, "")).must(t)
	for _, w := range list {
		if want := map[string]tracker.WorkState{"slots": tracker.WorkDone, "other": tracker.WorkPending}[w.Stage]; w.State != want {
			t.Errorf("%s/%d is %s, want %s", w.Stage, w.Index, w.State, want)
		}
	}

	// A completion refused (b does not hold the item) still claims.
	run2, items := slotRun(t, s, 2)
	k0 := items[0].WorkKey
	if _, ok, err := s.ClaimWork(bg, "a", time.Hour, run2, "slots"); err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	_, next, more, err := s.CompleteWorkResultAndClaim(bg, k0, "b", []byte("x"), meta, time.Hour)
	if !errors.Is(err, tracker.ErrLeaseLost) || !more || next.Index != 1 || next.Owner != "b" {
		t.Errorf("refused completion: next %+v (%v), %v; want ErrLeaseLost and item 1 claimed by b", next, more, err)
	}
}
