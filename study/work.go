package study

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
)

// Work spreads a study over walkers: goroutines of one process, or processes
// on many machines, each calling Run with the same Config and objective. The
// experiments runner implements it over the database's work queue.
//
// Names are unique within one Run's study; a walker that calls Map or Once
// with a name another walker already finished gets the stored results
// without computing anything.
type Work interface {
	// Map computes compute(ctx, i) for every i in [0, n) on whichever walkers
	// call Map with this name, each i at least once (again only when the
	// walker computing it died), and returns every result, in order, to every
	// caller. compute must be a function of i and of what is stored, so that
	// a recomputation gives the same bytes.
	Map(ctx context.Context, name, kind string, n int, compute func(ctx context.Context, i int) ([]byte, error)) ([][]byte, error)
	// Once runs fn on one walker of those calling Once with this name (on
	// another if that one dies: attempt counts the tries, from 1) and
	// returns its result to every caller.
	Once(ctx context.Context, name, kind string, fn func(ctx context.Context, attempt int) ([]byte, error)) ([]byte, error)
	// Unfinished reports whether a Once of name was begun and is not done:
	// its walker died, or is still at it.
	Unfinished(ctx context.Context, name string) (bool, error)
}

// bulkAdder is the tracker's one-commit insert of finished trials.
type bulkAdder interface {
	AddFinishedTrials(studyID int, trials []goptuna.FrozenTrial) ([]int, error)
}

// slotResult is a slot's outcome as a work item stores it.
type slotResult struct {
	Value float64           `json:"value"`
	Attrs map[string]string `json:"attrs,omitempty"`
}

// openShared opens the study on one walker and finds it on the others.
func openShared(ctx context.Context, storage goptuna.Storage, cfg Config, space Space) (int, error) {
	out, err := cfg.Work.Once(ctx, "open", "study-open", func(ctx context.Context, _ int) ([]byte, error) {
		id, err := openStudy(storage, cfg, space)
		if err != nil {
			return nil, err
		}
		// Trials left RUNNING by the non-shared Run of a dead process.
		trials, err := storage.GetAllTrials(id)
		if err != nil {
			return nil, fmt.Errorf("read trials of study %q: %w", cfg.Study, err)
		}
		for _, t := range trials {
			if !t.State.IsFinished() {
				if err := failTrial(storage, t.ID, "abandoned: found RUNNING when the study was resumed"); err != nil {
					return nil, err
				}
			}
		}
		return []byte(strconv.Itoa(id)), nil
	})
	if err != nil {
		return 0, err
	}
	id, err := strconv.Atoi(string(out))
	if err != nil {
		return 0, fmt.Errorf("open study %q: stored study id %q: %w", cfg.Study, out, err)
	}
	return id, nil
}

// runShared is run for Config.Work: each batch's slots are work items
// (Map), and the batch's trials are written by one exclusive commit in slot
// order (Once), so the stored trials do not depend on which walker computed
// which slot, or on how many walkers there were.
func (r *runner) runShared(ctx context.Context, sum *Summary) error {
	led, err := r.openLedger()
	if err != nil {
		return err
	}
	r.led = led
	inv := &led.inv
	r.best = math.Inf(1)
	for slot, t := range inv.complete {
		if slot < r.cfg.Trials {
			r.completed++
			r.best = math.Min(r.best, t.Value)
		}
	}
	sum.Reused = r.completed
	for start := 0; start < r.cfg.Trials; start += r.cfg.BatchSize {
		end := min(start+r.cfg.BatchSize, r.cfg.Trials)
		if r.batchComplete(start, end) {
			if err := r.settleCommit(ctx, start, end); err != nil {
				return err
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		history, err := led.history(start)
		if err != nil {
			return err
		}
		propose, err := r.smp.batch(history)
		if err != nil {
			return fmt.Errorf("sample batch at slot %d: %w", start, err)
		}
		plans := make([]plan, 0, end-start)
		for slot := start; slot < end; slot++ {
			seed := TrialSeed(r.cfg.Seed, slot)
			p, err := propose(seed)
			if err != nil {
				return fmt.Errorf("sample slot %d: %w", slot, err)
			}
			plans = append(plans, plan{slot: slot, seed: seed, proposal: p})
		}
		name := fmt.Sprintf("batch-%d", start)
		outs, err := r.cfg.Work.Map(ctx, name, "trial-slot", len(plans), func(ctx context.Context, i int) ([]byte, error) {
			return r.evalSlot(ctx, plans[i])
		})
		if err != nil {
			return err
		}
		results := make([]slotResult, len(outs))
		for i, b := range outs {
			if err := json.Unmarshal(b, &results[i]); err != nil {
				return fmt.Errorf("slot %d: stored outcome: %w", plans[i].slot, err)
			}
		}
		ids, err := r.cfg.Work.Once(ctx, "commit-"+strconv.Itoa(start), "batch-commit", func(ctx context.Context, attempt int) ([]byte, error) {
			return r.commitBatch(plans, results, attempt)
		})
		if err != nil {
			return err
		}
		var trialIDs []int
		if err := json.Unmarshal(ids, &trialIDs); err != nil || len(trialIDs) != len(plans) {
			return fmt.Errorf("batch at slot %d: stored commit %q does not list %d trial ids (%v)", start, ids, len(plans), err)
		}
		// Every walker holds what the commit wrote (the plans and the slots'
		// outcomes); only the trial ids come from the committer, so learning
		// the batch costs no reads.
		for i, p := range plans {
			if prev, ok := inv.complete[p.slot]; ok {
				if prev.ID != trialIDs[i] {
					return fmt.Errorf("%w: study %q: slot %d is COMPLETE as trial ids %d and %d", ErrCorruptStudy, r.cfg.Study, p.slot, prev.ID, trialIDs[i])
				}
				continue
			}
			t := finishedTrial(r.studyID, r.space, p, results[i])
			t.ID = trialIDs[i]
			if err := led.add(t); err != nil {
				return err
			}
		}
		for i, p := range plans {
			if _, ok := inv.complete[p.slot]; !ok {
				return fmt.Errorf("%w: study %q: slot %d is not COMPLETE after its batch was committed", ErrCorruptStudy, r.cfg.Study, p.slot)
			}
			r.ran++
			r.completed++
			r.best = math.Min(r.best, results[i].Value)
			if r.cfg.Progress != nil {
				r.cfg.Progress(Progress{Study: r.cfg.Study, Slot: p.slot, Value: results[i].Value,
					Completed: r.completed, Total: r.cfg.Trials, Best: r.best})
			}
		}
		sum.Ran = r.ran
	}
	return nil
}

// settleCommit finishes the commit item of a batch this walker found
// complete when it started, if that item is unfinished: its committer wrote
// the trials and died before it could record the commit as done. Without
// this the item would stay unfinished after the run, and its result (the
// batch's trial ids) would be missing from what the run stores, which an
// uninterrupted run stores.
func (r *runner) settleCommit(ctx context.Context, start, end int) error {
	name := "commit-" + strconv.Itoa(start)
	open, err := r.cfg.Work.Unfinished(ctx, name)
	if err != nil || !open {
		return err
	}
	ids := make([]int, 0, end-start)
	for slot := start; slot < end; slot++ {
		ids = append(ids, r.led.inv.complete[slot].ID)
	}
	want, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	got, err := r.cfg.Work.Once(ctx, name, "batch-commit", func(context.Context, int) ([]byte, error) { return want, nil })
	if err != nil {
		return err
	}
	if string(got) != string(want) {
		return fmt.Errorf("%w: study %q: the commit of the batch at slot %d lists trial ids %s, the study holds %s", ErrCorruptStudy, r.cfg.Study, start, got, want)
	}
	return nil
}

func (r *runner) batchComplete(start, end int) bool {
	for slot := start; slot < end; slot++ {
		if _, ok := r.led.inv.complete[slot]; !ok {
			return false
		}
	}
	return true
}

// evalSlot returns the outcome of a slot: the stored one when this walker
// already knows the slot COMPLETE (a study extended or resumed mid-batch),
// otherwise the objective's.
func (r *runner) evalSlot(ctx context.Context, p plan) ([]byte, error) {
	if t, ok := r.led.inv.complete[p.slot]; ok {
		return json.Marshal(slotResult{Value: t.Value, Attrs: maps.Clone(t.UserAttrs)})
	}
	res := r.call(ctx, ticket{plan: p})
	if res.err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("slot %d: %w (%w)", p.slot, ctx.Err(), res.err)
		}
		return nil, fmt.Errorf("slot %d: %w: %w", p.slot, ErrObjective, res.err)
	}
	b, err := json.Marshal(slotResult{Value: res.out.Value, Attrs: res.out.Attrs})
	if err != nil {
		return nil, fmt.Errorf("slot %d: encode outcome: %w", p.slot, err)
	}
	return b, nil
}

// commitBatch writes the batch's missing trials, COMPLETE, in slot order and
// in one commit where the storage offers one (AddFinishedTrials), and
// returns the ids of the batch's COMPLETE trials as JSON. A later attempt
// (the first committer died) reads the study again first, since the dead
// committer may have written some or all of them.
func (r *runner) commitBatch(plans []plan, results []slotResult, attempt int) ([]byte, error) {
	complete := r.led.inv.complete
	if attempt > 1 {
		trials, err := r.st.GetAllTrials(r.studyID)
		if err != nil {
			return nil, fmt.Errorf("read trials: %w", err)
		}
		inv, err := takeInventory(r.cfg.Study, trials)
		if err != nil {
			return nil, err
		}
		complete = inv.complete
	}
	ids := make([]int, len(plans))
	var add []goptuna.FrozenTrial
	var at []int
	for i, p := range plans {
		if t, ok := complete[p.slot]; ok {
			ids[i] = t.ID
			continue
		}
		add = append(add, finishedTrial(r.studyID, r.space, p, results[i]))
		at = append(at, i)
	}
	if len(add) > 0 {
		got, err := r.addFinished(add)
		if err != nil {
			return nil, err
		}
		for k, i := range at {
			ids[i] = got[k]
		}
	}
	return json.Marshal(ids)
}

// addFinished stores trials in order, in one commit when the storage can.
func (r *runner) addFinished(trials []goptuna.FrozenTrial) ([]int, error) {
	if b, ok := r.st.(bulkAdder); ok {
		ids, err := b.AddFinishedTrials(r.studyID, trials)
		if err != nil {
			return nil, fmt.Errorf("store batch at slot %s: %w", trials[0].SystemAttrs[AttrSlot], err)
		}
		return ids, nil
	}
	ids := make([]int, len(trials))
	for i, t := range trials {
		id, err := r.st.CloneTrial(r.studyID, t)
		if err != nil {
			return nil, fmt.Errorf("store slot %s: %w", t.SystemAttrs[AttrSlot], err)
		}
		ids[i] = id
	}
	return ids, nil
}

// finishedTrial is slot p's COMPLETE trial: what createTrial and
// completeTrial write, in one record.
func finishedTrial(studyID int, space Space, p plan, res slotResult) goptuna.FrozenTrial {
	sys := maps.Clone(p.attrs)
	if sys == nil {
		sys = map[string]string{}
	}
	sys[AttrSlot] = strconv.Itoa(p.slot)
	sys[AttrSeed] = strconv.FormatInt(p.seed, 10)
	user := maps.Clone(res.Attrs)
	if user == nil {
		user = map[string]string{}
	}
	now := time.Now()
	return goptuna.FrozenTrial{
		ID:                 -1,
		StudyID:            studyID,
		Number:             -1,
		State:              goptuna.TrialStateComplete,
		Value:              res.Value,
		IntermediateValues: map[int]float64{},
		DatetimeStart:      now,
		DatetimeComplete:   now,
		InternalParams:     maps.Clone(p.params),
		Params:             space.externalParams(p.params),
		Distributions:      space.Distributions(),
		UserAttrs:          user,
		SystemAttrs:        sys,
	}
}
