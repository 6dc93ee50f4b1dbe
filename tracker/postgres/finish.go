package postgres

import (
	"fmt"
	"maps"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
)

// finishTrialsSQL finishes a batch of unfinished trials in one statement
// (one transaction, one durable commit), all of them or none: it locks the
// batch's unfinished trials (in id order, so two batches that overlap
// cannot deadlock) and changes them only when it locked every one. It sets
// each trial's state and value and the batch's completion time, writes the
// attributes ($6-$9, at most one row per trial, system and key) and
// returns how many trials it finished: len(batch) or 0.
const finishTrialsSQL = `
WITH x AS (SELECT * FROM unnest($1::bigint[], $2::smallint[], $3::float8[]) AS x(id, state, value)),
l AS (SELECT t.id FROM trials t JOIN x ON t.id = x.id WHERE t.` + unfinished + ` ORDER BY t.id FOR UPDATE OF t),
ok AS (SELECT count(*) = $4::int AS all_locked FROM l),
u AS (UPDATE trials t SET state = x.state, value = x.value, datetime_complete = $5, complete_ns = $10
	FROM x WHERE t.id = x.id AND t.` + unfinished + ` AND (SELECT all_locked FROM ok) RETURNING t.id),
a AS (INSERT INTO trial_attrs (trial_id, system, key, value)
	SELECT u.id, y.system, y.key, y.value
	FROM unnest($6::bigint[], $7::bool[], $8::bytea[], $9::bytea[]) AS y(id, system, key, value) JOIN u ON u.id = y.id
	ON CONFLICT (trial_id, system, key) DO UPDATE SET value = excluded.value)
SELECT count(*) FROM u`

// FinishTrials finishes several unfinished trials in one durable commit,
// with tracker/bolt's semantics: each element names a trial by ID and gives
// its finished State, its Value, and user and system attributes to set
// (over the trial's own, pending setters of a trial this Store runs
// included). All are finished, with one completion time, or on error none
// is: a state that is not finished or a trial named twice is an error
// matching tracker.ErrInvalidTrial, an unknown trial one matching
// tracker.ErrNotFound, a finished trial one matching
// goptuna.ErrTrialCannotBeUpdated (the first such element in slice order
// is reported). cgx's search loop (study.Run) uses it to store a batch's
// results with one commit instead of one per trial.
func (s *Store) FinishTrials(done []goptuna.FrozenTrial) error {
	if err := s.writable("finish trials"); err != nil {
		return err
	}
	if len(done) == 0 {
		return nil
	}
	seen := make(map[int]bool, len(done))
	for i, d := range done {
		if !d.State.IsFinished() || seen[d.ID] {
			// Report what bbolt would: the first failing element, in
			// its order of checks, which needs the earlier trials'
			// states.
			return s.explainFinish(done[:i+1])
		}
		seen[d.ID] = true
	}

	complete, completeNS := splitTime(dbNow())
	at := joinTime(&complete.Time, completeNS)
	ids := make([]int64, len(done))
	states := make([]int16, len(done))
	values := make([]float64, len(done))
	var (
		aid        []int64
		asys       []bool
		akey, aval [][]byte
	)
	taken := make([]*pendingSet, len(done))
	kept := make([]goptuna.FrozenTrial, 0, len(done))
	for i, d := range done {
		ids[i], states[i], values[i] = int64(d.ID), int16(d.State), d.Value
		p := s.takePending(d.ID)
		taken[i] = p
		// The attributes the trial gets: its pending ones, then d's.
		user, system := map[string]string{}, map[string]string{}
		if p != nil {
			maps.Copy(user, p.user)
			maps.Copy(system, p.system)
		}
		maps.Copy(user, d.UserAttrs)
		maps.Copy(system, d.SystemAttrs)
		for _, k := range sortedKeys(user) {
			aid, asys, akey, aval = append(aid, int64(d.ID)), append(asys, false), append(akey, []byte(k)), append(aval, []byte(user[k]))
		}
		for _, k := range sortedKeys(system) {
			aid, asys, akey, aval = append(aid, int64(d.ID)), append(asys, true), append(akey, []byte(k)), append(aval, []byte(system[k]))
		}
		if p != nil && p.base != nil {
			// This Store knows the whole trial: keep the finished copy
			// for the next read, as SetTrialState does.
			value := d.Value
			f := pendingSet{studyID: p.studyID, value: &value, user: user, system: system, base: p.base}
			kept = append(kept, f.finished(d.State, at))
		}
	}
	restore := func() {
		for i, p := range taken {
			s.restore(done[i].ID, p)
		}
	}
	var n int
	err := s.pool.QueryRow(bg(), finishTrialsSQL, ids, states, values, len(done), complete,
		aid, asys, akey, aval, completeNS).Scan(&n)
	if err != nil {
		restore()
		return s.red.err(fmt.Errorf("finish %d trials: %w", len(done), err))
	}
	if n != len(done) {
		restore()
		return s.explainFinish(done)
	}
	for _, t := range kept {
		s.keepDone(t)
	}
	return nil
}

// explainFinish says why FinishTrials refused done, checking its elements
// in slice order as tracker/bolt does: a state that is not finished, an
// unknown trial, a trial named twice, a finished trial.
func (s *Store) explainFinish(done []goptuna.FrozenTrial) error {
	ids := make([]int64, len(done))
	for i, d := range done {
		ids[i] = int64(d.ID)
	}
	rows, err := s.pool.Query(bg(), `SELECT id, state FROM trials WHERE id = ANY($1::bigint[])`, ids)
	if err != nil {
		return s.red.err(fmt.Errorf("finish %d trials: %w", len(done), err))
	}
	states := make(map[int]goptuna.TrialState, len(done))
	for rows.Next() {
		var id int64
		var st int16
		if err := rows.Scan(&id, &st); err != nil {
			rows.Close()
			return s.red.err(fmt.Errorf("finish %d trials: %w", len(done), err))
		}
		states[int(id)] = goptuna.TrialState(st)
	}
	if err := rows.Err(); err != nil {
		return s.red.err(fmt.Errorf("finish %d trials: %w", len(done), err))
	}
	seen := make(map[int]bool, len(done))
	for _, d := range done {
		if !d.State.IsFinished() {
			return fmt.Errorf("finish trial %d: state %s is not a finished state: %w", d.ID, d.State, tracker.ErrInvalidTrial)
		}
		st, ok := states[d.ID]
		if !ok {
			return fmt.Errorf("finish trials: %w", trialNotFound(d.ID))
		}
		if seen[d.ID] {
			return fmt.Errorf("finish trial %d: named twice: %w", d.ID, tracker.ErrInvalidTrial)
		}
		seen[d.ID] = true
		if st.IsFinished() {
			return fmt.Errorf("finish trial %d: trial is %s: %w", d.ID, st, goptuna.ErrTrialCannotBeUpdated)
		}
	}
	// Every trial is there and unfinished now: another process changed
	// one while this batch ran (or the study was deleted and the ids
	// taken again, which sequences rule out).
	return fmt.Errorf("finish %d trials: a trial changed while they were being finished; nothing was written, try again", len(done))
}
