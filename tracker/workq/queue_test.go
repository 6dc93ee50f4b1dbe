package workq

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/tracker"
)

// clock is a fake clock the tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newQueue() (*Queue, *clock) {
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	return New(c.now), c
}

func items(run int, stage string, n int) []tracker.WorkItem {
	out := make([]tracker.WorkItem, n)
	for i := range out {
		out[i] = tracker.WorkItem{WorkKey: tracker.WorkKey{RunID: run, Stage: stage, Index: i}, Kind: "chunk",
			Payload: []byte(fmt.Sprintf(`{"i":%d}`, i))}
	}
	return out
}

func id(s string) tracker.ID { return tracker.Sum([]byte(s)) }

func TestClaimOrderAndFilters(t *testing.T) {
	ctx := context.Background()
	q, _ := newQueue()
	// Enqueued out of order: claims still go by run, stage, index.
	must(t, q.EnqueueWork(ctx, items(2, "b", 2)))
	must(t, q.EnqueueWork(ctx, items(1, "z", 1)))
	must(t, q.EnqueueWork(ctx, items(1, "a", 2)))
	var got []string
	for {
		it, ok, err := q.ClaimWork(ctx, "w", time.Minute, 0, "")
		must(t, err)
		if !ok {
			break
		}
		got = append(got, fmt.Sprintf("%d/%s/%d", it.RunID, it.Stage, it.Index))
	}
	want := []string{"1/a/0", "1/a/1", "1/z/0", "2/b/0", "2/b/1"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("claim order (-want +got):\n%s", d)
	}

	q, _ = newQueue()
	must(t, q.EnqueueWork(ctx, append(items(1, "a", 1), items(2, "b", 1)...)))
	if it, ok, err := q.ClaimWork(ctx, "w", time.Minute, 2, ""); err != nil || !ok || it.RunID != 2 {
		t.Errorf("claim of run 2 = %+v, %v, %v", it, ok, err)
	}
	if it, ok, err := q.ClaimWork(ctx, "w", time.Minute, 0, "b"); err != nil || ok {
		t.Errorf("claim of stage b after its only item was leased = %+v, %v, %v; want nothing", it, ok, err)
	}
	if it, ok, err := q.ClaimWork(ctx, "w", time.Minute, 1, "a"); err != nil || !ok || it.Stage != "a" {
		t.Errorf("claim of run 1 stage a = %+v, %v, %v", it, ok, err)
	}
}

func TestEnqueueIsIdempotent(t *testing.T) {
	ctx := context.Background()
	q, _ := newQueue()
	must(t, q.EnqueueWork(ctx, items(1, "s", 2)))
	it, ok, err := q.ClaimWork(ctx, "w1", time.Minute, 1, "s")
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	must(t, q.CompleteWork(ctx, it.WorkKey, "w1", id("r0")))
	again := items(1, "s", 3)
	again[0].Payload = []byte("changed")
	must(t, q.EnqueueWork(ctx, again))
	list, err := q.ListWork(ctx, 1, "s")
	must(t, err)
	if len(list) != 3 {
		t.Fatalf("ListWork after re-enqueue: %d items, want 3", len(list))
	}
	if list[0].State != tracker.WorkDone || string(list[0].Payload) != `{"i":0}` || list[0].Result != id("r0") {
		t.Errorf("re-enqueue changed a done item: %+v", list[0])
	}
	if list[2].State != tracker.WorkPending || list[2].Attempts != 0 {
		t.Errorf("new item = %+v, want pending with no attempts", list[2])
	}
}

func TestLeaseExpiryHandsItemOn(t *testing.T) {
	ctx := context.Background()
	q, c := newQueue()
	must(t, q.EnqueueWork(ctx, items(1, "s", 1)))
	it, ok, err := q.ClaimWork(ctx, "dead", 10*time.Second, 1, "")
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, ok, _ := q.ClaimWork(ctx, "live", 10*time.Second, 1, ""); ok {
		t.Fatal("a leased item was claimed again before its lease ran out")
	}
	c.add(9 * time.Second)
	must(t, q.RenewLease(ctx, it.WorkKey, "dead", 10*time.Second)) // now until +19s
	c.add(9 * time.Second)
	if _, ok, _ := q.ClaimWork(ctx, "live", 10*time.Second, 1, ""); ok {
		t.Fatal("a renewed lease was taken before it ran out")
	}
	c.add(time.Second) // exactly at LeaseUntil: expired
	got, ok, err := q.ClaimWork(ctx, "live", 10*time.Second, 1, "")
	if err != nil || !ok {
		t.Fatalf("claim after expiry: %v %v", ok, err)
	}
	if got.Owner != "live" || got.Attempts != 2 || !got.LeaseUntil.Equal(c.now().Add(10*time.Second)) {
		t.Errorf("reclaimed item = %+v", got)
	}
	if err := q.RenewLease(ctx, it.WorkKey, "dead", time.Second); !errors.Is(err, tracker.ErrLeaseLost) {
		t.Errorf("renew by the old owner: %v, want ErrLeaseLost", err)
	}
	if err := q.CompleteWork(ctx, it.WorkKey, "dead", id("x")); !errors.Is(err, tracker.ErrLeaseLost) {
		t.Errorf("complete by the old owner: %v, want ErrLeaseLost", err)
	}
	must(t, q.CompleteWork(ctx, it.WorkKey, "live", id("x")))
}

func TestCompleteRules(t *testing.T) {
	ctx := context.Background()
	key := tracker.WorkKey{RunID: 1, Stage: "s", Index: 0}
	cases := []struct {
		name string
		do   func(q *Queue, c *clock) error
		want error
	}{
		{"owner completes", func(q *Queue, c *clock) error { return q.CompleteWork(ctx, key, "w", id("a")) }, nil},
		{"same result twice", func(q *Queue, c *clock) error {
			must(t, q.CompleteWork(ctx, key, "w", id("a")))
			return q.CompleteWork(ctx, key, "other", id("a"))
		}, nil},
		{"different result", func(q *Queue, c *clock) error {
			must(t, q.CompleteWork(ctx, key, "w", id("a")))
			return q.CompleteWork(ctx, key, "w", id("b"))
		}, tracker.ErrWorkConflict},
		{"not the owner", func(q *Queue, c *clock) error { return q.CompleteWork(ctx, key, "other", id("a")) }, tracker.ErrLeaseLost},
		{"expired but not reclaimed", func(q *Queue, c *clock) error {
			c.add(time.Hour)
			return q.CompleteWork(ctx, key, "w", id("a"))
		}, nil},
		{"renew a done item", func(q *Queue, c *clock) error {
			must(t, q.CompleteWork(ctx, key, "w", id("a")))
			return q.RenewLease(ctx, key, "w", time.Minute)
		}, tracker.ErrLeaseLost},
		{"unknown item", func(q *Queue, c *clock) error {
			return q.CompleteWork(ctx, tracker.WorkKey{RunID: 9, Stage: "s"}, "w", id("a"))
		}, tracker.ErrNotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, c := newQueue()
			must(t, q.EnqueueWork(ctx, items(1, "s", 1)))
			if _, ok, err := q.ClaimWork(ctx, "w", time.Minute, 1, "s"); err != nil || !ok {
				t.Fatalf("claim: %v %v", ok, err)
			}
			err := tc.do(q, c)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestInvalidInput(t *testing.T) {
	ctx := context.Background()
	q, _ := newQueue()
	bad := []tracker.WorkItem{
		{WorkKey: tracker.WorkKey{RunID: 0, Stage: "s"}, Kind: "k"},
		{WorkKey: tracker.WorkKey{RunID: 1, Stage: ""}, Kind: "k"},
		{WorkKey: tracker.WorkKey{RunID: 1, Stage: "s", Index: -1}, Kind: "k"},
		{WorkKey: tracker.WorkKey{RunID: 1, Stage: "s"}},
	}
	for _, it := range bad {
		if err := q.EnqueueWork(ctx, []tracker.WorkItem{it}); !errors.Is(err, ErrInvalid) {
			t.Errorf("enqueue %+v: %v, want ErrInvalid", it, err)
		}
	}
	if _, _, err := q.ClaimWork(ctx, "", time.Second, 0, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("claim with no owner: %v", err)
	}
	if _, _, err := q.ClaimWork(ctx, "w", 0, 0, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("claim with no lease: %v", err)
	}
}

func TestListWorkCopies(t *testing.T) {
	ctx := context.Background()
	q, _ := newQueue()
	in := items(1, "s", 1)
	must(t, q.EnqueueWork(ctx, in))
	in[0].Payload[0] = 'X' // the queue kept its own copy
	list, err := q.ListWork(ctx, 0, "")
	must(t, err)
	list[0].Payload[1] = 'Y'
	again, err := q.ListWork(ctx, 1, "s")
	must(t, err)
	if string(again[0].Payload) != `{"i":0}` {
		t.Errorf("payload = %q; the queue shares memory with its callers", again[0].Payload)
	}
}

// TestConcurrentClaimsAreExclusive: goroutines claiming at once never get
// the same item, and every item is completed once.
func TestConcurrentClaimsAreExclusive(t *testing.T) {
	ctx := context.Background()
	q := New(nil)
	const n = 500
	must(t, q.EnqueueWork(ctx, items(1, "s", n)))
	var mu sync.Mutex
	seen := map[int]string{}
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			owner := fmt.Sprintf("w%d", w)
			for {
				it, ok, err := q.ClaimWork(ctx, owner, time.Hour, 1, "s")
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				if prev, dup := seen[it.Index]; dup {
					t.Errorf("item %d claimed by %s and %s", it.Index, prev, owner)
				}
				seen[it.Index] = owner
				mu.Unlock()
				if err := q.CompleteWork(ctx, it.WorkKey, owner, id(fmt.Sprint(it.Index))); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Errorf("%d items claimed, want %d", len(seen), n)
	}
	list, _ := q.ListWork(ctx, 1, "s")
	for _, it := range list {
		if it.State != tracker.WorkDone || it.Attempts != 1 {
			t.Fatalf("item %d: %+v", it.Index, it)
		}
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
