package bolt

import (
	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// Read-ahead of a study's history while a trial commit syncs.
//
// goptuna's study loop (Study.Optimize) calls GetAllTrials before every
// trial, right after the previous trial's SetTrialState, and every trial it
// gets back must be a deep copy (nothing returned aliases the store). On a
// 1,000-trial study that copy is most of the loop's work, and the journal's
// fdatasync is most of the rest: done one after the other they cost their
// sum. So a journaled commit of a trial's outcome (SetTrialState, added
// trials; not a flush of buffered RUNNING trials) that touches the study
// whose history was read since the previous such commit builds the copy
// GetAllTrials will be asked for while the disk syncs (journal.append),
// and GetAllTrials hands it over when nothing changed in between. The commit
// is still durable before it returns; the read-ahead only fills the wait.
//
// The guess is checked, never trusted: every exclusive hold of s.mu (the
// only way the cache changes) bumps cache.gen, and a read-ahead is used only
// by a GetAllTrials of the same study at the same generation. A read-ahead
// that nobody takes stops the guessing until the next GetAllTrials, so a
// caller that reads the history incrementally (cgx's study package) pays for
// at most one unused copy.

// readAhead is a deep copy of one study's trials as the cache holds them at
// generation gen.
type readAhead struct {
	study  int
	gen    uint64
	trials []goptuna.FrozenTrial
}

// lockCache takes s.mu for a change to the cache.
func (s *Store) lockCache() {
	s.mu.Lock()
	s.c.gen++
}

// takeAhead returns the read-ahead of study at the cache's current
// generation, or nil. s.mu must be held (shared is enough).
func (s *Store) takeAhead(study int) []goptuna.FrozenTrial {
	a := s.ahead.Swap(nil)
	if a == nil || a.study != study || a.gen != s.c.gen {
		return nil
	}
	return a.trials
}

// aheadWanted returns the study a journaled commit about to write the
// studies in affected should read ahead, 0 for none. wmu must be held.
func (s *Store) aheadWanted(affected map[int]*tracker.StudyInfo) int {
	if s.ahead.Swap(nil) != nil {
		s.follow.Store(0) // the last one went unused: stop guessing
		return 0
	}
	id := int(s.follow.Load())
	if se := s.c.studies[id]; id == 0 || affected[id] == nil || se == nil || !se.loaded {
		return 0
	}
	return id
}

// history deep-copies se's trials as they will be once write and added
// are committed (as they are now when both are nil). The caller holds wmu,
// or s.mu for a copy of the present.
func history(se *studyEntry, write map[*trialEntry]*goptuna.FrozenTrial, added []*trialEntry) []goptuna.FrozenTrial {
	out := make([]goptuna.FrozenTrial, 0, len(se.trials)+len(added))
	for _, te := range se.trials {
		t := &te.t
		if v := write[te]; v != nil {
			t = v
		}
		out = append(out, tracker.CloneTrialKnown(t, te.categorical))
	}
	for _, te := range added {
		if te.t.StudyID == se.rec.ID {
			out = append(out, tracker.CloneTrialKnown(write[te], te.categorical))
		}
	}
	return out
}
