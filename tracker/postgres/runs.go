package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// Runs and stages are stored as JSON (column record, PostgreSQL type json,
// which keeps the text as written); metrics keep NaN and ±Inf as the
// strings tracker.JSONFloat writes. Columns beside the record (status,
// run_id, name) repeat fields of it for queries.

type runJSON struct {
	tracker.Run
	Metrics map[string]tracker.JSONFloat `json:"Metrics"`
}

type stageJSON struct {
	tracker.Stage
	Metrics map[string]tracker.JSONFloat `json:"Metrics"`
}

func toJMap(m map[string]float64) map[string]tracker.JSONFloat {
	if m == nil {
		return nil
	}
	out := make(map[string]tracker.JSONFloat, len(m))
	for k, v := range m {
		out[k] = tracker.JSONFloat(v)
	}
	return out
}

func fromJMap(m map[string]tracker.JSONFloat) map[string]float64 {
	if m == nil {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = float64(v)
	}
	return out
}

func encodeRun(r tracker.Run) (string, error) {
	js, err := json.Marshal(runJSON{Run: r, Metrics: toJMap(r.Metrics)})
	return string(js), err
}

func decodeRun(id int, raw string) (tracker.Run, error) {
	var j runJSON
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		return tracker.Run{}, fmt.Errorf("decode run %d: %w: %w", id, err, tracker.ErrCorruptDB)
	}
	j.Run.Metrics = fromJMap(j.Metrics)
	j.Run.ID = id
	return j.Run, nil
}

func encodeStage(st tracker.Stage) (string, error) {
	js, err := json.Marshal(stageJSON{Stage: st, Metrics: toJMap(st.Metrics)})
	return string(js), err
}

func decodeStage(key, raw string) (tracker.Stage, error) {
	var j stageJSON
	if err := json.Unmarshal([]byte(raw), &j); err != nil {
		return tracker.Stage{}, fmt.Errorf("decode stage %s: %w: %w", key, err, tracker.ErrCorruptDB)
	}
	j.Stage.Metrics = fromJMap(j.Metrics)
	return j.Stage, nil
}

// CreateRun stores r with a new id (from a sequence, from 1, never handed
// out again), which it returns. An empty status becomes tracker.RunRunning.
func (s *Store) CreateRun(ctx context.Context, r tracker.Run) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	if err := s.writable("create run"); err != nil {
		return 0, err
	}
	if r.Status == "" {
		r.Status = tracker.RunRunning
	}
	var id int
	err := s.writeTx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('runs', 'id'))`).Scan(&id); err != nil {
			return err
		}
		r.ID = id
		raw, err := encodeRun(r)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO runs (id, status, record) VALUES ($1, $2, $3::text::json)`, id, string(r.Status), raw)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("create run in %s: %w", s.location, err)
	}
	return id, nil
}

// UpdateRun reads run id, lets fn change it and writes it back, in one
// transaction that holds the run's row lock (SELECT ... FOR UPDATE), so
// concurrent updaters on any machine apply one after another. An error from
// fn leaves the run unchanged. fn cannot change the id. fn runs again when
// PostgreSQL picks the transaction as a deadlock victim, so it must only
// change the run it is given.
func (s *Store) UpdateRun(ctx context.Context, id int, fn func(*tracker.Run) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.writable("update run"); err != nil {
		return err
	}
	err := s.writeTx(ctx, func(tx pgx.Tx) error {
		r, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(&r); err != nil {
			return err
		}
		return putRun(ctx, tx, id, r)
	})
	if err != nil {
		return fmt.Errorf("update run %d: %w", id, err)
	}
	return nil
}

func lockRun(ctx context.Context, tx pgx.Tx, id int) (tracker.Run, error) {
	var raw string
	err := tx.QueryRow(ctx, `SELECT record::text FROM runs WHERE id = $1 FOR UPDATE`, id).Scan(&raw)
	if noRows(err) {
		return tracker.Run{}, notFound("run %d", id)
	}
	if err != nil {
		return tracker.Run{}, err
	}
	return decodeRun(id, raw)
}

func putRun(ctx context.Context, tx pgx.Tx, id int, r tracker.Run) error {
	r.ID = id
	if r.Status == "" {
		r.Status = tracker.RunRunning
	}
	raw, err := encodeRun(r)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE runs SET status = $2, record = $3::text::json WHERE id = $1`, id, string(r.Status), raw)
	return err
}

// GetRun returns run id, or an error matching tracker.ErrNotFound.
func (s *Store) GetRun(ctx context.Context, id int) (tracker.Run, error) {
	if err := s.usable(); err != nil {
		return tracker.Run{}, err
	}
	var raw string
	err := s.pool.QueryRow(ctx, `SELECT record::text FROM runs WHERE id = $1`, id).Scan(&raw)
	if noRows(err) {
		return tracker.Run{}, notFound("run %d", id)
	}
	if err != nil {
		return tracker.Run{}, s.red.err(fmt.Errorf("read run %d: %w", id, err))
	}
	return decodeRun(id, raw)
}

// ListRuns returns every run in id order.
func (s *Store) ListRuns(ctx context.Context) ([]tracker.Run, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT id, record::text FROM runs ORDER BY id`)
	if err != nil {
		return nil, s.red.err(fmt.Errorf("list runs: %w", err))
	}
	defer rows.Close()
	var out []tracker.Run
	var bad []error
	for rows.Next() {
		var id int
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, s.red.err(fmt.Errorf("list runs: %w", err))
		}
		r, err := decodeRun(id, raw)
		if err != nil {
			bad = append(bad, err)
			continue
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.red.err(fmt.Errorf("list runs: %w", err))
	}
	if len(bad) > 0 {
		return out, fmt.Errorf("list runs: %d record(s) left out; run 'cgx check': %w", len(bad), errors.Join(bad...))
	}
	return out, nil
}

// SetRunTags adds and removes tags of run id (tracker.TagRun).
func (s *Store) SetRunTags(ctx context.Context, id int, add, rm []string) ([]string, error) {
	return tracker.TagRun(ctx, s, id, add, rm)
}

// SetRunNote replaces run id's note; a blank note removes it (tracker.NoteRun).
func (s *Store) SetRunNote(ctx context.Context, id int, note string) error {
	return tracker.NoteRun(ctx, s, id, note)
}

// DeleteRun removes run id, the stages it computed that no other run lists
// and the studies that no remaining run or stage names, all in one
// transaction (other machines see the run whole or gone; the rule is
// tracker.PlanRunDeletion). Stages it computed that other runs reuse are
// kept with RunID 0 and tracker.StageAttrDeletedRun. Artifacts are left for
// GC.
func (s *Store) DeleteRun(ctx context.Context, id int) (tracker.RunDeletion, error) {
	del := tracker.RunDeletion{Run: id, Stages: []string{}, KeptStages: []string{}, Studies: []int{}}
	if err := ctx.Err(); err != nil {
		return del, err
	}
	if err := s.writable("delete run"); err != nil {
		return del, err
	}
	err := s.writeTx(ctx, func(tx pgx.Tx) error {
		del.Stages, del.KeptStages, del.Studies = del.Stages[:0], del.KeptStages[:0], del.Studies[:0]
		run, err := lockRun(ctx, tx, id)
		if err != nil {
			return err
		}
		// Runs that are being created or changed meanwhile wait for this
		// transaction only where they touch the same rows; the lock on
		// runs below makes the reuse test see every committed run.
		if _, err := tx.Exec(ctx, `LOCK TABLE runs, stages IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		runs, err := listRunsTx(ctx, tx)
		if err != nil {
			return err
		}
		stages, err := listStagesTx(ctx, tx, 0)
		if err != nil {
			return err
		}
		plan := tracker.PlanRunDeletion(run, runs, stages)
		for _, st := range plan.Keep {
			if err := putStageTx(ctx, tx, st); err != nil {
				return err
			}
			del.KeptStages = append(del.KeptStages, st.Key)
		}
		for _, k := range plan.Delete {
			if _, err := tx.Exec(ctx, `DELETE FROM stages WHERE key = $1`, k); err != nil {
				return err
			}
			del.Stages = append(del.Stages, k)
		}
		studies := make([]int64, len(plan.Studies))
		for i, sid := range plan.Studies {
			studies[i] = int64(sid)
		}
		rows, err := tx.Query(ctx, `DELETE FROM studies WHERE id = ANY($1) RETURNING id`, studies)
		if err != nil {
			return err
		}
		for rows.Next() {
			var sid int
			if err := rows.Scan(&sid); err != nil {
				rows.Close()
				return err
			}
			del.Studies = append(del.Studies, sid)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		sort.Ints(del.Studies)
		// Its work items go too: their results would keep artifacts from GC.
		if _, err := tx.Exec(ctx, `DELETE FROM work WHERE run_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM runs WHERE id = $1`, id)
		return err
	})
	if err != nil {
		return del, fmt.Errorf("delete run %d: %w", id, err)
	}
	return del, nil
}

func listRunsTx(ctx context.Context, tx pgx.Tx) ([]tracker.Run, error) {
	rows, err := tx.Query(ctx, `SELECT id, record::text FROM runs ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tracker.Run
	for rows.Next() {
		var id int
		var raw string
		if err := rows.Scan(&id, &raw); err != nil {
			return nil, err
		}
		r, err := decodeRun(id, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
