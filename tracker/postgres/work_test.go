package postgres_test

import (
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
