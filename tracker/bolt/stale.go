package bolt

import (
	"fmt"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// FailStaleTrials marks FAIL every RUNNING trial of a study that this store
// neither created nor resumed, and returns how many it marked. Only one
// process can write the file, so such trials belong to a process that died.
// It is what a resumed run calls first, and what 'cgx study fail-stale' does.
func (s *Store) FailStaleTrials(studyID int) (int, error) {
	if err := s.writable("fail stale trials"); err != nil {
		return 0, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	se, err := s.ensureLoadedLocked(studyID)
	if err != nil {
		return 0, fmt.Errorf("fail stale trials: %w", err)
	}
	at := now()
	repl := map[*trialEntry]goptuna.FrozenTrial{}
	for _, te := range se.trials {
		if te.t.State != goptuna.TrialStateRunning || te.live {
			continue
		}
		nt := te.t
		nt.State = goptuna.TrialStateFail
		nt.DatetimeComplete = at
		nt.SystemAttrs = cloneMap(te.t.SystemAttrs)
		nt.SystemAttrs[tracker.StaleAttr] = "its process stopped before the trial finished; marked failed at " + at.Format(time.RFC3339)
		repl[te] = nt
	}
	if len(repl) == 0 {
		return 0, nil
	}
	if err := s.commitLocked(&change{repl: repl}); err != nil {
		return 0, fmt.Errorf("fail stale trials of study %d: %w", studyID, err)
	}
	return len(repl), nil
}

// FailAllStaleTrials runs FailStaleTrials on every study and returns the
// number of trials marked per study id (studies with none are left out).
func (s *Store) FailAllStaleTrials() (map[int]int, error) {
	studies, err := s.Studies()
	if err != nil {
		return nil, err
	}
	out := map[int]int{}
	for _, st := range studies {
		if st.Stats.Running == 0 {
			continue
		}
		n, err := s.FailStaleTrials(st.ID)
		if err != nil {
			return out, err
		}
		if n > 0 {
			out[st.ID] = n
		}
	}
	return out, nil
}
