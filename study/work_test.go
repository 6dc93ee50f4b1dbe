package study

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
)

// memWork is a Work shared by goroutines: every index of a Map, and every
// Once, is computed by the first walker to reach it; the others wait for its
// result. A failed computation is retried by the next walker, as an expired
// lease would be.
type memWork struct {
	mu    sync.Mutex
	cells map[string]*cell
	calls map[string]int // computations per name/index, for the tests
}

type cell struct {
	mu       sync.Mutex
	done     bool
	out      []byte
	attempts int
}

func newMemWork() *memWork { return &memWork{cells: map[string]*cell{}, calls: map[string]int{}} }

func (w *memWork) cell(key string) *cell {
	w.mu.Lock()
	defer w.mu.Unlock()
	c := w.cells[key]
	if c == nil {
		c = &cell{}
		w.cells[key] = c
	}
	return c
}

func (w *memWork) do(ctx context.Context, key string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error) {
	c := w.cell(key)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return c.out, nil
	}
	c.attempts++
	w.mu.Lock()
	w.calls[key]++
	w.mu.Unlock()
	out, err := fn(ctx, c.attempts)
	if err != nil {
		return nil, err
	}
	c.done, c.out = true, out
	return out, nil
}

func (w *memWork) Map(ctx context.Context, name, kind string, n int, compute func(ctx context.Context, i int) ([]byte, error)) ([][]byte, error) {
	outs := make([][]byte, n)
	for i := range n {
		out, err := w.do(ctx, fmt.Sprintf("%s/%d", name, i), func(ctx context.Context, _ int) ([]byte, error) { return compute(ctx, i) })
		if err != nil {
			return nil, err
		}
		outs[i] = out
	}
	return outs, nil
}

func (w *memWork) Once(ctx context.Context, name, kind string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error) {
	return w.do(ctx, name, fn)
}

func (w *memWork) Unfinished(_ context.Context, name string) (bool, error) {
	w.mu.Lock()
	c := w.cells[name]
	w.mu.Unlock()
	if c == nil {
		return false, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.done, nil
}

// plainRunTrials runs cfg without Work (one walker, in memory) and returns
// its trials by slot: what a shared run must store.
func plainRunTrials(t *testing.T, cfg Config, space Space) map[int]goptuna.FrozenTrial {
	t.Helper()
	cfg.Work = nil
	ref := goptuna.NewInMemoryStorage()
	return bySlot(t, ref, mustRun(t, ref, cfg, space, quadratic(false)).StudyID)
}

// TestSharedRunMatchesRun: with Work, and with several walkers sharing the
// study, the COMPLETE trials per slot are those of a plain Run.
func TestSharedRunMatchesRun(t *testing.T) {
	space := testSpace(t)
	for _, tc := range samplerCases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Study, cfg.Trials, cfg.Workers = "s", tc.trials, 2
			want := plainRunTrials(t, cfg, space)

			for _, walkers := range []int{1, 3} {
				st := goptuna.NewInMemoryStorage()
				w := newMemWork()
				c := cfg
				c.Work = w
				var wg sync.WaitGroup
				sums := make([]Summary, walkers)
				errs := make([]error, walkers)
				for k := range walkers {
					wg.Add(1)
					go func() {
						defer wg.Done()
						sums[k], errs[k] = Run(context.Background(), st, c, space, quadratic(true))
					}()
				}
				wg.Wait()
				for k, err := range errs {
					if err != nil {
						t.Fatalf("walker %d of %d: %v", k, walkers, err)
					}
					if sums[k].Trials != tc.trials || sums[k].Best.Slot != sums[0].Best.Slot {
						t.Errorf("walker %d of %d: summary %+v, walker 0 %+v", k, walkers, sums[k], sums[0])
					}
				}
				if d := diffTrials(want, bySlot(t, st, sums[0].StudyID)); d != "" {
					t.Fatalf("%d walkers store other trials than Run (-Run +shared):\n%s", walkers, d)
				}
				for key, n := range w.calls {
					if n != 1 {
						t.Errorf("%d walkers: %s computed %d times", walkers, key, n)
					}
				}
			}
		})
	}
}

// TestSharedCommitRetryAfterPartialWrite: a committer that died after
// storing its batch (before the item was marked done) leaves the trials; the
// next committer finds them and stores no duplicates.
func TestSharedCommitRetryAfterPartialWrite(t *testing.T) {
	space := testSpace(t)
	cfg := Config{Study: "s", Sampler: SamplerRandom, Seed: 3, BatchSize: 4, Trials: 8}
	want := plainRunTrials(t, cfg, space)

	st := goptuna.NewInMemoryStorage()
	w := &dyingCommit{memWork: newMemWork(), st: st, die: "commit-4"}
	cfg.Work = w
	if _, err := Run(context.Background(), st, cfg, space, quadratic(false)); !errors.Is(err, errDied) {
		t.Fatalf("first walker: %v, want it to die in commit-4", err)
	}
	sum := mustRun(t, st, cfg, space, quadratic(false))
	if d := diffTrials(want, bySlot(t, st, sum.StudyID)); d != "" {
		t.Fatalf("after a committer died, trials differ (-Run +shared):\n%s", d)
	}
	if n := len(allTrials(t, st, sum.StudyID)); n != 8 {
		t.Errorf("study holds %d trials, want 8 (no duplicates)", n)
	}
	// The next walker found the batch complete and finished the dead
	// committer's item with what the commit would have returned.
	c := w.cells["commit-4"]
	ids := map[int]int{}
	for _, tr := range allTrials(t, st, sum.StudyID) {
		if slot, ok := slotOf(tr); ok {
			ids[slot] = tr.ID
		}
	}
	wantIDs := fmt.Sprintf("[%d,%d,%d,%d]", ids[4], ids[5], ids[6], ids[7])
	if !c.done || string(c.out) != wantIDs {
		t.Errorf("commit-4 after the second walker: done %v, result %s; want done with %s", c.done, c.out, wantIDs)
	}
}

var errDied = errors.New("died after writing")

// dyingCommit fails the commit named die once, after its writes.
type dyingCommit struct {
	*memWork
	st  goptuna.Storage
	die string
}

func (d *dyingCommit) Once(ctx context.Context, name, kind string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error) {
	if name != d.die {
		return d.memWork.Once(ctx, name, kind, fn)
	}
	return d.do(ctx, name, func(ctx context.Context, attempt int) ([]byte, error) {
		out, err := fn(ctx, attempt)
		if attempt == 1 && err == nil {
			return nil, errDied
		}
		return out, err
	})
}

// TestSharedCommitOverlapsNextBatch: a batch's commit runs while the
// walker computes the next batch's slots. The commit of batch 0 here waits
// for a slot of batch 4 to start: a serial loop would never get there.
func TestSharedCommitOverlapsNextBatch(t *testing.T) {
	space := testSpace(t)
	cfg := Config{Study: "s", Sampler: SamplerTPE, Seed: 5, BatchSize: 4, Trials: 12}
	want := plainRunTrials(t, cfg, space)

	st := goptuna.NewInMemoryStorage()
	w := &gatedCommit{memWork: newMemWork(), started: make(chan struct{})}
	cfg.Work = w
	sum, err := Run(context.Background(), st, cfg, space, quadratic(false))
	if err != nil {
		t.Fatal(err)
	}
	if d := diffTrials(want, bySlot(t, st, sum.StudyID)); d != "" {
		t.Fatalf("with the commit overlapped, trials differ (-Run +shared):\n%s", d)
	}
	if sum.Trials != 12 || sum.Ran != 12 {
		t.Errorf("summary %+v, want 12 trials run", sum)
	}
}

// gatedCommit holds the commit of batch 0 until a slot of batch 4 starts.
type gatedCommit struct {
	*memWork
	once    sync.Once
	started chan struct{}
}

func (g *gatedCommit) Map(ctx context.Context, name, kind string, n int, compute func(ctx context.Context, i int) ([]byte, error)) ([][]byte, error) {
	if name == "batch-4" {
		g.once.Do(func() { close(g.started) })
	}
	return g.memWork.Map(ctx, name, kind, n, compute)
}

func (g *gatedCommit) Once(ctx context.Context, name, kind string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error) {
	if name == "commit-0" {
		select {
		case <-g.started:
		case <-time.After(time.Minute):
			return nil, errors.New("batch 4 did not start while batch 0 was committing")
		}
	}
	return g.memWork.Once(ctx, name, kind, fn)
}

// TestSharedCommitFailureStopsRun: a commit that fails in the background
// ends Run with its error, and no later batch is committed.
func TestSharedCommitFailureStopsRun(t *testing.T) {
	space := testSpace(t)
	st := goptuna.NewInMemoryStorage()
	w := &failingCommit{memWork: newMemWork(), fail: "commit-4"}
	cfg := Config{Study: "s", Sampler: SamplerRandom, Seed: 3, BatchSize: 4, Trials: 16, Work: w}
	if _, err := Run(context.Background(), st, cfg, space, quadratic(false)); !errors.Is(err, errDied) {
		t.Fatalf("Run: %v, want the commit's error", err)
	}
	for _, name := range []string{"commit-8", "commit-12"} {
		if n := w.calls[name]; n != 0 {
			t.Errorf("%s was run %d times after commit-4 failed", name, n)
		}
	}
	ids, err := st.GetStudyIDFromName("s")
	if err != nil {
		t.Fatal(err)
	}
	if n := len(allTrials(t, st, ids)); n != 4 {
		t.Errorf("study holds %d trials, want batch 0's 4", n)
	}
}

// failingCommit fails the commit named fail before it writes anything.
type failingCommit struct {
	*memWork
	fail string
}

func (f *failingCommit) Once(ctx context.Context, name, kind string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error) {
	if name == f.fail {
		return nil, errDied
	}
	return f.memWork.Once(ctx, name, kind, fn)
}
