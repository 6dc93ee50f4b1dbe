package postgres

import (
	"time"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
)

// Trials this Store runs. A setter of the value or an attribute of a
// RUNNING trial that this Store created or resumed is kept in memory (its
// "pending" changes) and committed together with the trial's next state
// change, in the statement that changes the state, so finishing a trial is
// one commit however many setters ran. Reads through this Store see the
// pending changes; other processes see them once the state changes. The
// Store also keeps the trial as it created it (and the parameters and
// intermediate values set since), so the state change need not read it
// back: the finished trial is built from what was written, and the next
// GetTrial of it is answered from that copy once (a finished trial never
// changes), which is what cgx's study loop reads next. A trial this Store
// resumed (WAITING to RUNNING) is read back by the statement that changes
// its state.

type pendingSet struct {
	studyID int
	value   *float64
	user    map[string]string
	system  map[string]string
	// base is the trial as this Store created it and changed it since
	// (parameters, intermediate values), without the pending changes; nil
	// for a trial it resumed, whose state change then reads it back.
	base *goptuna.FrozenTrial
}

// maxDone bounds the finished trials kept for one read each.
const maxDone = 4096

// own registers trial id as run by this Store; base, when not nil, is the
// trial as created (owned by the pending set from then on).
func (s *Store) own(id, studyID int, base *goptuna.FrozenTrial) {
	if base != nil {
		base.DatetimeStart = base.DatetimeStart.Round(0)
		base.DatetimeComplete = base.DatetimeComplete.Round(0)
	}
	s.mu.Lock()
	s.pending[id] = &pendingSet{studyID: studyID, base: base}
	s.mu.Unlock()
}

// finished returns the trial p's state change to state at complete leaves
// in the database, built from what this Store wrote: its base, the pending
// changes, the new state and completion time.
func (p *pendingSet) finished(state goptuna.TrialState, complete time.Time) goptuna.FrozenTrial {
	t := tracker.CloneTrial(p.base)
	if p.value != nil {
		t.Value = *p.value
	}
	for k, v := range p.user {
		t.UserAttrs[k] = v
	}
	for k, v := range p.system {
		t.SystemAttrs[k] = v
	}
	t.State = state
	if state.IsFinished() {
		t.DatetimeComplete = complete
	}
	return t
}

// withPending applies fn to the pending changes of trial id and reports
// whether this Store runs it.
func (s *Store) withPending(id int, fn func(p *pendingSet)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[id]
	if ok {
		fn(p)
	}
	return ok
}

// takePending removes and returns the pending changes of trial id.
func (s *Store) takePending(id int) *pendingSet {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pending[id]
	delete(s.pending, id)
	return p
}

// merge lays the pending changes of t, if any, over it.
func (s *Store) merge(t *goptuna.FrozenTrial) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.pending[t.ID]
	if !ok || t.State.IsFinished() {
		return
	}
	if p.value != nil {
		t.Value = *p.value
	}
	for k, v := range p.user {
		t.UserAttrs[k] = v
	}
	for k, v := range p.system {
		t.SystemAttrs[k] = v
	}
}

// keepDone keeps a just-finished trial for one read.
func (s *Store) keepDone(t goptuna.FrozenTrial) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.done) >= maxDone {
		clear(s.done)
	}
	s.done[t.ID] = t
}

// takeDone returns (and forgets) the kept copy of finished trial id.
func (s *Store) takeDone(id int) (goptuna.FrozenTrial, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.done[id]
	if ok {
		delete(s.done, id)
	}
	return tracker.CloneTrial(&t), ok
}

// forgetStudy drops what this Store keeps about a deleted study's trials.
func (s *Store) forgetStudy(studyID int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, p := range s.pending {
		if p.studyID == studyID {
			delete(s.pending, id)
		}
	}
	for id, t := range s.done {
		if t.StudyID == studyID {
			delete(s.done, id)
		}
	}
}

// attrArrays flattens pending attributes for SQL.
func (p *pendingSet) attrArrays() (sys []bool, keys, values [][]byte) {
	if p == nil {
		return nil, nil, nil
	}
	for k, v := range p.user {
		sys, keys, values = append(sys, false), append(keys, []byte(k)), append(values, []byte(v))
	}
	for k, v := range p.system {
		sys, keys, values = append(sys, true), append(keys, []byte(k)), append(values, []byte(v))
	}
	return sys, keys, values
}

// flushPending commits every pending change without changing any state
// (Close does this).
func (s *Store) flushPending() error {
	s.mu.Lock()
	ids := make([]int, 0, len(s.pending))
	for id := range s.pending {
		ids = append(ids, id)
	}
	s.mu.Unlock()
	var first error
	for _, id := range ids {
		p := s.takePending(id)
		if p == nil {
			continue
		}
		sys, keys, values := p.attrArrays()
		var value any
		if p.value != nil {
			value = *p.value
		}
		_, err := s.pool.Exec(bg(), `
WITH u AS (UPDATE trials SET value = coalesce($2, value) WHERE id = $1 AND `+unfinished+` RETURNING id)
INSERT INTO trial_attrs (trial_id, system, key, value)
SELECT u.id, x.system, x.key, x.value FROM u CROSS JOIN unnest($3::bool[], $4::bytea[], $5::bytea[]) AS x(system, key, value)
ON CONFLICT (trial_id, system, key) DO UPDATE SET value = excluded.value`, id, value, sys, keys, values)
		if err != nil && first == nil {
			first = s.red.err(err)
		}
	}
	return first
}
