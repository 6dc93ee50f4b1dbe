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
//
// The commit of a batch runs in the background while the walkers compute
// the next batch: every walker holds what the commit writes (the plans and
// the slots' outcomes), so it adds the batch to its history as soon as the
// slots are done, and samplers read no trial ids. Only the ids come from
// the committer, and a walker waits for them (joins the commit) before it
// starts the next commit, so commits stay in batch order. Without this the
// commit is a serial step in every batch that other walkers can only wait
// out.
func (r *runner) runShared(ctx context.Context, sum *Summary) (err error) {
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
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var pending *commitJob
	defer func() {
		// Returning early: stop the commit in flight and wait for it, so
		// that nothing writes after Run returns.
		if pending != nil {
			cancel(err)
			<-pending.done
		}
	}()
	join := func() error {
		if pending == nil {
			return nil
		}
		<-pending.done
		c := pending
		pending = nil
		if c.err != nil {
			return c.err
		}
		if err := r.settleBatch(c); err != nil {
			return err
		}
		sum.Ran = r.ran
		return nil
	}
	for start := 0; start < r.cfg.Trials; start += r.cfg.BatchSize {
		end := min(start+r.cfg.BatchSize, r.cfg.Trials)
		if r.batchComplete(start, end) {
			if err := join(); err != nil {
				return err
			}
			if err := r.settleCommit(ctx, start, end); err != nil {
				return err
			}
			continue
		}
		if err := ctx.Err(); err != nil {
			return context.Cause(ctx)
		}
		plans, err := r.planBatch(start, end)
		if err != nil {
			return err
		}
		outs, mapErr := r.cfg.Work.Map(ctx, fmt.Sprintf("batch-%d", start), "trial-slot", len(plans), func(ctx context.Context, i int) ([]byte, error) {
			return r.evalSlot(ctx, plans[i])
		})
		if err := join(); err != nil {
			return err // a failed commit is also why a cancelled Map failed
		}
		if mapErr != nil {
			return mapErr
		}
		results := make([]slotResult, len(outs))
		for i, b := range outs {
			if err := json.Unmarshal(b, &results[i]); err != nil {
				return fmt.Errorf("slot %d: stored outcome: %w", plans[i].slot, err)
			}
		}
		if pending, err = r.startCommit(ctx, cancel, start, plans, results); err != nil {
			return err
		}
	}
	return join()
}

// planBatch proposes the slots [start, end) from the history before start.
func (r *runner) planBatch(start, end int) ([]plan, error) {
	history, err := r.led.history(start)
	if err != nil {
		return nil, err
	}
	propose, err := r.smp.batch(history)
	if err != nil {
		return nil, fmt.Errorf("sample batch at slot %d: %w", start, err)
	}
	plans := make([]plan, 0, end-start)
	for slot := start; slot < end; slot++ {
		seed := TrialSeed(r.cfg.Seed, slot)
		p, err := propose(seed)
		if err != nil {
			return nil, fmt.Errorf("sample slot %d: %w", slot, err)
		}
		plans = append(plans, plan{slot: slot, seed: seed, proposal: p})
	}
	return plans, nil
}

// startCommit adds the batch's trials to the history, their ids to follow,
// and starts its commit in the background; a failed commit cancels ctx
// with its error.
func (r *runner) startCommit(ctx context.Context, cancel context.CancelCauseFunc, start int, plans []plan, results []slotResult) (*commitJob, error) {
	c := &commitJob{start: start, plans: plans, results: results, known: map[int]int{}, done: make(chan struct{})}
	complete := r.led.inv.complete
	for i, p := range plans {
		if t, ok := complete[p.slot]; ok {
			c.known[p.slot] = t.ID // stored before this walker started (a resumed batch)
			continue
		}
		if err := r.led.add(finishedTrial(r.studyID, r.space, p, results[i])); err != nil {
			return nil, err
		}
	}
	go func() {
		defer close(c.done)
		c.ids, c.err = r.commit(ctx, c)
		if c.err != nil {
			cancel(c.err)
		}
	}()
	return c, nil
}

// commitJob is a batch's commit, run in the background (runShared).
type commitJob struct {
	start   int
	plans   []plan
	results []slotResult
	known   map[int]int // trial ids of the batch's slots stored before the batch ran, by slot
	done    chan struct{}
	ids     []int // the batch's trial ids in slot order, once done
	err     error
}

// commit runs the batch's commit item and returns its trial ids.
func (r *runner) commit(ctx context.Context, c *commitJob) ([]int, error) {
	out, err := r.cfg.Work.Once(ctx, "commit-"+strconv.Itoa(c.start), "batch-commit", func(ctx context.Context, attempt int) ([]byte, error) {
		return r.commitBatch(c.plans, c.results, c.known, attempt)
	})
	if err != nil {
		return nil, err
	}
	var ids []int
	if err := json.Unmarshal(out, &ids); err != nil || len(ids) != len(c.plans) {
		return nil, fmt.Errorf("batch at slot %d: stored commit %q does not list %d trial ids (%v)", c.start, out, len(c.plans), err)
	}
	return ids, nil
}

// settleBatch gives the batch's trials in the ledger the ids its commit
// returned, and counts them.
func (r *runner) settleBatch(c *commitJob) error {
	complete := r.led.inv.complete
	for i, p := range c.plans {
		t, ok := complete[p.slot]
		if !ok {
			return fmt.Errorf("%w: study %q: slot %d is not COMPLETE after its batch was committed", ErrCorruptStudy, r.cfg.Study, p.slot)
		}
		if id, stored := c.known[p.slot]; stored {
			if id != c.ids[i] {
				return fmt.Errorf("%w: study %q: slot %d is COMPLETE as trial ids %d and %d", ErrCorruptStudy, r.cfg.Study, p.slot, id, c.ids[i])
			}
			continue
		}
		t.ID = c.ids[i]
		complete[p.slot] = t
	}
	for i, p := range c.plans {
		if _, stored := c.known[p.slot]; stored {
			continue
		}
		r.ran++
		r.completed++
		r.best = math.Min(r.best, c.results[i].Value)
		if r.cfg.Progress != nil {
			r.cfg.Progress(Progress{Study: r.cfg.Study, Slot: p.slot, Value: c.results[i].Value,
				Completed: r.completed, Total: r.cfg.Trials, Best: r.best})
		}
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
// returns the ids of the batch's COMPLETE trials as JSON. known holds the
// ids of the batch's trials the walker found stored when it started; a
// later attempt (the first committer died) reads the study again instead,
// since the dead committer may have written some or all of them.
func (r *runner) commitBatch(plans []plan, results []slotResult, known map[int]int, attempt int) ([]byte, error) {
	if attempt > 1 {
		trials, err := r.st.GetAllTrials(r.studyID)
		if err != nil {
			return nil, fmt.Errorf("read trials: %w", err)
		}
		inv, err := takeInventory(r.cfg.Study, trials)
		if err != nil {
			return nil, err
		}
		known = map[int]int{}
		for slot, t := range inv.complete {
			known[slot] = t.ID
		}
	}
	ids := make([]int, len(plans))
	var add []goptuna.FrozenTrial
	var at []int
	for i, p := range plans {
		if id, ok := known[p.slot]; ok {
			ids[i] = id
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
