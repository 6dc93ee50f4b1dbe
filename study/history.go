package study

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"

	"github.com/c-bata/goptuna"
)

// ledger is Run's view of its study, read from the storage once and then kept
// up to date incrementally: a finished trial never changes, and Run is the
// study's only writer, so after the first full read only the trials that Run
// itself completed need reading (each once, with GetTrial). The samplers see
// exactly what a full re-read would give them (the same COMPLETE trials, as
// stored, in slot order), at a cost per batch that does not grow with the
// study.
type ledger struct {
	name  string
	space Space
	inv   inventory

	obs     []observation // converted COMPLETE trials, in slot order; append-only
	pending []int         // COMPLETE slots not yet in obs, ascending
	fresh   []int         // ids of trials Run stored since the last catch-up
}

// newLedger takes the inventory of a full read of the study.
func newLedger(name string, space Space, trials []goptuna.FrozenTrial) (*ledger, error) {
	inv, err := takeInventory(name, trials)
	if err != nil {
		return nil, err
	}
	return &ledger{name: name, space: space, inv: inv, pending: slices.Sorted(maps.Keys(inv.complete))}, nil
}

// stored notes that Run wrote trial id (COMPLETE or FAIL); it is read at the
// next catch-up.
func (l *ledger) stored(id int) { l.fresh = append(l.fresh, id) }

// catchUp reads the trials noted by stored, in the order they were stored,
// and adds them to the inventory with the checks takeInventory makes.
func (l *ledger) catchUp(st goptuna.Storage) error {
	for _, id := range l.fresh {
		t, err := st.GetTrial(id)
		if err != nil {
			return fmt.Errorf("read trial id %d: %w", id, err)
		}
		if err := l.add(t); err != nil {
			return err
		}
	}
	l.fresh = l.fresh[:0]
	return nil
}

// add puts one finished trial into the inventory.
func (l *ledger) add(t goptuna.FrozenTrial) error {
	switch {
	case !t.State.IsFinished():
		return nil // only finished trials are noted; a RUNNING one is not history
	case t.State != goptuna.TrialStateComplete:
		l.inv.failed++
		return nil
	}
	slot, ok := slotOf(t)
	if !ok {
		return fmt.Errorf("%w: study %q: complete trial number %d has no valid %s attribute, "+
			"so study.Run did not make it", ErrCorruptStudy, l.name, t.Number, AttrSlot)
	}
	if prev, dup := l.inv.complete[slot]; dup {
		return fmt.Errorf("%w: study %q: trials number %d and %d both complete slot %d",
			ErrCorruptStudy, l.name, prev.Number, t.Number, slot)
	}
	l.inv.complete[slot] = t
	i := sort.SearchInts(l.pending, slot)
	l.pending = slices.Insert(l.pending, i, slot)
	return nil
}

// history returns the COMPLETE trials with slot < before, in slot order, as
// samplers see them. before must not decrease between calls (Run walks the
// batches in order), which keeps obs append-only: every slot converted so far
// is below the previous before. The result is shared with later calls and
// must not be modified (samplers only read it).
func (l *ledger) history(before int) ([]observation, error) {
	n := 0
	for n < len(l.pending) && l.pending[n] < before {
		slot := l.pending[n]
		if len(l.obs) > 0 && l.obs[len(l.obs)-1].slot >= slot {
			return nil, fmt.Errorf("study %q: history asked out of order at slot %d", l.name, slot)
		}
		o, err := observe(l.name, l.space, slot, l.inv.complete[slot])
		if err != nil {
			return nil, err
		}
		l.obs = append(l.obs, o)
		n++
	}
	l.pending = l.pending[n:]
	return l.obs[:len(l.obs):len(l.obs)], nil
}

// observe converts slot's COMPLETE trial to what samplers read.
func observe(name string, space Space, slot int, t goptuna.FrozenTrial) (observation, error) {
	o := observation{slot: slot, value: t.Value, params: make(map[string]float64, space.Len()), generation: -1}
	for _, p := range space.params {
		v, ok := t.InternalParams[p.Name]
		if !ok {
			return o, fmt.Errorf("%w: study %q: slot %d lacks parameter %q", ErrCorruptStudy, name, slot, p.Name)
		}
		o.params[p.Name] = v
	}
	if g, ok := t.SystemAttrs[attrGeneration]; ok {
		n, err := strconv.Atoi(g)
		if err != nil {
			return o, fmt.Errorf("%w: study %q: slot %d has %s = %q", ErrCorruptStudy, name, slot, attrGeneration, g)
		}
		o.generation = n
	}
	return o, nil
}
