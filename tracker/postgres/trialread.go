package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// trialQuery reads trials whole, one row each: the trial's columns and its
// parameters, intermediate values and attributes as arrays (one index probe
// per side table), all from the statement's one snapshot.
const trialQuery = `
SELECT t.id, t.study_id, t.number, t.state, t.value, t.datetime_start, t.start_ns, t.datetime_complete, t.complete_ns,
	p.names, p.internals, p.dists, v.steps, v.vals, a.systems, a.keys, a.vals
FROM trials t
LEFT JOIN LATERAL (SELECT array_agg(name ORDER BY name) AS names, array_agg(internal ORDER BY name) AS internals,
	array_agg(distribution ORDER BY name) AS dists FROM trial_params WHERE trial_id = t.id) p ON true
LEFT JOIN LATERAL (SELECT array_agg(step ORDER BY step) AS steps, array_agg(value ORDER BY step) AS vals
	FROM trial_values WHERE trial_id = t.id) v ON true
LEFT JOIN LATERAL (SELECT array_agg(system ORDER BY system, key) AS systems, array_agg(key ORDER BY system, key) AS keys,
	array_agg(value ORDER BY system, key) AS vals FROM trial_attrs WHERE trial_id = t.id) a ON true
`

// distCache decodes each distinct distribution JSON once per read.
type distCache map[string]interface{}

func (c distCache) get(js string) (interface{}, error) {
	if d, ok := c[js]; ok {
		return tracker.CopyDistribution(d), nil
	}
	d, err := goptuna.JSONToDistribution([]byte(js))
	if err != nil {
		return nil, fmt.Errorf("distribution %s: %w: %w", js, err, tracker.ErrCorruptDB)
	}
	c[js] = d
	return tracker.CopyDistribution(d), nil
}

func scanTrial(row pgx.Row, dc distCache) (goptuna.FrozenTrial, error) {
	var (
		t            goptuna.FrozenTrial
		state        int16
		start, end   *time.Time
		sns, cns     int16
		pnames       [][]byte
		pints        []float64
		pdists       []string
		steps        []int64
		vals         []float64
		asys         []bool
		akeys, avals [][]byte
	)
	if err := row.Scan(&t.ID, &t.StudyID, &t.Number, &state, &t.Value, &start, &sns, &end, &cns,
		&pnames, &pints, &pdists, &steps, &vals, &asys, &akeys, &avals); err != nil {
		return t, err
	}
	t.State = goptuna.TrialState(state)
	t.DatetimeStart, t.DatetimeComplete = joinTime(start, sns), joinTime(end, cns)
	t.InternalParams = make(map[string]float64, len(pnames))
	t.Params = make(map[string]interface{}, len(pnames))
	t.Distributions = make(map[string]interface{}, len(pnames))
	for i, nb := range pnames {
		name := string(nb)
		d, err := dc.get(pdists[i])
		if err != nil {
			return t, fmt.Errorf("trial %d parameter %q: %w", t.ID, name, err)
		}
		xr, err := tracker.ExternalValue(d, pints[i])
		if err != nil {
			return t, fmt.Errorf("trial %d parameter %q: %w: %w", t.ID, name, err, tracker.ErrCorruptDB)
		}
		t.InternalParams[name], t.Params[name], t.Distributions[name] = pints[i], xr, d
	}
	t.IntermediateValues = make(map[int]float64, len(steps))
	for i, st := range steps {
		t.IntermediateValues[int(st)] = vals[i]
	}
	t.UserAttrs, t.SystemAttrs = map[string]string{}, map[string]string{}
	for i, sys := range asys {
		if sys {
			t.SystemAttrs[string(akeys[i])] = string(avals[i])
		} else {
			t.UserAttrs[string(akeys[i])] = string(avals[i])
		}
	}
	return t, nil
}

// GetTrial returns a trial, read whole from the database.
func (s *Store) GetTrial(trialID int) (goptuna.FrozenTrial, error) {
	if err := s.usable(); err != nil {
		return goptuna.FrozenTrial{}, err
	}
	if t, ok := s.takeDone(trialID); ok {
		return t, nil
	}
	t, err := scanTrial(s.pool.QueryRow(bg(), trialQuery+` WHERE t.id = $1`, trialID), distCache{})
	if noRows(err) {
		return goptuna.FrozenTrial{}, trialNotFound(trialID)
	}
	if err != nil {
		return goptuna.FrozenTrial{}, s.red.err(fmt.Errorf("read trial %d: %w", trialID, err))
	}
	s.merge(&t)
	return t, nil
}

// GetAllTrials returns a study's trials in number order.
func (s *Store) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	var out []goptuna.FrozenTrial
	err := s.readTx(bg(), func(tx pgx.Tx) error {
		var ok bool
		if err := tx.QueryRow(bg(), `SELECT true FROM studies WHERE id = $1`, studyID).Scan(&ok); err != nil {
			if noRows(err) {
				return studyNotFound(studyID)
			}
			return err
		}
		var err error
		out, err = studyTrialsTx(bg(), tx, studyID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read trials of study %d: %w", studyID, err)
	}
	for i := range out {
		s.merge(&out[i])
	}
	return out, nil
}

// studyTrialsTx reads a study's trials with one query per table (trials,
// parameters, intermediate values, attributes), in number order: a few
// sequential reads instead of an index probe per trial and table.
func studyTrialsTx(ctx context.Context, tx pgx.Tx, studyID int) ([]goptuna.FrozenTrial, error) {
	rows, err := tx.Query(ctx, `SELECT id, number, state, value, datetime_start, start_ns, datetime_complete, complete_ns
FROM trials WHERE study_id = $1 ORDER BY number`, studyID)
	if err != nil {
		return nil, err
	}
	out := []goptuna.FrozenTrial{}
	at := map[int]int{}
	for rows.Next() {
		var (
			t          goptuna.FrozenTrial
			state      int16
			start, end *time.Time
			sns, cns   int16
		)
		if err := rows.Scan(&t.ID, &t.Number, &state, &t.Value, &start, &sns, &end, &cns); err != nil {
			rows.Close()
			return nil, err
		}
		t.StudyID, t.State = studyID, goptuna.TrialState(state)
		t.DatetimeStart, t.DatetimeComplete = joinTime(start, sns), joinTime(end, cns)
		t.InternalParams, t.Params, t.Distributions = map[string]float64{}, map[string]interface{}{}, map[string]interface{}{}
		t.IntermediateValues, t.UserAttrs, t.SystemAttrs = map[int]float64{}, map[string]string{}, map[string]string{}
		at[t.ID] = len(out)
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	dc := distCache{}
	rows, err = tx.Query(ctx, `SELECT p.trial_id, p.name, p.internal, p.distribution
FROM trial_params p JOIN trials t ON t.id = p.trial_id WHERE t.study_id = $1`, studyID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			id   int
			name []byte
			ir   float64
			js   string
		)
		if err := rows.Scan(&id, &name, &ir, &js); err != nil {
			rows.Close()
			return nil, err
		}
		t := &out[at[id]]
		d, err := dc.get(js)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("trial %d parameter %q: %w", id, name, err)
		}
		xr, err := tracker.ExternalValue(d, ir)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("trial %d parameter %q: %w: %w", id, name, err, tracker.ErrCorruptDB)
		}
		t.InternalParams[string(name)], t.Params[string(name)], t.Distributions[string(name)] = ir, xr, d
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT v.trial_id, v.step, v.value
FROM trial_values v JOIN trials t ON t.id = v.trial_id WHERE t.study_id = $1`, studyID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var (
			id   int
			step int64
			v    float64
		)
		if err := rows.Scan(&id, &step, &v); err != nil {
			rows.Close()
			return nil, err
		}
		out[at[id]].IntermediateValues[int(step)] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `SELECT a.trial_id, a.system, a.key, a.value
FROM trial_attrs a JOIN trials t ON t.id = a.trial_id WHERE t.study_id = $1`, studyID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id     int
			system bool
			k, v   []byte
		)
		if err := rows.Scan(&id, &system, &k, &v); err != nil {
			return nil, err
		}
		t := &out[at[id]]
		if system {
			t.SystemAttrs[string(k)] = string(v)
		} else {
			t.UserAttrs[string(k)] = string(v)
		}
	}
	return out, rows.Err()
}
