package bolt

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/workq"
)

// The work queue of a bbolt database lives in memory (package workq): one
// process holds the file for writing, so the queue only coordinates that
// process's goroutines, and a run resumed after a crash enqueues its work
// again and recomputes the same bytes. Items are not stored in the file and
// vanish at Close. A read-only store (which reads through the writer's
// socket, another process) has no queue: ListWork returns nothing and
// the other methods return ErrReadOnly.

var _ tracker.DB = (*Store)(nil)

// queues holds each open writing store's queue, keyed by the store, so the
// queue needs no field in Store; entries of closed stores are dropped.
var queues struct {
	sync.Mutex
	m map[*Store]*workq.Queue
}

// queue returns s's work queue, or an error for a closed or read-only store.
func (s *Store) queue(op string) (*workq.Queue, error) {
	if err := s.writable(op); err != nil {
		return nil, err
	}
	queues.Lock()
	defer queues.Unlock()
	if queues.m == nil {
		queues.m = map[*Store]*workq.Queue{}
	}
	for st := range queues.m {
		if st.closed.Load() {
			delete(queues.m, st)
		}
	}
	q := queues.m[s]
	if q == nil {
		q = workq.New(nil)
		queues.m[s] = q
	}
	return q, nil
}

// EnqueueWork adds items as pending; items that exist are left alone.
func (s *Store) EnqueueWork(ctx context.Context, items []tracker.WorkItem) error {
	q, err := s.queue("enqueue work")
	if err != nil {
		return err
	}
	return q.EnqueueWork(ctx, items)
}

// ClaimWork leases one claimable item of run runID (any when 0) and stage
// (any when "") to owner.
func (s *Store) ClaimWork(ctx context.Context, owner string, lease time.Duration, runID int, stage string) (tracker.WorkItem, bool, error) {
	q, err := s.queue("claim work")
	if err != nil {
		return tracker.WorkItem{}, false, err
	}
	return q.ClaimWork(ctx, owner, lease, runID, stage)
}

// RenewLease extends owner's lease on key.
func (s *Store) RenewLease(ctx context.Context, key tracker.WorkKey, owner string, lease time.Duration) error {
	q, err := s.queue("renew lease")
	if err != nil {
		return err
	}
	return q.RenewLease(ctx, key, owner, lease)
}

// CompleteWork records key's result; the first completion wins.
func (s *Store) CompleteWork(ctx context.Context, key tracker.WorkKey, owner string, result tracker.ID) error {
	q, err := s.queue("complete work")
	if err != nil {
		return err
	}
	return q.CompleteWork(ctx, key, owner, result)
}

// ListWork lists run runID's items (every run's when 0), of stage when not "".
func (s *Store) ListWork(ctx context.Context, runID int, stage string) ([]tracker.WorkItem, error) {
	q, err := s.queue("list work")
	if err != nil {
		if s.closed.Load() {
			return nil, fmt.Errorf("list work: %w", tracker.ErrClosed)
		}
		return nil, nil // a read-only store sees no work
	}
	return q.ListWork(ctx, runID, stage)
}
