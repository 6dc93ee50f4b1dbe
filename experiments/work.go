package experiments

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/workq"
)

// Work item kinds (tracker.WorkItem.Kind).
const (
	WorkDatasetChunk = "dataset-chunk" // images [i*chunk, (i+1)*chunk) of a generated dataset
	WorkTrialSlot    = "trial-slot"    // one slot of a content search batch
	WorkBatchCommit  = "batch-commit"  // writes a search batch's trials, in slot order
	WorkStudyOpen    = "study-open"    // creates or checks a search study
	WorkStage        = "stage"         // a whole stage not split into items
	WorkReduce       = "reduce"        // assembles a stage from its items' results
	WorkRecord       = "stage-record"  // stores the record of a shared stage
	WorkRunFinal     = "run-final"     // writes the run's final record
)

// DefaultLease is how long a worker holds a work item between renewals
// (it renews at a third of it). A worker that dies loses its items this
// long after its last renewal.
const DefaultLease = 30 * time.Second

// releaseLease is the lease a stopping walker leaves on an item it
// abandons: it runs out at once, so another walker claims the item without
// waiting.
const releaseLease = time.Millisecond

// workResultKind is the artifact kind of a work item's output.
const workResultKind = "work-result"

// Polling bounds while a walker waits for items other workers hold. The
// first wait is short: the usual one is for a batch-mate's last slot, a few
// milliseconds (smoke content trials take about 2.5 ms here), and a walker
// that oversleeps it starts the next batch late; waits grow by half from
// there, so a long one costs a few dozen polls.
const (
	minPoll  = 500 * time.Microsecond
	maxPoll  = time.Second
	livePoll = 2 * time.Second // how often a waiting walker checks its run still runs
)

// setupWork picks the run's work queue and this walker's identity.
func (r *runner) setupWork(opts Options) {
	r.queue = opts.Queue
	if r.queue == nil {
		if q, ok := r.st.(tracker.WorkQueue); ok {
			r.queue = q
		} else {
			r.queue = workq.New(nil) // one process: its own queue
		}
	}
	r.owner = opts.Owner
	if r.owner == "" {
		r.owner = DefaultOwner()
	}
	r.lease = opts.Lease
	if r.lease <= 0 {
		r.lease = DefaultLease
	}
}

// DefaultOwner names this process as a worker: host, process id and a
// random suffix (two processes never share a name, even across restarts).
func DefaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "host"
	}
	var b [3]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// forEachItem is the map step of a stage spread over workers: it enqueues
// items 0..n-1 of stage (idempotently; payload, when not nil, gives each
// its JSON payload), computes the ones it can claim on r.workers goroutines,
// waits for those other workers hold, and returns every item's output in
// index order. compute must depend only on the run's spec and seed, on i and
// on what is stored, so that any worker (or a second try after a worker
// died) gives the same bytes. Every process walking the run calls
// forEachItem with the same stage and n.
func (r *runner) forEachItem(ctx context.Context, stage, kind string, n int, payload func(i int) []byte,
	compute func(ctx context.Context, i int) ([]byte, error)) ([][]byte, error) {
	return r.forEachWorkItem(ctx, stage, kind, n, payload, func(ctx context.Context, it tracker.WorkItem) ([]byte, error) {
		return compute(ctx, it.Index)
	})
}

// once runs fn on exactly one walker of the run (again on another when that
// one dies: attempt counts the claims, from 1, so a later attempt knows to
// look for partial writes) and returns its output to every walker.
func (r *runner) once(ctx context.Context, stage, kind string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error) {
	outs, err := r.forEachWorkItem(ctx, stage, kind, 1, nil, func(ctx context.Context, it tracker.WorkItem) ([]byte, error) {
		return fn(ctx, it.Attempts)
	})
	if err != nil {
		return nil, err
	}
	return outs[0], nil
}

func (r *runner) forEachWorkItem(ctx context.Context, stage, kind string, n int, payload func(i int) []byte,
	compute func(ctx context.Context, it tracker.WorkItem) ([]byte, error)) ([][]byte, error) {
	if n == 0 {
		return nil, nil
	}
	items := make([]tracker.WorkItem, n)
	for i := range items {
		items[i] = tracker.WorkItem{WorkKey: tracker.WorkKey{RunID: r.runID, Stage: stage, Index: i}, Kind: kind}
		if payload != nil {
			items[i].Payload = payload(i)
		}
	}
	if err := r.queue.EnqueueWork(ctx, items); err != nil {
		return nil, fmt.Errorf("enqueue %s items of %s: %w", kind, stage, err)
	}
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	// The outputs this walker computed need not be read back.
	var mu sync.Mutex
	local := map[int][]byte{}
	keep := func(ctx context.Context, it tracker.WorkItem) ([]byte, error) {
		out, err := compute(ctx, it)
		if err == nil && len(out) == 0 {
			out = []byte("null") // what doItem stores for an empty output
		}
		if err == nil {
			mu.Lock()
			local[it.Index] = out
			mu.Unlock()
		}
		return out, err
	}
	var wg sync.WaitGroup
	for k := range min(r.workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.claimLoop(wctx, stage, n, fmt.Sprintf("%s/%d", r.owner, k), keep); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(wctx); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return r.itemOutputs(ctx, stage, n, local)
}

// claimLoop claims and computes items of stage until every item is done.
func (r *runner) claimLoop(ctx context.Context, stage string, n int, owner string,
	compute func(ctx context.Context, it tracker.WorkItem) ([]byte, error)) error {
	wait, lastLive := minPoll, time.Now()
	var next tracker.WorkItem // claimed with the last completion
	var claimed bool
	for {
		it, ok := next, claimed
		if !ok {
			var err error
			if it, ok, err = r.queue.ClaimWork(ctx, owner, r.lease, r.runID, stage); err != nil {
				return fmt.Errorf("claim work of %s: %w", stage, err)
			}
		}
		if ok {
			var err error
			if next, claimed, err = r.doItem(ctx, owner, it, compute); err != nil {
				return err
			}
			wait = minPoll
			continue
		}
		list, err := r.queue.ListWork(ctx, r.runID, stage)
		if err != nil {
			return fmt.Errorf("list work of %s: %w", stage, err)
		}
		done := 0
		for _, w := range list {
			if w.State == tracker.WorkDone && w.Index < n {
				done++
			}
		}
		if done == n {
			return nil
		}
		if time.Since(lastLive) > livePoll {
			if err := r.checkLive(ctx); err != nil {
				return err
			}
			lastLive = time.Now()
		}
		select {
		case <-ctx.Done():
			return context.Cause(ctx)
		case <-time.After(wait):
		}
		// Grow by half (see minPoll).
		wait = min(wait+wait/2, maxPoll, max(minPoll, r.lease/4))
	}
}

// errLeaseLost cancels an item whose lease another worker took over.
var errLeaseLost = errors.New("lease lost")

// doItem computes a claimed item while renewing its lease, stores its
// output and completes it; next (when claimed) is the stage's next item,
// claimed with the completion where the queue can. Losing the lease
// abandons the item (its new holder computes the same bytes).
func (r *runner) doItem(ctx context.Context, owner string, it tracker.WorkItem,
	compute func(ctx context.Context, it tracker.WorkItem) ([]byte, error)) (next tracker.WorkItem, claimed bool, err error) {
	ictx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopRenew := make(chan struct{})
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		tick := time.NewTicker(max(r.lease/3, time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-stopRenew:
				return
			case <-ictx.Done():
				return
			case <-tick.C:
				err := r.queue.RenewLease(ictx, it.WorkKey, owner, r.lease)
				if errors.Is(err, tracker.ErrLeaseLost) {
					cancel(errLeaseLost)
					return
				}
				// Other errors (a database hiccup): try again at the next tick;
				// the lease outlives two missed renewals.
			}
		}
	}()
	out, err := compute(ictx, it)
	close(stopRenew)
	<-renewed
	if errors.Is(context.Cause(ictx), errLeaseLost) {
		r.progress.Logf("  %s item %d of %s: lease lost; another worker redoes it", it.Kind, it.Index, shortStage(it.Stage))
		return tracker.WorkItem{}, false, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			r.release(ctx, owner, it)
			return tracker.WorkItem{}, false, context.Cause(ctx)
		}
		return tracker.WorkItem{}, false, fmt.Errorf("%s item %d: %w", it.Kind, it.Index, err)
	}
	if len(out) == 0 {
		out = []byte("null")
	}
	next, claimed, err = r.complete(context.WithoutCancel(ctx), owner, it, out, ctx.Err() == nil)
	if err == nil || errors.Is(err, tracker.ErrLeaseLost) {
		return next, claimed, nil // lease lost: taken over meanwhile, the other worker completes it
	}
	if claimed {
		r.release(ctx, owner, next) // this walker stops on the error below
	}
	if errors.Is(err, tracker.ErrWorkConflict) {
		return tracker.WorkItem{}, false, fmt.Errorf("%s item %d of %s gave other bytes than a first computation: %w; "+
			"the computation is not deterministic (run 'cgx verify')", it.Kind, it.Index, it.Stage, err)
	}
	return tracker.WorkItem{}, false, fmt.Errorf("complete %s item %d: %w", it.Kind, it.Index, err)
}

// release hands a claimed item back at once (a walker stopping, by SIGINT
// or SIGTERM or an error) rather than let the others wait out its lease.
// Best effort: if this fails, the lease runs out as after a crash.
func (r *runner) release(ctx context.Context, owner string, it tracker.WorkItem) {
	_ = r.queue.RenewLease(context.WithoutCancel(ctx), it.WorkKey, owner, releaseLease)
}

// resultCompleter is a work queue that stores an item's output, completes
// the item and claims the stage's next one in one transaction
// (tracker/postgres): one durable commit and one round trip per item where
// PutArtifact, CompleteWork and ClaimWork take three commits and six round
// trips.
type resultCompleter interface {
	CompleteWorkResult(ctx context.Context, key tracker.WorkKey, owner string, out []byte, meta tracker.ArtifactMeta) (tracker.ID, error)
	CompleteWorkResultAndClaim(ctx context.Context, key tracker.WorkKey, owner string, out []byte, meta tracker.ArtifactMeta,
		lease time.Duration) (tracker.ID, tracker.WorkItem, bool, error)
}

// complete stores out as the result artifact of it and completes it; with
// claim, it may also claim the stage's next item (next, claimed), where the
// queue does both in one transaction.
func (r *runner) complete(ctx context.Context, owner string, it tracker.WorkItem, out []byte, claim bool) (next tracker.WorkItem, claimed bool, err error) {
	meta := tracker.ArtifactMeta{Kind: workResultKind, MediaType: "application/json",
		RunID: r.runID, Stage: it.Stage, Name: fmt.Sprintf("%s #%d", it.Kind, it.Index)}
	if rc, ok := r.queue.(resultCompleter); ok && any(r.queue) == any(r.st) {
		if !claim {
			_, err = rc.CompleteWorkResult(ctx, it.WorkKey, owner, out, meta)
			return next, false, err
		}
		_, next, claimed, err = rc.CompleteWorkResultAndClaim(ctx, it.WorkKey, owner, out, meta, r.lease)
		return next, claimed, err
	}
	id, err := r.st.PutArtifact(ctx, out, meta)
	if err != nil {
		return next, false, fmt.Errorf("store result of %s item %d: %w", it.Kind, it.Index, err)
	}
	return next, false, r.queue.CompleteWork(ctx, it.WorkKey, owner, id)
}

// itemOutputs reads the outputs of items 0..n-1 of stage, all done, but
// those in local (computed by this walker).
func (r *runner) itemOutputs(ctx context.Context, stage string, n int, local map[int][]byte) ([][]byte, error) {
	if rl, ok := r.queue.(resultLister); ok && len(local) < n && any(r.queue) == any(r.st) {
		return r.listedOutputs(ctx, rl, stage, n, local)
	}
	list, err := r.queue.ListWork(ctx, r.runID, stage)
	if err != nil {
		return nil, fmt.Errorf("list work of %s: %w", stage, err)
	}
	outs := make([][]byte, n)
	for _, w := range list {
		if w.Index >= n {
			continue
		}
		if w.State != tracker.WorkDone {
			return nil, fmt.Errorf("%s item %d of %s is %s after every item was seen done", w.Kind, w.Index, stage, w.State)
		}
		if b, ok := local[w.Index]; ok {
			outs[w.Index] = b
			continue
		}
		b, _, err := r.st.GetArtifact(ctx, w.Result)
		if err != nil {
			return nil, fmt.Errorf("read result of %s item %d: %w", w.Kind, w.Index, err)
		}
		outs[w.Index] = b
	}
	for i, b := range outs {
		if b == nil {
			return nil, fmt.Errorf("item %d of %s is missing from the work queue", i, stage)
		}
	}
	return outs, nil
}

// resultLister is a work queue that reads the results of a stage's done
// items in one query (tracker/postgres).
type resultLister interface {
	WorkResults(ctx context.Context, runID int, stage string) (map[int][]byte, error)
}

// listedOutputs is itemOutputs over a resultLister.
func (r *runner) listedOutputs(ctx context.Context, rl resultLister, stage string, n int, local map[int][]byte) ([][]byte, error) {
	stored, err := rl.WorkResults(ctx, r.runID, stage)
	if err != nil {
		return nil, fmt.Errorf("read results of %s: %w", stage, err)
	}
	outs := make([][]byte, n)
	for i := range outs {
		b, ok := local[i]
		if !ok {
			b, ok = stored[i]
		}
		if !ok {
			return nil, fmt.Errorf("item %d of %s is not done after every item was seen done", i, stage)
		}
		outs[i] = b
	}
	return outs, nil
}

// ErrRunStopped marks a walk that ended because its run is no longer queued
// or running: another worker failed it, or it was interrupted or finished.
// (Kept here, not in errors.go, while errors.go has another owner.)
var ErrRunStopped = errors.New("run stopped")

// checkLive fails when the run is no longer queued or running.
func (r *runner) checkLive(ctx context.Context) error {
	run, err := r.st.GetRun(ctx, r.runID)
	if err != nil {
		return fmt.Errorf("read run %d: %w", r.runID, err)
	}
	if run.Status != tracker.RunRunning && run.Status != tracker.RunQueued {
		msg := ""
		if run.Error != "" {
			msg = ": " + run.Error
		}
		return fmt.Errorf("%w: run %d is %s%s", ErrRunStopped, r.runID, run.Status, msg)
	}
	return nil
}

// shortStage shortens a work stage name (a stage key and a suffix) for
// progress lines.
func shortStage(s string) string {
	if len(s) > 12 {
		return s[:12] + "…"
	}
	return s
}

// stageWork is study.Work over the run's work queue, for the stage keyed
// prefix: a study's Map and Once names become work stages "<prefix>/<name>".
type stageWork struct {
	r      *runner
	prefix string
}

func (w stageWork) Map(ctx context.Context, name, kind string, n int, compute func(ctx context.Context, i int) ([]byte, error)) ([][]byte, error) {
	return w.r.forEachItem(ctx, w.prefix+"/"+name, kind, n, nil, compute)
}

func (w stageWork) Once(ctx context.Context, name, kind string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error) {
	return w.r.once(ctx, w.prefix+"/"+name, kind, fn)
}

func (w stageWork) Unfinished(ctx context.Context, name string) (bool, error) {
	return w.r.unfinished(ctx, w.prefix+"/"+name)
}

// unfinished reports whether the run's work stage has an item not done.
func (r *runner) unfinished(ctx context.Context, stage string) (bool, error) {
	list, err := r.queue.ListWork(ctx, r.runID, stage)
	if err != nil {
		return false, fmt.Errorf("list work of %s: %w", stage, err)
	}
	return slices.ContainsFunc(list, func(it tracker.WorkItem) bool { return it.State != tracker.WorkDone }), nil
}
