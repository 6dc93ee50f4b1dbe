package study

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
)

// Attribute keys written by Run (trial and study system attributes, and the
// study user attributes of docs/DATA.md).
const (
	AttrSlot  = "cgx.slot"  // trial: logical trial index (decimal)
	AttrSeed  = "cgx.seed"  // trial: trial seed; study: study seed (decimal)
	AttrError = "cgx.error" // trial: why a FAIL trial failed

	attrFormat  = "cgx.format"  // study: version of this layout
	attrSampler = "cgx.sampler" // study: sampler name
	attrBatch   = "cgx.batch"   // study: batch size
	attrSpace   = "cgx.space"   // study: canonical JSON of the space

	formatVersion = "1"
)

// studySettings are the study system attributes that fix its results.
func studySettings(cfg Config, space Space) (map[string]string, error) {
	js, err := space.canonical()
	if err != nil {
		return nil, err
	}
	return map[string]string{
		attrFormat:  formatVersion,
		attrSampler: cfg.Sampler,
		AttrSeed:    strconv.FormatInt(cfg.Seed, 10),
		attrBatch:   strconv.Itoa(cfg.BatchSize),
		attrSpace:   js,
	}, nil
}

// openStudy finds or creates cfg.Study, checks that an existing one was made
// with the same settings, and (re)writes the study user attributes.
func openStudy(st goptuna.Storage, cfg Config, space Space) (int, error) {
	want, err := studySettings(cfg, space)
	if err != nil {
		return 0, err
	}
	id, lookupErr := st.GetStudyIDFromName(cfg.Study)
	if lookupErr != nil {
		if id, err = st.CreateNewStudy(cfg.Study); err != nil {
			return 0, fmt.Errorf("create study %q: %w (lookup said: %v)", cfg.Study, err, lookupErr)
		}
		trials, err := st.GetAllTrials(id)
		if err != nil {
			return 0, fmt.Errorf("read new study %q: %w", cfg.Study, err)
		}
		if len(trials) > 0 {
			return 0, fmt.Errorf("%w: storage gave new study %q an id that already holds %d trials "+
				"(goptuna.InMemoryStorage holds one study; use one per study)", ErrStudyMismatch, cfg.Study, len(trials))
		}
		if err := st.SetStudyDirection(id, goptuna.StudyDirectionMinimize); err != nil {
			return 0, fmt.Errorf("set direction of study %q: %w", cfg.Study, err)
		}
		if err := setStudyAttrs(st.SetStudySystemAttr, id, want); err != nil {
			return 0, fmt.Errorf("write settings of study %q: %w", cfg.Study, err)
		}
	} else if err := checkStudy(st, id, cfg.Study, want); err != nil {
		return 0, err
	}
	user := maps.Clone(cfg.UserAttrs)
	if user == nil {
		user = map[string]string{}
	}
	user[attrSampler] = cfg.Sampler
	user[AttrSeed] = strconv.FormatInt(cfg.Seed, 10)
	if err := setStudyAttrs(st.SetStudyUserAttr, id, user); err != nil {
		return 0, fmt.Errorf("write user attributes of study %q: %w", cfg.Study, err)
	}
	return id, nil
}

// checkStudy verifies that an existing study was made by Run with want.
func checkStudy(st goptuna.Storage, id int, name string, want map[string]string) error {
	dir, err := st.GetStudyDirection(id)
	if err != nil {
		return fmt.Errorf("read direction of study %q: %w", name, err)
	}
	if dir != goptuna.StudyDirectionMinimize {
		return fmt.Errorf("%w: study %q maximises; study.Run minimises, so use a new study name", ErrStudyMismatch, name)
	}
	got, err := st.GetStudySystemAttrs(id)
	if err != nil {
		return fmt.Errorf("read settings of study %q: %w", name, err)
	}
	if got[attrFormat] == "" {
		trials, err := st.GetAllTrials(id)
		if err != nil {
			return fmt.Errorf("read study %q: %w", name, err)
		}
		if len(trials) > 0 {
			return fmt.Errorf("%w: study %q holds %d trials but no %s attribute, so study.Run did not make it; use a new study name",
				ErrStudyMismatch, name, len(trials), attrFormat)
		}
		// Created by a run that died before writing its settings.
		return setStudyAttrs(st.SetStudySystemAttr, id, want)
	}
	for _, k := range slices.Sorted(maps.Keys(want)) {
		if got[k] != want[k] {
			return fmt.Errorf("%w: study %q was made with %s = %s, now asked for %s; "+
				"rerun with the original settings to resume it, or use a new study name",
				ErrStudyMismatch, name, k, got[k], want[k])
		}
	}
	return nil
}

func setStudyAttrs(set func(int, string, string) error, id int, attrs map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if err := set(id, k, attrs[k]); err != nil {
			return fmt.Errorf("set %s: %w", k, err)
		}
	}
	return nil
}

// inventory is what a study's stored trials say about its slots.
type inventory struct {
	complete map[int]goptuna.FrozenTrial // COMPLETE trial of each slot
	stale    []int                       // ids of RUNNING or WAITING trials
	failed   int                         // FAIL and PRUNED trials
}

// slotOf parses a trial's cgx.slot attribute.
func slotOf(t goptuna.FrozenTrial) (int, bool) {
	s, ok := t.SystemAttrs[AttrSlot]
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n >= 0
}

// takeInventory sorts trials by slot and checks the slot invariants.
func takeInventory(name string, trials []goptuna.FrozenTrial) (inventory, error) {
	inv := inventory{complete: make(map[int]goptuna.FrozenTrial)}
	for _, t := range trials {
		switch {
		case !t.State.IsFinished():
			inv.stale = append(inv.stale, t.ID)
		case t.State != goptuna.TrialStateComplete:
			inv.failed++
		default:
			slot, ok := slotOf(t)
			if !ok {
				return inv, fmt.Errorf("%w: study %q: complete trial number %d has no valid %s attribute, "+
					"so study.Run did not make it", ErrCorruptStudy, name, t.Number, AttrSlot)
			}
			if prev, dup := inv.complete[slot]; dup {
				return inv, fmt.Errorf("%w: study %q: trials number %d and %d both complete slot %d",
					ErrCorruptStudy, name, prev.Number, t.Number, slot)
			}
			inv.complete[slot] = t
		}
	}
	sort.Ints(inv.stale)
	return inv, nil
}

// createTrial stores slot's proposal as one RUNNING trial in a single write.
func createTrial(st goptuna.Storage, studyID int, space Space, p plan) (int, error) {
	sys := maps.Clone(p.attrs)
	if sys == nil {
		sys = map[string]string{}
	}
	sys[AttrSlot] = strconv.Itoa(p.slot)
	sys[AttrSeed] = strconv.FormatInt(p.seed, 10)
	ft := goptuna.FrozenTrial{
		ID:                 -1,
		StudyID:            studyID,
		Number:             -1,
		State:              goptuna.TrialStateRunning,
		IntermediateValues: map[int]float64{},
		DatetimeStart:      time.Now(),
		InternalParams:     maps.Clone(p.params),
		Params:             space.externalParams(p.params),
		Distributions:      space.Distributions(),
		UserAttrs:          map[string]string{},
		SystemAttrs:        sys,
	}
	id, err := st.CloneTrial(studyID, ft)
	if err != nil {
		return 0, fmt.Errorf("create trial for slot %d: %w", p.slot, err)
	}
	return id, nil
}

// completeTrial writes the outcome; the state is written last so that a
// trial is never COMPLETE without its value and attributes.
func completeTrial(st goptuna.Storage, id, slot int, out Outcome) error {
	if err := st.SetTrialValue(id, out.Value); err != nil {
		return fmt.Errorf("write value of slot %d: %w", slot, err)
	}
	for _, k := range slices.Sorted(maps.Keys(out.Attrs)) {
		if err := st.SetTrialUserAttr(id, k, out.Attrs[k]); err != nil {
			return fmt.Errorf("write attribute %q of slot %d: %w", k, slot, err)
		}
	}
	if err := st.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
		return fmt.Errorf("complete slot %d: %w", slot, err)
	}
	return nil
}

// failTrial records why a trial failed and marks it FAIL.
func failTrial(st goptuna.Storage, id int, reason string) error {
	if err := st.SetTrialSystemAttr(id, AttrError, reason); err != nil {
		return fmt.Errorf("record failure of trial id %d: %w", id, err)
	}
	if err := st.SetTrialState(id, goptuna.TrialStateFail); err != nil {
		return fmt.Errorf("fail trial id %d: %w", id, err)
	}
	return nil
}
