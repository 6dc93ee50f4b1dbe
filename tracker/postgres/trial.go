package postgres

import (
	"fmt"
	"sort"
	"strings"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/cgx-dev/cgx/tracker"
)

// This file implements the trial half of goptuna.Storage. Every call is
// one statement, committed (and so durable) before it returns. States are
// goptuna's numbers: 0 RUNNING, 1 COMPLETE, 2 PRUNED, 3 FAIL, 4 WAITING.

// unfinished is the SQL condition of a trial that may still change.
const unfinished = `state IN (0, 4)`

// commitMode is an SQL expression that makes the statement's transaction
// commit without waiting for its WAL record to reach disk when parameter
// $5 is true (synchronous_commit off, for this transaction only), and
// with the server's setting otherwise. Creating a RUNNING trial uses it:
// the trial is visible to every session at once and becomes durable with
// the next durable commit of any session (the WAL is one sequence: the
// trial's own state change, at the latest) or the WAL writer's next flush.
// A server crash in between loses the RUNNING trial, as a crash within
// bbolt's RunningCheckpoint does; a trial that was only RUNNING when its
// server crashed would have been stale anyway.
const commitMode = `set_config('synchronous_commit', CASE WHEN $5::bool THEN 'off' ELSE current_setting('synchronous_commit') END, true)`

var commitModeAddTrials = strings.Replace(commitMode, "$5", "$21", 1)

// CreateNewTrial adds a RUNNING trial to a study and returns its id. Trial
// ids come from a sequence, unique across studies; numbers count from 0
// within the study and stay dense under concurrent creators, which queue on
// the study's row lock.
func (s *Store) CreateNewTrial(studyID int) (int, error) {
	if err := s.writable("create trial"); err != nil {
		return -1, err
	}
	var id, number int
	now := dbNow()
	start, startNS := splitTime(now)
	err := s.pool.QueryRow(bg(), `
WITH c AS MATERIALIZED (SELECT `+commitMode+` AS v),
s AS (UPDATE studies SET n_trials = n_trials + 1 WHERE id = $1 AND (SELECT v FROM c) IS NOT NULL RETURNING n_trials - 1 AS number)
INSERT INTO trials (study_id, number, state, datetime_start, start_ns, session)
SELECT $1, s.number, 0, $2, $3, $4 FROM s RETURNING id, number`, studyID, start, startNS, s.session, !s.durableRunning).Scan(&id, &number)
	if noRows(err) {
		return -1, fmt.Errorf("create trial: %w", studyNotFound(studyID))
	}
	if err != nil {
		return -1, s.red.err(fmt.Errorf("create trial in study %d: %w", studyID, err))
	}
	s.own(id, studyID, &goptuna.FrozenTrial{ID: id, StudyID: studyID, Number: number, State: goptuna.TrialStateRunning,
		DatetimeStart: now, IntermediateValues: map[int]float64{}, InternalParams: map[string]float64{},
		Params: map[string]interface{}{}, Distributions: map[string]interface{}{},
		UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}})
	return id, nil
}

// CloneTrial appends a copy of base to a study (numbers continue the
// study's sequence) and commits it. Every internal parameter needs a known
// distribution; external values are recomputed from the internal ones.
func (s *Store) CloneTrial(studyID int, base goptuna.FrozenTrial) (int, error) {
	ids, err := s.addTrials("clone trial", studyID, []goptuna.FrozenTrial{base}, false)
	if err != nil {
		return -1, err
	}
	return ids[0], nil
}

// AddFinishedTrials appends finished trials to a study in one transaction
// and returns their ids. Numbers continue the study's sequence in slice
// order. Zero times are kept as zero; others are kept to the microsecond.
func (s *Store) AddFinishedTrials(studyID int, trials []goptuna.FrozenTrial) ([]int, error) {
	return s.addTrials("add finished trials", studyID, trials, true)
}

// addTrialsSQL inserts k trials and their parameters, intermediate values
// and attributes in one statement (one transaction). Side rows name their
// trial by its 1-based position i in the batch.
var addTrialsSQL = `
WITH c AS MATERIALIZED (SELECT ` + commitModeAddTrials + ` AS v),
s AS (UPDATE studies SET n_trials = n_trials + $2 WHERE id = $1 AND (SELECT v FROM c) IS NOT NULL RETURNING n_trials - $2 AS first),
t AS (INSERT INTO trials (study_id, number, state, value, datetime_start, start_ns, datetime_complete, complete_ns, session)
	SELECT $1, s.first + o.i - 1, o.state, o.value, o.start, o.start_ns, o.complete, o.complete_ns, $7
	FROM s CROSS JOIN unnest($3::smallint[], $4::float8[], $5::timestamptz[], $19::smallint[], $6::timestamptz[], $20::smallint[])
		WITH ORDINALITY AS o(state, value, start, start_ns, complete, complete_ns, i)
	RETURNING id, number),
p AS (INSERT INTO trial_params (trial_id, name, internal, distribution)
	SELECT t.id, x.name, x.internal, x.dist
	FROM s CROSS JOIN unnest($8::int[], $9::bytea[], $10::float8[], $11::text[]) AS x(i, name, internal, dist)
	JOIN t ON t.number = s.first + x.i - 1),
v AS (INSERT INTO trial_values (trial_id, step, value)
	SELECT t.id, x.step, x.value
	FROM s CROSS JOIN unnest($12::int[], $13::bigint[], $14::float8[]) AS x(i, step, value)
	JOIN t ON t.number = s.first + x.i - 1),
a AS (INSERT INTO trial_attrs (trial_id, system, key, value)
	SELECT t.id, x.system, x.key, x.value
	FROM s CROSS JOIN unnest($15::int[], $16::bool[], $17::bytea[], $18::bytea[]) AS x(i, system, key, value)
	JOIN t ON t.number = s.first + x.i - 1)
SELECT id, number FROM t ORDER BY number`

// addTrialSQL is addTrialsSQL for one trial (what cgx's search loop
// creates, once per trial): side rows join the one new trial directly,
// which plans and runs faster.
var addTrialSQL = `
WITH c AS MATERIALIZED (SELECT ` + strings.Replace(commitMode, "$5", "$17", 1) + ` AS v),
s AS (UPDATE studies SET n_trials = n_trials + 1 WHERE id = $1 AND (SELECT v FROM c) IS NOT NULL RETURNING n_trials - 1 AS number),
t AS (INSERT INTO trials (study_id, number, state, value, datetime_start, start_ns, datetime_complete, complete_ns, session)
	SELECT $1, s.number, $2::smallint, $3::float8, $4::timestamptz, $5::smallint, $6::timestamptz, $7::smallint, $8::text FROM s
	RETURNING id, number),
p AS (INSERT INTO trial_params (trial_id, name, internal, distribution)
	SELECT t.id, x.name, x.internal, x.dist FROM t CROSS JOIN unnest($9::bytea[], $10::float8[], $11::text[]) AS x(name, internal, dist)),
v AS (INSERT INTO trial_values (trial_id, step, value)
	SELECT t.id, x.step, x.value FROM t CROSS JOIN unnest($12::bigint[], $13::float8[]) AS x(step, value)),
a AS (INSERT INTO trial_attrs (trial_id, system, key, value)
	SELECT t.id, x.system, x.key, x.value FROM t CROSS JOIN unnest($14::bool[], $15::bytea[], $16::bytea[]) AS x(system, key, value))
SELECT id, number FROM t`

func (s *Store) addTrials(op string, studyID int, trials []goptuna.FrozenTrial, finishedOnly bool) ([]int, error) {
	if err := s.writable(op); err != nil {
		return nil, err
	}
	if len(trials) == 0 {
		if _, err := s.Study(studyID); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		return []int{}, nil
	}
	var (
		states              []int16
		values              []float64
		starts, completes   []pgtype.Timestamptz
		startNS, completeNS []int16
		pi, vi, ai          []int32
		pname, akey, aval   [][]byte
		pint, vval          []float64
		pdist               []string
		vstep               []int64
		asys                []bool
	)
	// Trials that are all RUNNING are committed without waiting for the
	// WAL flush (see commitMode), unless DurableRunning. WAITING trials (a
	// queue of trials to run) and finished ones wait for it.
	async := !finishedOnly && !s.durableRunning
	for i := range trials {
		if trials[i].State != goptuna.TrialStateRunning {
			async = false
		}
	}
	normal := make([]goptuna.FrozenTrial, len(trials))
	for i := range trials {
		t, err := tracker.NormalizeTrial(&trials[i])
		normal[i] = t
		if err != nil {
			return nil, fmt.Errorf("%s: trial %d of %d: %w", op, i+1, len(trials), err)
		}
		if finishedOnly && !t.State.IsFinished() {
			return nil, fmt.Errorf("%s: trial %d of %d has state %s, want a finished state: %w", op, i+1, len(trials), t.State, tracker.ErrInvalidTrial)
		}
		n := int32(i + 1)
		states = append(states, int16(t.State))
		values = append(values, t.Value)
		st, sns := splitTime(t.DatetimeStart)
		ct, cns := splitTime(t.DatetimeComplete)
		starts, startNS = append(starts, st), append(startNS, sns)
		completes, completeNS = append(completes, ct), append(completeNS, cns)
		for name, ir := range t.InternalParams {
			js, err := goptuna.DistributionToJSON(t.Distributions[name])
			if err != nil {
				return nil, fmt.Errorf("%s: trial %d parameter %q: %w: %w", op, i+1, name, err, tracker.ErrInvalidTrial)
			}
			pi, pname, pint, pdist = append(pi, n), append(pname, []byte(name)), append(pint, ir), append(pdist, string(js))
		}
		for step, v := range t.IntermediateValues {
			vi, vstep, vval = append(vi, n), append(vstep, int64(step)), append(vval, v)
		}
		for k, v := range t.UserAttrs {
			ai, asys, akey, aval = append(ai, n), append(asys, false), append(akey, []byte(k)), append(aval, []byte(v))
		}
		for k, v := range t.SystemAttrs {
			ai, asys, akey, aval = append(ai, n), append(asys, true), append(akey, []byte(k)), append(aval, []byte(v))
		}
	}
	var rows pgx.Rows
	var err error
	if len(trials) == 1 {
		rows, err = s.pool.Query(bg(), addTrialSQL, studyID, states[0], values[0], starts[0], startNS[0], completes[0], completeNS[0], s.sessionOrNil(),
			pname, pint, pdist, vstep, vval, asys, akey, aval, async)
	} else {
		rows, err = s.pool.Query(bg(), addTrialsSQL, studyID, len(trials), states, values, starts, completes, s.sessionOrNil(),
			pi, pname, pint, pdist, vi, vstep, vval, ai, asys, akey, aval, startNS, completeNS, async)
	}
	if err != nil {
		return nil, s.red.err(fmt.Errorf("%s to study %d: %w", op, studyID, err))
	}
	ids := make([]int, 0, len(trials))
	var numbers []int
	for rows.Next() {
		var id, number int
		if err := rows.Scan(&id, &number); err != nil {
			rows.Close()
			return nil, s.red.err(fmt.Errorf("%s to study %d: %w", op, studyID, err))
		}
		ids, numbers = append(ids, id), append(numbers, number)
	}
	if err := rows.Err(); err != nil {
		return nil, s.red.err(fmt.Errorf("%s to study %d: %w", op, studyID, err))
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("%s: %w", op, studyNotFound(studyID))
	}
	for i := range normal {
		if normal[i].State == goptuna.TrialStateRunning && i < len(ids) {
			t := &normal[i]
			t.ID, t.StudyID, t.Number = ids[i], studyID, numbers[i]
			s.own(ids[i], studyID, t)
		}
	}
	return ids, nil
}

func (s *Store) sessionOrNil() any {
	if s.session == "" {
		return nil
	}
	return s.session
}

// refuse explains why a guarded write to trial id touched no row: the trial
// is missing (an error matching goptuna.ErrInvalidTrialID) or finished (one
// matching goptuna.ErrTrialCannotBeUpdated); nil when it is unfinished.
func (s *Store) refuse(op string, id int) error {
	var state int16
	err := s.pool.QueryRow(bg(), `SELECT state FROM trials WHERE id = $1`, id).Scan(&state)
	switch {
	case noRows(err):
		return fmt.Errorf("%s: %w", op, trialNotFound(id))
	case err != nil:
		return s.red.err(fmt.Errorf("%s of trial %d: %w", op, id, err))
	case goptuna.TrialState(state).IsFinished():
		return fmt.Errorf("%s: trial %d is %s: %w", op, id, goptuna.TrialState(state), goptuna.ErrTrialCannotBeUpdated)
	}
	return nil
}

// guarded runs a write that touches a row only while trial id is
// unfinished, and explains a write that touched none.
func (s *Store) guarded(op string, id int, sql string, args ...any) error {
	if err := s.writable(op); err != nil {
		return err
	}
	n, err := s.exec(bg(), sql, args...)
	if err != nil {
		if pgCode(err) == "23503" { // the trial went (its study was deleted)
			return fmt.Errorf("%s: %w", op, trialNotFound(id))
		}
		return fmt.Errorf("%s of trial %d: %w", op, id, err)
	}
	if n > 0 {
		return nil
	}
	if err := s.refuse(op, id); err != nil {
		return err
	}
	return errRetry
}

// errRetry: a guarded insert touched nothing although the trial is
// unfinished (a duplicate key); the caller says what that means.
var errRetry = fmt.Errorf("no row changed")

// lockUnfinished selects trial $1 and locks it while it is unfinished, so
// that a side-table write and SetTrialState serialise.
const lockUnfinished = `WITH t AS (SELECT id FROM trials WHERE id = $1 AND ` + unfinished + ` FOR UPDATE)`

// SetTrialValue sets the value of an unfinished trial.
func (s *Store) SetTrialValue(trialID int, value float64) error {
	if err := s.writable("set value"); err != nil {
		return err
	}
	if s.withPending(trialID, func(p *pendingSet) { p.value = &value }) {
		return nil
	}
	return s.upsert("set value", trialID, `UPDATE trials SET value = $2 WHERE id = $1 AND `+unfinished, trialID, value)
}

// SetTrialIntermediateValue records the value at a step; a step can be
// reported once (tracker.ErrDuplicateStep).
func (s *Store) SetTrialIntermediateValue(trialID int, step int, value float64) error {
	err := s.guarded("set intermediate value", trialID, lockUnfinished+`
INSERT INTO trial_values (trial_id, step, value) SELECT id, $2, $3 FROM t ON CONFLICT DO NOTHING`, trialID, int64(step), value)
	if err == errRetry {
		return fmt.Errorf("set intermediate value of trial %d: step %d: %w", trialID, step, tracker.ErrDuplicateStep)
	}
	if err == nil {
		s.withPending(trialID, func(p *pendingSet) {
			if p.base != nil {
				p.base.IntermediateValues[step] = value
			}
		})
	}
	return err
}

// SetTrialParam sets a parameter from its internal value and distribution
// (setting the same name again replaces it, as goptuna's storages do).
func (s *Store) SetTrialParam(trialID int, name string, internal float64, distribution interface{}) error {
	js, err := goptuna.DistributionToJSON(distribution)
	if err != nil {
		return fmt.Errorf("set parameter %q of trial %d: %w", name, trialID, err)
	}
	xr, err := tracker.ExternalValue(distribution, internal)
	if err != nil {
		return fmt.Errorf("set parameter %q of trial %d: %w", name, trialID, err)
	}
	err = s.upsert("set parameter", trialID, lockUnfinished+`
INSERT INTO trial_params (trial_id, name, internal, distribution) SELECT id, $2, $3, $4 FROM t
ON CONFLICT (trial_id, name) DO UPDATE SET internal = excluded.internal, distribution = excluded.distribution`,
		trialID, []byte(name), internal, string(js))
	if err == nil {
		s.withPending(trialID, func(p *pendingSet) {
			if p.base != nil {
				p.base.InternalParams[name] = internal
				p.base.Params[name] = xr
				p.base.Distributions[name] = tracker.CopyDistribution(distribution)
			}
		})
	}
	return err
}

func (s *Store) upsert(op string, id int, sql string, args ...any) error {
	err := s.guarded(op, id, sql, args...)
	if err == errRetry {
		return fmt.Errorf("%s of trial %d: nothing written", op, id)
	}
	return err
}

func (s *Store) setTrialAttr(op string, trialID int, system bool, key, value string) error {
	if err := s.writable(op); err != nil {
		return err
	}
	buffered := s.withPending(trialID, func(p *pendingSet) {
		m := &p.user
		if system {
			m = &p.system
		}
		if *m == nil {
			*m = map[string]string{}
		}
		(*m)[key] = value
	})
	if buffered {
		return nil
	}
	return s.upsert(op, trialID, lockUnfinished+`
INSERT INTO trial_attrs (trial_id, system, key, value) SELECT id, $2, $3, $4 FROM t
ON CONFLICT (trial_id, system, key) DO UPDATE SET value = excluded.value`, trialID, system, []byte(key), []byte(value))
}

// SetTrialUserAttr sets a user attribute of an unfinished trial.
func (s *Store) SetTrialUserAttr(trialID int, key, value string) error {
	return s.setTrialAttr("set user attribute", trialID, false, key, value)
}

// SetTrialSystemAttr sets a system attribute of an unfinished trial.
func (s *Store) SetTrialSystemAttr(trialID int, key, value string) error {
	return s.setTrialAttr("set system attribute", trialID, true, key, value)
}

// setStateSQL changes a trial's state, commits the pending changes of a
// trial this Store runs with it, and returns the trial as committed.
var setStateSQL = setStateHead + strings.Replace(trialQuery, "FROM trials t", "FROM u t", 1)

// setStateHead is the common part of setStateSQL and setStateLightSQL.
const setStateHead = `
WITH u AS (UPDATE trials SET state = $2, value = coalesce($6::float8, value),
	datetime_complete = CASE WHEN $3::timestamptz IS NULL THEN datetime_complete ELSE $3 END,
	complete_ns = CASE WHEN $3::timestamptz IS NULL THEN complete_ns ELSE $5 END,
	session = CASE WHEN $2 = 0 THEN $4 ELSE session END
	WHERE id = $1 AND ` + unfinished + ` AND state <> $2 RETURNING *),
a AS (INSERT INTO trial_attrs (trial_id, system, key, value)
	SELECT u.id, x.system, x.key, x.value FROM u CROSS JOIN unnest($7::bool[], $8::bytea[], $9::bytea[]) AS x(system, key, value)
	ON CONFLICT (trial_id, system, key) DO UPDATE SET value = excluded.value)
`

// setStateLightSQL is setStateSQL for a trial this Store knows whole: it
// returns only how many trials it changed (0 or 1).
const setStateLightSQL = setStateHead + `SELECT count(*) FROM u`

// SetTrialState changes a trial's state and commits it, together with the
// pending setters of a trial this Store runs. A finished trial, or a change
// to the state it already has, returns goptuna.ErrTrialCannotBeUpdated
// itself, unwrapped: goptuna's study loop compares it with == when two
// workers race for a WAITING trial (the row lock lets exactly one of them
// win). A trial set RUNNING becomes this Store's session's.
func (s *Store) SetTrialState(trialID int, state goptuna.TrialState) error {
	if err := s.writable("set state"); err != nil {
		return err
	}
	if state < goptuna.TrialStateRunning || state > goptuna.TrialStateWaiting {
		return fmt.Errorf("set state of trial %d to %d: unknown state", trialID, state)
	}
	var complete pgtype.Timestamptz
	var completeNS int16
	if state.IsFinished() {
		complete, completeNS = splitTime(dbNow())
	}
	p := s.takePending(trialID)
	var value any
	if p != nil && p.value != nil {
		value = *p.value
	}
	sys, keys, values := p.attrArrays()
	if p != nil && p.base != nil {
		// This Store knows the whole trial: commit without reading it back.
		var n int
		err := s.pool.QueryRow(bg(), setStateLightSQL, trialID, int16(state), complete, s.sessionOrNil(), completeNS,
			value, sys, keys, values).Scan(&n)
		if err == nil && n == 1 {
			if state.IsFinished() {
				s.keepDone(p.finished(state, joinTime(&complete.Time, completeNS)))
			}
			return nil
		}
		if err != nil {
			s.restore(trialID, p)
			return s.red.err(fmt.Errorf("set state of trial %d to %s: %w", trialID, state, err))
		}
		return s.refuseState(trialID, p)
	}
	t, err := scanTrial(s.pool.QueryRow(bg(), setStateSQL, trialID, int16(state), complete, s.sessionOrNil(), completeNS,
		value, sys, keys, values), distCache{})
	if err == nil {
		if p != nil {
			for k, v := range p.user {
				t.UserAttrs[k] = v
			}
			for k, v := range p.system {
				t.SystemAttrs[k] = v
			}
		}
		switch {
		case state.IsFinished():
			s.keepDone(t)
		case state == goptuna.TrialStateRunning:
			base := tracker.CloneTrial(&t)
			s.own(trialID, t.StudyID, &base)
		}
		return nil
	}
	if !noRows(err) {
		s.restore(trialID, p)
		return s.red.err(fmt.Errorf("set state of trial %d to %s: %w", trialID, state, err))
	}
	return s.refuseState(trialID, p)
}

// refuseState explains a state change that changed no row: an unknown
// trial, or goptuna.ErrTrialCannotBeUpdated itself (pending changes of a
// trial still unfinished are put back).
func (s *Store) refuseState(trialID int, p *pendingSet) error {
	var cur int16
	err := s.pool.QueryRow(bg(), `SELECT state FROM trials WHERE id = $1`, trialID).Scan(&cur)
	switch {
	case noRows(err):
		return fmt.Errorf("set state: %w", trialNotFound(trialID))
	case err != nil:
		s.restore(trialID, p)
		return s.red.err(fmt.Errorf("set state of trial %d: %w", trialID, err))
	}
	if !goptuna.TrialState(cur).IsFinished() {
		s.restore(trialID, p)
	}
	return goptuna.ErrTrialCannotBeUpdated
}

// restore puts back pending changes that a failed state change took.
func (s *Store) restore(id int, p *pendingSet) {
	if p == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.pending[id]; !ok {
		s.pending[id] = p
	}
}

// GetTrialNumberFromID returns a trial's number within its study.
func (s *Store) GetTrialNumberFromID(trialID int) (int, error) {
	if err := s.usable(); err != nil {
		return -1, err
	}
	var n int
	err := s.pool.QueryRow(bg(), `SELECT number FROM trials WHERE id = $1`, trialID).Scan(&n)
	if noRows(err) {
		return -1, trialNotFound(trialID)
	}
	if err != nil {
		return -1, s.red.err(fmt.Errorf("read trial %d: %w", trialID, err))
	}
	return n, nil
}

// GetTrialParam returns a parameter's internal value; a parameter the trial
// does not have is an error matching tracker.ErrNotFound.
func (s *Store) GetTrialParam(trialID int, name string) (float64, error) {
	t, err := s.GetTrial(trialID)
	if err != nil {
		return -1, err
	}
	v, ok := t.InternalParams[name]
	if !ok {
		return -1, notFound("parameter %q of trial %d", name, trialID)
	}
	return v, nil
}

// GetTrialParams returns a copy of a trial's external parameter values.
func (s *Store) GetTrialParams(trialID int) (map[string]interface{}, error) {
	t, err := s.GetTrial(trialID)
	return t.Params, err
}

// GetTrialUserAttrs returns a copy of a trial's user attributes.
func (s *Store) GetTrialUserAttrs(trialID int) (map[string]string, error) {
	t, err := s.GetTrial(trialID)
	return t.UserAttrs, err
}

// GetTrialSystemAttrs returns a copy of a trial's system attributes.
func (s *Store) GetTrialSystemAttrs(trialID int) (map[string]string, error) {
	t, err := s.GetTrial(trialID)
	return t.SystemAttrs, err
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
