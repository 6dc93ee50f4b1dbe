package bolt

import (
	"fmt"
	"maps"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// FinishTrials finishes several unfinished trials in one durable commit:
// each element names a trial by ID and gives its finished State, its Value,
// and user and system attributes to set (over the trial's own). All are
// finished, or on error none is. A search loop uses it to store a batch's
// results with one sync instead of one per trial: the group commit of a
// batch.
func (s *Store) FinishTrials(done []goptuna.FrozenTrial) error {
	if err := s.writable("finish trials"); err != nil {
		return err
	}
	if len(done) == 0 {
		return nil
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	repl := make(map[*trialEntry]goptuna.FrozenTrial, len(done))
	at := now()
	for _, d := range done {
		if !d.State.IsFinished() {
			return fmt.Errorf("finish trial %d: state %s is not a finished state: %w", d.ID, d.State, tracker.ErrInvalidTrial)
		}
		te, _, err := s.trialEntryLocked(d.ID)
		if err != nil {
			return fmt.Errorf("finish trials: %w", err)
		}
		if _, twice := repl[te]; twice {
			return fmt.Errorf("finish trial %d: named twice: %w", d.ID, tracker.ErrInvalidTrial)
		}
		if te.t.State.IsFinished() {
			return fmt.Errorf("finish trial %d: %w", d.ID, goptuna.ErrTrialCannotBeUpdated)
		}
		nt := te.t
		nt.State, nt.Value, nt.DatetimeComplete = d.State, d.Value, at
		nt.UserAttrs = cloneMap(te.t.UserAttrs)
		maps.Copy(nt.UserAttrs, d.UserAttrs)
		nt.SystemAttrs = cloneMap(te.t.SystemAttrs)
		maps.Copy(nt.SystemAttrs, d.SystemAttrs)
		repl[te] = nt
	}
	if err := s.commitLocked(&change{repl: repl}); err != nil {
		return fmt.Errorf("finish %d trials: %w", len(done), err)
	}
	return nil
}
