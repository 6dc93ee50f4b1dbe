package bolt

import (
	"fmt"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// This file implements the trial half of goptuna.Storage. New unfinished
// trials (CreateNewTrial, CloneTrial) and setters on a RUNNING or WAITING
// trial change memory only; the trial is committed when
// its state changes (one durable commit per finished trial), when any other
// commit happens, at Close, and within RunningCheckpoint of its creation.

// CreateNewTrial adds a RUNNING trial to a study and returns its id. Trial
// ids are unique across studies and start at 1; numbers count from 0 within
// the study.
func (s *Store) CreateNewTrial(studyID int) (int, error) {
	if err := s.writable("create trial"); err != nil {
		return -1, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	se, err := s.ensureLoadedLocked(studyID)
	if err != nil {
		return -1, fmt.Errorf("create trial: %w", err)
	}
	te := &trialEntry{live: true, dirty: true, unsaved: true, t: goptuna.FrozenTrial{
		ID:                 s.c.nextTrialID,
		StudyID:            studyID,
		Number:             len(se.trials),
		State:              goptuna.TrialStateRunning,
		DatetimeStart:      now(),
		IntermediateValues: map[int]float64{},
		InternalParams:     map[string]float64{},
		Params:             map[string]interface{}{},
		Distributions:      map[string]interface{}{},
		UserAttrs:          map[string]string{},
		SystemAttrs:        map[string]string{},
	}}
	s.lockCache()
	s.c.nextTrialID++
	se.trials = append(se.trials, te)
	s.c.trials[te.t.ID] = te
	s.c.dirty[te] = struct{}{}
	s.c.unsaved++
	s.mu.Unlock()
	if err := s.armCheckpoint(); err != nil {
		return -1, fmt.Errorf("create trial in study %d: %w", studyID, err)
	}
	return te.t.ID, nil
}

// CloneTrial appends a copy of base to a study (numbers continue the study's
// sequence). Every internal parameter needs a known distribution; external
// values are recomputed from the internal ones. A finished copy is
// committed at once; an unfinished one (RUNNING, WAITING) is buffered like
// a trial of CreateNewTrial: committed with the next commit, at Close, or
// within RunningCheckpoint. So a search that creates a trial with its
// parameters and then finishes it pays one durable commit, not two.
func (s *Store) CloneTrial(studyID int, base goptuna.FrozenTrial) (int, error) {
	if base.State.IsFinished() {
		ids, err := s.addTrials("clone trial", studyID, []goptuna.FrozenTrial{base}, false)
		if err != nil {
			return -1, err
		}
		return ids[0], nil
	}
	if err := s.writable("clone trial"); err != nil {
		return -1, err
	}
	t, err := tracker.NormalizeTrial(&base)
	if err != nil {
		return -1, fmt.Errorf("clone trial: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	se, err := s.ensureLoadedLocked(studyID)
	if err != nil {
		return -1, fmt.Errorf("clone trial: %w", err)
	}
	s.lockCache()
	t.ID, t.StudyID, t.Number = s.c.nextTrialID, studyID, len(se.trials)
	te := &trialEntry{t: t, live: true, dirty: true, unsaved: true, categorical: tracker.HasCategorical(&t)}
	s.c.nextTrialID++
	se.trials = append(se.trials, te)
	s.c.trials[t.ID] = te
	s.c.dirty[te] = struct{}{}
	s.c.unsaved++
	s.mu.Unlock()
	if err := s.armCheckpoint(); err != nil {
		return -1, fmt.Errorf("clone trial into study %d: %w", studyID, err)
	}
	return t.ID, nil
}

// AddFinishedTrials appends finished trials (params with distributions,
// value, intermediate values, attributes and times as given) to a study in
// one durable commit and returns their ids. Numbers continue the study's
// sequence in slice order. Zero times are kept as zero.
func (s *Store) AddFinishedTrials(studyID int, trials []goptuna.FrozenTrial) ([]int, error) {
	return s.addTrials("add finished trials", studyID, trials, true)
}

func (s *Store) addTrials(op string, studyID int, trials []goptuna.FrozenTrial, finishedOnly bool) ([]int, error) {
	if err := s.writable(op); err != nil {
		return nil, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	se, err := s.ensureLoadedLocked(studyID)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	added := make([]*trialEntry, len(trials))
	ids := make([]int, len(trials))
	for i := range trials {
		t, err := tracker.NormalizeTrial(&trials[i])
		if err != nil {
			return nil, fmt.Errorf("%s: trial %d of %d: %w", op, i+1, len(trials), err)
		}
		if finishedOnly && !t.State.IsFinished() {
			return nil, fmt.Errorf("%s: trial %d of %d has state %s, want a finished state: %w", op, i+1, len(trials), t.State, tracker.ErrInvalidTrial)
		}
		t.ID = s.c.nextTrialID + i
		t.StudyID = studyID
		t.Number = len(se.trials) + i
		ids[i] = t.ID
		added[i] = &trialEntry{t: t, live: !t.State.IsFinished(), categorical: tracker.HasCategorical(&t)}
	}
	s.c.nextTrialID += len(trials) // ids of a failed commit are simply skipped
	if err := s.commitLocked(&change{added: added}); err != nil {
		return nil, fmt.Errorf("%s to study %d: %w", op, studyID, err)
	}
	return ids, nil
}

// setRunning applies fn to an unfinished trial in memory. fn returns an
// error to refuse the change before anything is touched.
func (s *Store) setRunning(op string, trialID int, fn func(te *trialEntry) error) error {
	if err := s.writable(op); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	te, _, err := s.trialEntryLocked(trialID)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if te.t.State.IsFinished() {
		return fmt.Errorf("%s: trial %d is %s: %w", op, trialID, te.t.State, goptuna.ErrTrialCannotBeUpdated)
	}
	s.lockCache()
	defer s.mu.Unlock()
	if err := fn(te); err != nil {
		return fmt.Errorf("%s of trial %d: %w", op, trialID, err)
	}
	if !te.dirty {
		te.dirty = true
		s.c.dirty[te] = struct{}{}
	}
	return nil
}

// SetTrialValue sets the value of an unfinished trial.
func (s *Store) SetTrialValue(trialID int, value float64) error {
	return s.setRunning("set value", trialID, func(te *trialEntry) error {
		te.t.Value = value
		return nil
	})
}

// SetTrialIntermediateValue records the value at a step; a step can be
// reported once (ErrDuplicateStep).
func (s *Store) SetTrialIntermediateValue(trialID int, step int, value float64) error {
	return s.setRunning("set intermediate value", trialID, func(te *trialEntry) error {
		t := &te.t
		if _, dup := t.IntermediateValues[step]; dup {
			return fmt.Errorf("step %d: %w", step, tracker.ErrDuplicateStep)
		}
		t.IntermediateValues[step] = value
		return nil
	})
}

// SetTrialParam sets a parameter from its internal value and distribution
// (setting the same name again replaces it, as goptuna's storages do).
func (s *Store) SetTrialParam(trialID int, name string, internal float64, distribution interface{}) error {
	if _, err := goptuna.DistributionToJSON(distribution); err != nil {
		return fmt.Errorf("set parameter %q of trial %d: %w", name, trialID, err)
	}
	xr, err := tracker.ExternalValue(distribution, internal)
	if err != nil {
		return fmt.Errorf("set parameter %q of trial %d: %w", name, trialID, err)
	}
	dist := tracker.CopyDistribution(distribution)
	return s.setRunning("set parameter", trialID, func(te *trialEntry) error {
		t := &te.t
		t.InternalParams[name] = internal
		t.Params[name] = xr
		t.Distributions[name] = dist
		if _, ok := dist.(goptuna.CategoricalDistribution); ok {
			te.categorical = true
		}
		return nil
	})
}

// SetTrialUserAttr sets a user attribute of an unfinished trial.
func (s *Store) SetTrialUserAttr(trialID int, key, value string) error {
	return s.setRunning("set user attribute", trialID, func(te *trialEntry) error {
		te.t.UserAttrs[key] = value
		return nil
	})
}

// SetTrialSystemAttr sets a system attribute of an unfinished trial.
func (s *Store) SetTrialSystemAttr(trialID int, key, value string) error {
	return s.setRunning("set system attribute", trialID, func(te *trialEntry) error {
		te.t.SystemAttrs[key] = value
		return nil
	})
}

// SetTrialState changes a trial's state and commits the trial (durably,
// unless NoSync). A finished trial, or a change to the state it already has,
// returns goptuna.ErrTrialCannotBeUpdated itself, unwrapped: goptuna's study
// loop compares it with == when two workers race for a WAITING trial.
func (s *Store) SetTrialState(trialID int, state goptuna.TrialState) error {
	if err := s.writable("set state"); err != nil {
		return err
	}
	if state < goptuna.TrialStateRunning || state > goptuna.TrialStateWaiting {
		return fmt.Errorf("set state of trial %d: unknown state %d", trialID, state)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	te, _, err := s.trialEntryLocked(trialID)
	if err != nil {
		return fmt.Errorf("set state: %w", err)
	}
	if te.t.State.IsFinished() || te.t.State == state {
		return goptuna.ErrTrialCannotBeUpdated
	}
	nt := te.t
	nt.State = state
	if state.IsFinished() {
		nt.DatetimeComplete = now()
	}
	if err := s.commitLocked(&change{repl: map[*trialEntry]goptuna.FrozenTrial{te: nt}}); err != nil {
		return fmt.Errorf("set state of trial %d to %s: %w", trialID, state, err)
	}
	if state == goptuna.TrialStateRunning {
		te.live = true // popped from the queue by this process
	}
	return nil
}

// GetTrial returns a deep copy of a trial.
func (s *Store) GetTrial(trialID int) (goptuna.FrozenTrial, error) {
	src, err := s.src()
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	return src.trialByID(trialID)
}

// GetAllTrials returns deep copies of a study's trials in number order.
func (s *Store) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	src, err := s.src()
	if err != nil {
		return nil, err
	}
	return src.trialsOf(studyID)
}

// trialPart reads part of a trial: from the cache without copying the rest
// on a writing store, from a full copy on a reader.
func (s *Store) trialPart(id int, fn func(t *goptuna.FrozenTrial)) error {
	if s.rd == nil && !s.closed.Load() {
		return s.withTrial(id, func(te *trialEntry) error { fn(&te.t); return nil })
	}
	t, err := s.GetTrial(id)
	if err != nil {
		return err
	}
	fn(&t)
	return nil
}

// GetTrialNumberFromID returns a trial's number within its study.
func (s *Store) GetTrialNumberFromID(trialID int) (int, error) {
	n := -1
	err := s.trialPart(trialID, func(t *goptuna.FrozenTrial) { n = t.Number })
	return n, err
}

// GetTrialParam returns a parameter's internal value; a parameter the trial
// does not have is an error matching ErrNotFound.
func (s *Store) GetTrialParam(trialID int, name string) (float64, error) {
	v, ok := -1.0, false
	err := s.trialPart(trialID, func(t *goptuna.FrozenTrial) { v, ok = t.InternalParams[name] })
	if err != nil {
		return -1, err
	}
	if !ok {
		return -1, tracker.NotFound(fmt.Sprintf("parameter %q of trial %d", name, trialID))
	}
	return v, nil
}

// GetTrialParams returns a copy of a trial's external parameter values.
func (s *Store) GetTrialParams(trialID int) (map[string]interface{}, error) {
	var m map[string]interface{}
	err := s.trialPart(trialID, func(t *goptuna.FrozenTrial) { m = cloneMap(t.Params) })
	return m, err
}

// GetTrialUserAttrs returns a copy of a trial's user attributes.
func (s *Store) GetTrialUserAttrs(trialID int) (map[string]string, error) {
	var m map[string]string
	err := s.trialPart(trialID, func(t *goptuna.FrozenTrial) { m = cloneMap(t.UserAttrs) })
	return m, err
}

// GetTrialSystemAttrs returns a copy of a trial's system attributes.
func (s *Store) GetTrialSystemAttrs(trialID int) (map[string]string, error) {
	var m map[string]string
	err := s.trialPart(trialID, func(t *goptuna.FrozenTrial) { m = cloneMap(t.SystemAttrs) })
	return m, err
}

// GetBestTrial returns the best COMPLETE trial (the first one on ties), or an
// error matching goptuna.ErrNoCompletedTrials.
func (s *Store) GetBestTrial(studyID int) (goptuna.FrozenTrial, error) {
	r, err := s.Study(studyID)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	if r.Stats.BestTrialID == 0 {
		return goptuna.FrozenTrial{}, fmt.Errorf("best trial of study %d: %w", studyID, goptuna.ErrNoCompletedTrials)
	}
	return s.GetTrial(r.Stats.BestTrialID)
}
