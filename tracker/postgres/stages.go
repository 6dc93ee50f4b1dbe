package postgres

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// checkText refuses what a PostgreSQL text column cannot hold: invalid
// UTF-8 and NUL bytes.
func checkText(what, s string) error {
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return fmt.Errorf("%s %q: not valid UTF-8 text without NUL bytes, which PostgreSQL requires", what, s)
	}
	return nil
}

// PutStage stores st under st.Key, replacing a stage with the same key.
// Putting the same stage again changes nothing, so workers on several
// machines that finish the same deterministic stage may all put it.
func (s *Store) PutStage(ctx context.Context, st tracker.Stage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := s.writable("put stage"); err != nil {
		return err
	}
	if st.Key == "" {
		return fmt.Errorf("put stage %q: empty key", st.Name)
	}
	if err := checkText("stage key", st.Key); err != nil {
		return fmt.Errorf("put stage: %w", err)
	}
	err := s.writeTx(ctx, func(tx pgx.Tx) error { return putStageTx(ctx, tx, st) })
	if err != nil {
		return fmt.Errorf("put stage %s: %w", st.Key, err)
	}
	return nil
}

func putStageTx(ctx context.Context, tx pgx.Tx, st tracker.Stage) error {
	raw, err := encodeStage(st)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO stages (key, run_id, name, record) VALUES ($1, $2, $3, $4::text::json)
ON CONFLICT (key) DO UPDATE SET run_id = excluded.run_id, name = excluded.name, record = excluded.record`,
		st.Key, st.RunID, strings.ToValidUTF8(strings.ReplaceAll(st.Name, "\x00", ""), "\uFFFD"), raw)
	return err
}

// GetStage returns the stage stored under key, or an error matching
// tracker.ErrNotFound.
func (s *Store) GetStage(ctx context.Context, key string) (tracker.Stage, error) {
	if err := s.usable(); err != nil {
		return tracker.Stage{}, err
	}
	if checkText("stage key", key) != nil {
		return tracker.Stage{}, notFound("stage %s", key)
	}
	var raw string
	err := s.pool.QueryRow(ctx, `SELECT record::text FROM stages WHERE key = $1`, key).Scan(&raw)
	if noRows(err) {
		return tracker.Stage{}, notFound("stage %s", key)
	}
	if err != nil {
		return tracker.Stage{}, s.red.err(fmt.Errorf("read stage %s: %w", key, err))
	}
	return decodeStage(key, raw)
}

// ListStages returns the stages of a run (every stage when runID is 0),
// ordered by start time, then key.
func (s *Store) ListStages(ctx context.Context, runID int) ([]tracker.Stage, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	var out []tracker.Stage
	err := s.readTx(ctx, func(tx pgx.Tx) error {
		var err error
		out, err = listStagesTx(ctx, tx, runID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("list stages: %w", err)
	}
	return out, nil
}

func listStagesTx(ctx context.Context, tx pgx.Tx, runID int) ([]tracker.Stage, error) {
	rows, err := tx.Query(ctx, `SELECT key, record::text FROM stages WHERE $1 = 0 OR run_id = $1`, runID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []tracker.Stage{}
	for rows.Next() {
		var key, raw string
		if err := rows.Scan(&key, &raw); err != nil {
			return nil, err
		}
		st, err := decodeStage(key, raw)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Started.Equal(out[j].Started) {
			return out[i].Started.Before(out[j].Started)
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}
