package study

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"

	"github.com/c-bata/goptuna"
)

// Config says which study to run and how. Study, Sampler, Seed, BatchSize and
// the Space fix the stored trials; Trials only says how many slots the study
// should hold when Run returns, and Workers only how many objectives run at
// once.
type Config struct {
	Study     string            // study name, unique in the storage
	Sampler   string            // "tpe", "cmaes" or "random"
	Seed      int64             // study seed; trial seeds derive from it by name
	Trials    int               // slots 0..Trials-1 to complete (>= 0)
	BatchSize int               // slots sampled together from earlier batches only (>= 1)
	Workers   int               // objectives evaluated at once; 0 means GOMAXPROCS
	UserAttrs map[string]string // study user attributes (docs/DATA.md), written on every Run
	// Progress, when set, is called after each trial is stored as COMPLETE, in
	// slot order, from one goroutine at a time.
	Progress func(Progress)
	// Work, when set, spreads the study over the walkers sharing it (see
	// Work): slots are computed as work items and each batch's trials are
	// written in one commit. Workers is then unused (Work decides the
	// parallelism), the objective's TrialInput.TrialID is 0 (the trial is
	// stored after it returns), and a failed objective stores no FAIL trial.
	Work Work
}

// Progress reports one completed trial.
type Progress struct {
	Study     string
	Slot      int
	Value     float64
	Completed int     // slots in [0, Trials) now COMPLETE, including resumed ones
	Total     int     // Config.Trials
	Best      float64 // lowest value among the completed slots
}

func (c Config) validate() error {
	var errs []error
	if c.Study == "" {
		errs = append(errs, errors.New("study name is empty"))
	}
	if err := CheckSampler(c.Sampler); err != nil {
		errs = append(errs, err)
	}
	if c.Trials < 0 {
		errs = append(errs, fmt.Errorf("trials %d is negative", c.Trials))
	}
	if c.BatchSize < 1 {
		errs = append(errs, fmt.Errorf("batch size %d must be at least 1", c.BatchSize))
	}
	if c.Workers < 0 {
		errs = append(errs, fmt.Errorf("workers %d is negative; use 0 for GOMAXPROCS", c.Workers))
	}
	written := map[string]string{attrSampler: c.Sampler, AttrSeed: strconv.FormatInt(c.Seed, 10)}
	for _, k := range slices.Sorted(maps.Keys(written)) {
		if v, ok := c.UserAttrs[k]; ok && v != written[k] {
			errs = append(errs, fmt.Errorf("user attribute %s = %q contradicts the config (%q); leave it out, Run writes it", k, v, written[k]))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	return nil
}

// TrialInput is what the objective gets for one trial.
type TrialInput struct {
	Slot    int            // logical trial index (cgx.slot), 0-based
	TrialID int            // storage id of this attempt
	Params  map[string]any // float64, int or string per parameter; the objective's own copy
	Seed    int64          // for the objective's own randomness; ObjectiveSeed(TrialSeed(study seed, Slot))
}

// Outcome is what the objective returns: the loss to minimise (finite) and
// attributes stored as trial user attributes.
type Outcome struct {
	Value float64
	Attrs map[string]string
}

// Objective evaluates one trial. It runs on up to Config.Workers goroutines at
// once, must honour ctx (return soon after it is cancelled), and should be a
// function of its input alone so that reruns store the same trials.
type Objective func(ctx context.Context, in TrialInput) (Outcome, error)

// plan is one slot of a batch, sampled and ready to store.
type plan struct {
	slot int
	seed int64
	proposal
}

// Run completes slots 0..cfg.Trials-1 of the study cfg.Study in storage,
// creating it if needed and otherwise resuming it: COMPLETE slots are kept,
// trials left RUNNING are marked FAIL (cgx.error says why) and every slot
// without a COMPLETE trial is evaluated, with the same seed as the first time.
// The stored trials per slot do not depend on cfg.Workers, on GOMAXPROCS or
// on how often the study was interrupted.
//
// On cancellation Run stops dispatching, waits for the running objectives,
// stores those that succeeded, marks the others FAIL and returns an error
// wrapping ctx.Err(). An objective error (or panic, or non-finite value)
// marks its trial FAIL and, once the running trials are stored, ends Run
// with an error wrapping ErrObjective. The Summary describes the study as
// stored when Run returns, also on error.
func Run(ctx context.Context, storage goptuna.Storage, cfg Config, space Space, obj Objective) (Summary, error) {
	sum := Summary{Study: cfg.Study}
	if err := cfg.validate(); err != nil {
		return sum, err
	}
	if space.Len() == 0 {
		return sum, fmt.Errorf("%w: no parameters; build the space with NewSpace", ErrInvalidSpace)
	}
	if obj == nil {
		return sum, fmt.Errorf("%w: objective is nil", ErrInvalidConfig)
	}
	if cfg.Workers == 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	smp, err := newSampler(cfg.Sampler, space)
	if err != nil {
		return sum, err
	}
	var id int
	if cfg.Work != nil {
		id, err = openShared(ctx, storage, cfg, space)
	} else {
		id, err = openStudy(storage, cfg, space)
	}
	if err != nil {
		return sum, err
	}
	r := &runner{st: storage, studyID: id, cfg: cfg, space: space, obj: obj, smp: smp}
	if cfg.Work != nil {
		err = r.runShared(ctx, &sum)
	} else {
		err = r.run(ctx, &sum)
	}
	if serr := r.summarize(&sum); serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return sum, fmt.Errorf("run study %q: %w", cfg.Study, err)
	}
	return sum, nil
}

type runner struct {
	st      goptuna.Storage
	studyID int
	cfg     Config
	space   Space
	obj     Objective
	smp     sampler
	led     *ledger // the study as read once and kept up to date

	completed int     // slots in [0, Trials) COMPLETE so far
	best      float64 // lowest value among them
	ran       int
}

func (r *runner) inventory() (inventory, error) {
	trials, err := r.st.GetAllTrials(r.studyID)
	if err != nil {
		return inventory{}, fmt.Errorf("read trials: %w", err)
	}
	return takeInventory(r.cfg.Study, trials)
}

// openLedger reads the whole study once; later batches read only what Run
// stores (ledger).
func (r *runner) openLedger() (*ledger, error) {
	trials, err := r.st.GetAllTrials(r.studyID)
	if err != nil {
		return nil, fmt.Errorf("read trials: %w", err)
	}
	return newLedger(r.cfg.Study, r.space, trials)
}

func (r *runner) run(ctx context.Context, sum *Summary) error {
	led, err := r.openLedger()
	if err != nil {
		return err
	}
	r.led = led
	inv := &led.inv
	for _, id := range inv.stale {
		if err := failTrial(r.st, id, "abandoned: found RUNNING when the study was resumed"); err != nil {
			return err
		}
	}
	sum.Abandoned = len(inv.stale)
	r.best = math.Inf(1)
	for slot, t := range inv.complete {
		if slot < r.cfg.Trials {
			r.completed++
			r.best = math.Min(r.best, t.Value)
		}
	}
	sum.Reused = r.completed
	for start := 0; start < r.cfg.Trials; start += r.cfg.BatchSize {
		if err := led.catchUp(r.st); err != nil {
			return err
		}
		var missing []int
		for slot := start; slot < min(start+r.cfg.BatchSize, r.cfg.Trials); slot++ {
			if _, ok := inv.complete[slot]; !ok {
				missing = append(missing, slot)
			}
		}
		if len(missing) == 0 {
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
		// Propose every slot of the batch in order (a proposal may depend on
		// the earlier ones of its batch), then keep the missing ones.
		plans := make([]plan, 0, len(missing))
		for slot := start; slot <= missing[len(missing)-1]; slot++ {
			seed := TrialSeed(r.cfg.Seed, slot)
			p, err := propose(seed)
			if err != nil {
				return fmt.Errorf("sample slot %d: %w", slot, err)
			}
			if _, done := inv.complete[slot]; !done {
				plans = append(plans, plan{slot: slot, seed: seed, proposal: p})
			}
		}
		err = r.runBatch(ctx, plans)
		sum.Ran = r.ran
		if err != nil {
			return err
		}
	}
	return nil
}

// batchFinisher is a storage that finishes several RUNNING trials in one
// durable commit (both tracker backends' Store): each given trial names the trial
// by ID with its finished State, Value and user attributes.
type batchFinisher interface {
	FinishTrials(done []goptuna.FrozenTrial) error
}

// ticket is one dispatched trial; done receives its result.
type ticket struct {
	plan
	trialID int
	done    chan result
}

type result struct {
	out Outcome
	err error
}

// runBatch creates the trials of plans in slot order as workers free up,
// evaluates them concurrently and stores their results in slot order.
func (r *runner) runBatch(ctx context.Context, plans []plan) error {
	tickets := make(chan ticket, len(plans))
	var stop atomic.Bool
	collected := make(chan error, 1)
	go func() { collected <- r.collect(ctx, tickets, &stop) }()

	sem := make(chan struct{}, r.cfg.Workers)
	var dispatchErr error
dispatch:
	for _, p := range plans {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			break dispatch
		}
		if ctx.Err() != nil || stop.Load() {
			<-sem
			break
		}
		id, err := createTrial(r.st, r.studyID, r.space, p)
		if err != nil {
			<-sem
			dispatchErr = err
			break
		}
		t := ticket{plan: p, trialID: id, done: make(chan result, 1)}
		tickets <- t
		go func() {
			defer func() { <-sem }()
			t.done <- r.call(ctx, t)
		}()
	}
	close(tickets)
	collectErr := <-collected
	switch {
	case dispatchErr != nil:
		return dispatchErr
	case collectErr != nil:
		return collectErr
	}
	return ctx.Err()
}

// call runs the objective for t, turning a panic or a non-finite value into
// an error and copying the attributes it returns.
func (r *runner) call(ctx context.Context, t ticket) (res result) {
	defer func() {
		if p := recover(); p != nil {
			res = result{err: fmt.Errorf("panic: %v", p)}
		}
	}()
	in := TrialInput{Slot: t.slot, TrialID: t.trialID, Params: r.space.externalParams(t.params), Seed: ObjectiveSeed(t.seed)}
	out, err := r.obj(ctx, in)
	if err != nil {
		return result{err: err}
	}
	if math.IsNaN(out.Value) || math.IsInf(out.Value, 0) {
		return result{err: fmt.Errorf("%w: %v (clamp the loss to a finite number)", ErrBadValue, out.Value)}
	}
	out.Attrs = maps.Clone(out.Attrs)
	return result{out: out}
}

// collect stores results in slot order. It sets stop at the first objective
// or storage error and returns that error.
func (r *runner) collect(ctx context.Context, tickets <-chan ticket, stop *atomic.Bool) error {
	var first error
	keep := func(err error) {
		if first == nil {
			first = err
		}
		stop.Store(true)
	}
	stored := func(t ticket, out Outcome) {
		r.led.stored(t.trialID)
		r.ran++
		r.completed++
		r.best = math.Min(r.best, out.Value)
		if r.cfg.Progress != nil {
			r.cfg.Progress(Progress{Study: r.cfg.Study, Slot: t.slot, Value: out.Value,
				Completed: r.completed, Total: r.cfg.Trials, Best: r.best})
		}
	}
	// A storage that finishes several trials in one commit gets the
	// batch's successes together (one durable sync, not one per trial),
	// still before any later failure is stored and before Progress.
	fin, grouped := r.st.(batchFinisher)
	var pending []ticket
	var outs []Outcome
	flush := func() {
		if len(pending) == 0 {
			return
		}
		done := make([]goptuna.FrozenTrial, len(pending))
		for i, t := range pending {
			done[i] = goptuna.FrozenTrial{ID: t.trialID, State: goptuna.TrialStateComplete, Value: outs[i].Value, UserAttrs: outs[i].Attrs}
		}
		if err := fin.FinishTrials(done); err != nil {
			keep(fmt.Errorf("complete slots %d-%d: %w", pending[0].slot, pending[len(pending)-1].slot, err))
		} else {
			for i, t := range pending {
				stored(t, outs[i])
			}
		}
		pending, outs = pending[:0], outs[:0]
	}
	for t := range tickets {
		res := <-t.done
		if res.err == nil && grouped {
			pending, outs = append(pending, t), append(outs, res.out)
			continue
		}
		if res.err == nil {
			if err := completeTrial(r.st, t.trialID, t.slot, res.out); err != nil {
				keep(err)
				continue
			}
			stored(t, res.out)
			continue
		}
		flush()
		reason := "objective: " + res.err.Error()
		if ctx.Err() != nil {
			reason = "cancelled: " + res.err.Error()
		}
		if err := failTrial(r.st, t.trialID, reason); err != nil {
			keep(err)
			continue
		}
		if ctx.Err() == nil {
			keep(fmt.Errorf("slot %d: %w: %w", t.slot, ErrObjective, res.err))
		}
	}
	flush()
	return first
}
