package workq

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/cgx-dev/cgx/tracker"
)

// Queue is an in-memory tracker.WorkQueue, safe for concurrent use.
type Queue struct {
	now func() time.Time

	mu     sync.Mutex
	groups map[groupKey]*group
	order  []groupKey // sorted by run, then stage
}

var _ tracker.WorkQueue = (*Queue)(nil)

// groupKey is one stage of one run.
type groupKey struct {
	run   int
	stage string
}

// group holds a stage's items sorted by index; open is the position of the
// first item not done, so claims skip finished work.
type group struct {
	items []*tracker.WorkItem
	open  int
}

// New returns an empty queue reading time from now (time.Now when nil).
func New(now func() time.Time) *Queue {
	if now == nil {
		now = time.Now
	}
	return &Queue{now: now, groups: map[groupKey]*group{}}
}

// EnqueueWork adds items as pending; an item whose key exists is left alone.
func (q *Queue) EnqueueWork(ctx context.Context, items []tracker.WorkItem) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, it := range items {
		if err := checkKey(it.WorkKey); err != nil {
			return fmt.Errorf("enqueue work: %w", err)
		}
		if it.Kind == "" {
			return fmt.Errorf("enqueue work: %w: item %s has no kind", ErrInvalid, keyString(it.WorkKey))
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, it := range items {
		gk := groupKey{it.RunID, it.Stage}
		g := q.groups[gk]
		if g == nil {
			g = &group{}
			q.groups[gk] = g
			i, _ := slices.BinarySearchFunc(q.order, gk, compareGroups)
			q.order = slices.Insert(q.order, i, gk)
		}
		i, found := slices.BinarySearchFunc(g.items, it.Index, func(w *tracker.WorkItem, idx int) int { return cmp.Compare(w.Index, idx) })
		if found {
			continue
		}
		g.items = slices.Insert(g.items, i, &tracker.WorkItem{WorkKey: it.WorkKey, Kind: it.Kind,
			Payload: bytes.Clone(it.Payload), State: tracker.WorkPending})
		if i < g.open {
			g.open = i
		}
	}
	return nil
}

// ClaimWork leases the claimable item with the lowest (run, stage, index)
// of run runID (any when 0) and stage (any when "") to owner.
func (q *Queue) ClaimWork(ctx context.Context, owner string, lease time.Duration, runID int, stage string) (tracker.WorkItem, bool, error) {
	if err := ctx.Err(); err != nil {
		return tracker.WorkItem{}, false, err
	}
	if owner == "" {
		return tracker.WorkItem{}, false, fmt.Errorf("claim work: %w: owner is empty", ErrInvalid)
	}
	if lease <= 0 {
		return tracker.WorkItem{}, false, fmt.Errorf("claim work: %w: lease %v must be positive", ErrInvalid, lease)
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	for _, gk := range q.order {
		if (runID != 0 && gk.run != runID) || (stage != "" && gk.stage != stage) {
			continue
		}
		g := q.groups[gk]
		for g.open < len(g.items) && g.items[g.open].State == tracker.WorkDone {
			g.open++
		}
		for _, it := range g.items[g.open:] {
			if it.State == tracker.WorkPending || (it.State == tracker.WorkLeased && !now.Before(it.LeaseUntil)) {
				it.State, it.Owner, it.LeaseUntil = tracker.WorkLeased, owner, now.Add(lease)
				it.Attempts++
				return clone(it), true, nil
			}
		}
	}
	return tracker.WorkItem{}, false, nil
}

// RenewLease extends owner's lease on key by lease from now.
func (q *Queue) RenewLease(ctx context.Context, key tracker.WorkKey, owner string, lease time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.find(key)
	if err != nil {
		return fmt.Errorf("renew lease: %w", err)
	}
	if it.State != tracker.WorkLeased || it.Owner != owner {
		return fmt.Errorf("renew lease on %s for %s: %w", keyString(key), owner, tracker.ErrLeaseLost)
	}
	it.LeaseUntil = q.now().Add(lease)
	return nil
}

// CompleteWork records result for key and marks it done; the first
// completion wins.
func (q *Queue) CompleteWork(ctx context.Context, key tracker.WorkKey, owner string, result tracker.ID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	it, err := q.find(key)
	if err != nil {
		return fmt.Errorf("complete work: %w", err)
	}
	switch {
	case it.State == tracker.WorkDone && it.Result == result:
		return nil
	case it.State == tracker.WorkDone:
		return fmt.Errorf("complete %s with %s (stored %s): %w", keyString(key), result, it.Result, tracker.ErrWorkConflict)
	case it.State != tracker.WorkLeased || it.Owner != owner:
		return fmt.Errorf("complete %s for %s: %w", keyString(key), owner, tracker.ErrLeaseLost)
	}
	it.State, it.Result, it.Owner, it.LeaseUntil = tracker.WorkDone, result, "", time.Time{}
	return nil
}

// ListWork lists the items of run runID (every run when 0), of stage when
// it is not "", ordered by run, stage and index.
func (q *Queue) ListWork(ctx context.Context, runID int, stage string) ([]tracker.WorkItem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []tracker.WorkItem
	for _, gk := range q.order {
		if (runID != 0 && gk.run != runID) || (stage != "" && gk.stage != stage) {
			continue
		}
		for _, it := range q.groups[gk].items {
			out = append(out, clone(it))
		}
	}
	return out, nil
}

// DropRun removes every item of run runID (a deleted run).
func (q *Queue) DropRun(runID int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.order = slices.DeleteFunc(q.order, func(gk groupKey) bool {
		if gk.run == runID {
			delete(q.groups, gk)
			return true
		}
		return false
	})
}

func (q *Queue) find(key tracker.WorkKey) (*tracker.WorkItem, error) {
	g := q.groups[groupKey{key.RunID, key.Stage}]
	if g != nil {
		i, found := slices.BinarySearchFunc(g.items, key.Index, func(w *tracker.WorkItem, idx int) int { return cmp.Compare(w.Index, idx) })
		if found {
			return g.items[i], nil
		}
	}
	return nil, fmt.Errorf("work item %s: %w", keyString(key), tracker.ErrNotFound)
}

func compareGroups(a, b groupKey) int {
	if c := cmp.Compare(a.run, b.run); c != 0 {
		return c
	}
	return cmp.Compare(a.stage, b.stage)
}

func clone(it *tracker.WorkItem) tracker.WorkItem {
	c := *it
	c.Payload = bytes.Clone(it.Payload)
	return c
}

func checkKey(k tracker.WorkKey) error {
	switch {
	case k.RunID <= 0:
		return fmt.Errorf("%w: item %s: run id must be positive", ErrInvalid, keyString(k))
	case k.Stage == "":
		return fmt.Errorf("%w: item %s: stage is empty", ErrInvalid, keyString(k))
	case k.Index < 0:
		return fmt.Errorf("%w: item %s: index is negative", ErrInvalid, keyString(k))
	}
	return nil
}

func keyString(k tracker.WorkKey) string {
	return fmt.Sprintf("run %d stage %q #%d", k.RunID, k.Stage, k.Index)
}
