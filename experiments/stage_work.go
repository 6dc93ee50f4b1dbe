package experiments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/cgx-dev/cgx/internal/memstat"
	"github.com/cgx-dev/cgx/tracker"
)

// A stage is computed in one of three ways, all giving the same record
// whatever the number of walkers (doc.go, "Work items"):
//
//   - stage: the whole computation is one exclusive work item;
//   - itemStage: n items computed by any walkers, then one exclusive reduce;
//   - sharedStage: every walker runs compute, which coordinates through
//     forEachItem and once itself (the content search); one walker records.

// stageFunc fills Outputs, Studies, Metrics and Attrs of the stage it is given.
type stageFunc func(ctx context.Context, st *tracker.Stage) error

// stage returns the stored stage for (name, inputs) or computes and stores
// it, on one walker of the run; the others wait for its record.
func (r *runner) stage(ctx context.Context, name string, inputs any, compute stageFunc) (tracker.Stage, error) {
	key, got, ok, err := r.cachedStage(ctx, name, inputs)
	if err != nil || ok {
		return got, err
	}
	var mine *tracker.Stage
	var reused bool
	_, err = r.once(ctx, key+"/stage", WorkStage, func(ctx context.Context, attempt int) ([]byte, error) {
		if done, err := r.storedByThisRun(ctx, key, attempt); err != nil || done {
			return nil, err
		}
		s, cached, err := r.computeStage(ctx, key, name, inputs, compute)
		if err != nil {
			return nil, err
		}
		mine, reused = &s, cached
		return nil, nil
	})
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: %w", name, err)
	}
	return r.recordStage(ctx, key, name, mine, reused)
}

// itemWork is a stage split into items: item i's output is Compute(ctx, i),
// on any walker (Payload(i), when set, is stored with the item for people
// and tools); Reduce assembles the stage from every output in index order,
// on one walker. Reduce may write studies and trials: it runs again only when
// its walker died, so it must reuse what a dead reducer wrote (a study by
// name, as a resumed search does).
type itemWork struct {
	Kind    string
	N       int
	Payload func(i int) []byte
	Compute func(ctx context.Context, i int) ([]byte, error)
	Reduce  func(ctx context.Context, st *tracker.Stage, outputs [][]byte) error
}

// itemStage returns the stored stage for (name, inputs) or computes it from
// w's items on every walker of the run and reduces it on one.
func (r *runner) itemStage(ctx context.Context, name string, inputs any, w itemWork) (tracker.Stage, error) {
	key, got, ok, err := r.cachedStage(ctx, name, inputs)
	if err != nil || ok {
		return got, err
	}
	resetErr := memstat.Reset()
	outs, err := r.forEachItem(ctx, key, w.Kind, w.N, w.Payload, w.Compute)
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: %w", name, err)
	}
	var mine *tracker.Stage
	var reused bool
	_, err = r.once(ctx, key+"/reduce", WorkReduce, func(ctx context.Context, attempt int) ([]byte, error) {
		if done, err := r.storedByThisRun(ctx, key, attempt); err != nil || done {
			return nil, err
		}
		s, cached, err := r.finishStage(ctx, key, name, inputs, resetErr, func(ctx context.Context, s *tracker.Stage) error {
			return w.Reduce(ctx, s, outs)
		})
		if err != nil {
			return nil, err
		}
		mine, reused = &s, cached
		return nil, nil
	})
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: %w", name, err)
	}
	return r.recordStage(ctx, key, name, mine, reused)
}

// sharedStage returns the stored stage for (name, inputs) or runs compute on
// every walker of the run. compute must share its work through forEachItem
// and once and fill the stage identically on every walker (from what is
// stored); one walker stores the record.
func (r *runner) sharedStage(ctx context.Context, name string, inputs any, compute func(ctx context.Context, key string, st *tracker.Stage) error) (tracker.Stage, error) {
	key, got, ok, err := r.cachedStage(ctx, name, inputs)
	if err != nil || ok {
		return got, err
	}
	resetErr := memstat.Reset()
	s := r.newStage(key, name)
	if err := compute(ctx, key, &s); err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: %w", name, err)
	}
	var mine *tracker.Stage
	_, err = r.once(ctx, key+"/record", WorkRecord, func(ctx context.Context, attempt int) ([]byte, error) {
		if done, err := r.storedByThisRun(ctx, key, attempt); err != nil || done {
			return nil, err
		}
		c := s
		if err := r.putStage(ctx, &c, inputs, resetErr); err != nil {
			return nil, err
		}
		mine = &c
		return nil, nil
	})
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: %w", name, err)
	}
	return r.recordStage(ctx, key, name, mine, false)
}

// cachedStage computes the stage key and returns the stored stage when it
// is done and --force was not given.
func (r *runner) cachedStage(ctx context.Context, name string, inputs any) (string, tracker.Stage, bool, error) {
	key, err := stageKey(name, inputs)
	if err != nil {
		return "", tracker.Stage{}, false, err
	}
	if r.force {
		return key, tracker.Stage{}, false, nil
	}
	got, err := r.st.GetStage(ctx, key)
	switch {
	case err == nil && got.Status == "done":
		if got.RunID == r.runID {
			if err := r.settleStage(ctx, key); err != nil {
				return "", tracker.Stage{}, false, fmt.Errorf("stage %s: %w", name, err)
			}
		}
		r.progress.Logf("  %s: reused (computed by run %d)", name, got.RunID)
		r.record(got, true)
		return key, got, true, nil
	case err != nil && !errors.Is(err, tracker.ErrNotFound):
		return "", tracker.Stage{}, false, fmt.Errorf("stage %s: look up cache: %w", name, err)
	}
	return key, tracker.Stage{}, false, nil
}

// settleStage finishes the items that store a stage of this run (stage,
// reduce, record) when a walker stored the stage and died before it could
// mark its item done: a walker that finds the stage stored skips it, and
// without this the item would stay leased after the run. Their result is
// empty, as the item's own computation returns once the stage is stored.
func (r *runner) settleStage(ctx context.Context, key string) error {
	for _, it := range []struct{ suffix, kind string }{{"/stage", WorkStage}, {"/reduce", WorkReduce}, {"/record", WorkRecord}} {
		open, err := r.unfinished(ctx, key+it.suffix)
		if err != nil {
			return err
		}
		if !open {
			continue
		}
		if _, err := r.once(ctx, key+it.suffix, it.kind, func(context.Context, int) ([]byte, error) { return nil, nil }); err != nil {
			return err
		}
	}
	return nil
}

// storedByThisRun reports, for a reducer or recorder, whether the stage is
// already stored: without --force any stored record will do; with it, one a
// dead walker of this run stored (attempt > 1).
func (r *runner) storedByThisRun(ctx context.Context, key string, attempt int) (bool, error) {
	if r.force && attempt <= 1 {
		return false, nil
	}
	got, err := r.st.GetStage(ctx, key)
	switch {
	case err == nil:
		return got.Status == "done" && (!r.force || got.RunID == r.runID), nil
	case errors.Is(err, tracker.ErrNotFound):
		return false, nil
	}
	return false, fmt.Errorf("look up stage: %w", err)
}

// recordStage notes the stage in the run's result: the one this walker
// stored (mine), or the record another walker stored.
func (r *runner) recordStage(ctx context.Context, key, name string, mine *tracker.Stage, reused bool) (tracker.Stage, error) {
	if mine != nil {
		r.record(*mine, reused)
		return *mine, nil
	}
	got, err := r.st.GetStage(ctx, key)
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: read the record another worker stored: %w", name, err)
	}
	r.progress.Logf("  %s: done (recorded by another worker)", name)
	r.record(got, got.RunID != r.runID)
	return got, nil
}

func (r *runner) newStage(key, name string) tracker.Stage {
	return tracker.Stage{Key: key, Name: name, RunID: r.runID, Started: r.now(),
		Outputs: map[string]tracker.ID{}, Metrics: map[string]float64{}, Attrs: map[string]string{}}
}

// computeStage computes and stores a stage on this walker; cached reports a
// dataset that was already stored (credited to the run that rendered it).
func (r *runner) computeStage(ctx context.Context, key, name string, inputs any, compute stageFunc) (tracker.Stage, bool, error) {
	resetErr := memstat.Reset() // so the peak is this stage's (process-wide: concurrent stages blur it)
	return r.finishStage(ctx, key, name, inputs, resetErr, compute)
}

func (r *runner) finishStage(ctx context.Context, key, name string, inputs any, resetErr error, compute stageFunc) (tracker.Stage, bool, error) {
	s := r.newStage(key, name)
	if err := compute(ctx, &s); err != nil {
		return tracker.Stage{}, false, err
	}
	reused := s.Attrs[attrReusedDataset] == "true" && r.creditDataset(ctx, &s)
	if err := r.putStage(ctx, &s, inputs, resetErr); err != nil {
		return tracker.Stage{}, false, err
	}
	return s, reused, nil
}

// putStage stamps and stores a computed stage.
func (r *runner) putStage(ctx context.Context, s *tracker.Stage, inputs any, resetErr error) error {
	recordPeakRSS(s, resetErr)
	if in, err := json.Marshal(inputs); err == nil {
		s.Attrs[attrStageInputs] = string(in) // what verify shows where results start to differ
	}
	s.Status, s.Ended = "done", r.now()
	if err := r.st.PutStage(context.WithoutCancel(ctx), *s); err != nil {
		return fmt.Errorf("record: %w", err)
	}
	return nil
}
