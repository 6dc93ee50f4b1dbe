package study

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/c-bata/goptuna"
)

// Summary describes a study as stored when Run returned.
type Summary struct {
	StudyID   int
	Study     string
	Trials    int    // slots in [0, Config.Trials) holding a COMPLETE trial
	Ran       int    // of those, completed by this call
	Reused    int    // of those, already COMPLETE when this call began
	Abandoned int    // RUNNING trials found at the start and marked FAIL
	Failed    int    // FAIL or PRUNED trials in the study, every attempt so far
	Best      Result // lowest value among the counted slots; zero when Trials == 0
}

// Result is one COMPLETE trial, copied out of the storage.
type Result struct {
	Slot    int
	Number  int // goptuna trial number (shifted by failed attempts)
	TrialID int
	Seed    int64 // trial seed (cgx.seed)
	Value   float64
	Params  map[string]any    // external values: float64, int or string
	Attrs   map[string]string // trial user attributes (the objective's)
}

func newResult(slot int, t goptuna.FrozenTrial) Result {
	seed, _ := strconv.ParseInt(t.SystemAttrs[AttrSeed], 10, 64)
	return Result{Slot: slot, Number: t.Number, TrialID: t.ID, Seed: seed, Value: t.Value,
		Params: maps.Clone(t.Params), Attrs: maps.Clone(t.UserAttrs)}
}

// Results returns the COMPLETE trials of the named study in slot order. It
// fails with ErrCorruptStudy where a COMPLETE trial lacks cgx.slot or two
// share one.
func Results(storage goptuna.Storage, studyName string) ([]Result, error) {
	id, err := storage.GetStudyIDFromName(studyName)
	if err != nil {
		return nil, fmt.Errorf("find study %q: %w", studyName, err)
	}
	trials, err := storage.GetAllTrials(id)
	if err != nil {
		return nil, fmt.Errorf("read trials of study %q: %w", studyName, err)
	}
	inv, err := takeInventory(studyName, trials)
	if err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(inv.complete))
	for _, slot := range slices.Sorted(maps.Keys(inv.complete)) {
		out = append(out, newResult(slot, inv.complete[slot]))
	}
	return out, nil
}

// summarize fills the stored-state fields of sum.
func (r *runner) summarize(sum *Summary) error {
	sum.StudyID = r.studyID
	inv, err := r.inventory()
	if err != nil {
		return err
	}
	sum.Failed = inv.failed
	sum.Trials, sum.Best = 0, Result{}
	best := math.Inf(1)
	for _, slot := range slices.Sorted(maps.Keys(inv.complete)) {
		if slot >= r.cfg.Trials {
			break
		}
		t := inv.complete[slot]
		sum.Trials++
		if t.Value < best {
			best, sum.Best = t.Value, newResult(slot, t)
		}
	}
	return nil
}
