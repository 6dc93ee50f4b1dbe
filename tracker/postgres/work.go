package postgres

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cgx-dev/cgx/tracker"
)

// The work queue is table work, keyed by (run_id, stage, idx). Leases are
// measured on the server's clock (now()), so workers' clocks never matter.
// A claim is one statement: it picks the first claimable item in (run,
// stage, index) order with SELECT ... FOR UPDATE SKIP LOCKED, so concurrent
// claimers on any machine skip each other's rows instead of queueing, and
// leases it. An owner whose lease ran out may still renew or complete the
// item until another worker claims it.

const workColumns = `run_id, stage, idx, kind, payload, state, owner, lease_until, attempts, result`

func scanWork(row pgx.Row) (tracker.WorkItem, error) {
	var (
		it     tracker.WorkItem
		state  string
		until  *time.Time
		result []byte
	)
	err := row.Scan(&it.RunID, &it.Stage, &it.Index, &it.Kind, &it.Payload, &state, &it.Owner, &until, &it.Attempts, &result)
	if err != nil {
		return it, err
	}
	it.State = tracker.WorkState(state)
	it.LeaseUntil = fromNull(until)
	if len(result) == len(it.Result) {
		copy(it.Result[:], result)
	}
	return it, nil
}

// EnqueueWork adds items as pending; items that already exist are left as
// they are (INSERT ... ON CONFLICT DO NOTHING), so enqueueing is
// idempotent.
func (s *Store) EnqueueWork(ctx context.Context, items []tracker.WorkItem) error {
	if err := s.writable("enqueue work"); err != nil {
		return err
	}
	if len(items) == 0 {
		return nil
	}
	var (
		runs     []int64
		stages   []string
		idx      []int32
		kinds    []string
		payloads [][]byte
	)
	for _, it := range items {
		if err := checkText("work stage", it.Stage); err != nil {
			return fmt.Errorf("enqueue work: %w", err)
		}
		if err := checkText("work kind", it.Kind); err != nil {
			return fmt.Errorf("enqueue work: %w", err)
		}
		p := it.Payload
		if p == nil {
			p = []byte{}
		}
		runs, stages, idx, kinds, payloads = append(runs, int64(it.RunID)), append(stages, it.Stage), append(idx, int32(it.Index)), append(kinds, it.Kind), append(payloads, p)
	}
	_, err := s.exec(ctx, `INSERT INTO work (run_id, stage, idx, kind, payload, state)
SELECT r, s, i, k, p, 'pending' FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::bytea[]) AS x(r, s, i, k, p)
ON CONFLICT (run_id, stage, idx) DO NOTHING`, runs, stages, idx, kinds, payloads)
	if err != nil {
		return fmt.Errorf("enqueue %d work items: %w", len(items), err)
	}
	return nil
}

// claimSQL leases the first claimable item of run $3 (any when 0) and
// stage $4 (any when empty) to owner $1 for $2 seconds and returns it.
const claimSQL = `
WITH c AS (SELECT run_id, stage, idx FROM work
	WHERE (state = 'pending' OR (state = 'leased' AND lease_until < now()))
	AND ($3 = 0 OR run_id = $3) AND ($4 = '' OR stage = $4)
	ORDER BY run_id, stage, idx LIMIT 1 FOR UPDATE SKIP LOCKED)
UPDATE work w SET state = 'leased', owner = $1, lease_until = now() + make_interval(secs => $2), attempts = w.attempts + 1
FROM c WHERE w.run_id = c.run_id AND w.stage = c.stage AND w.idx = c.idx
RETURNING w.run_id, w.stage, w.idx, w.kind, w.payload, w.state, w.owner, w.lease_until, w.attempts, w.result`

// ClaimWork leases the first claimable item (pending, or leased with its
// lease run out) of run runID (any run when 0) and stage (any when "") to
// owner for lease.
func (s *Store) ClaimWork(ctx context.Context, owner string, lease time.Duration, runID int, stage string) (tracker.WorkItem, bool, error) {
	if err := s.writable("claim work"); err != nil {
		return tracker.WorkItem{}, false, err
	}
	if lease <= 0 {
		return tracker.WorkItem{}, false, fmt.Errorf("claim work: lease %v, want a positive duration", lease)
	}
	it, err := scanWork(s.pool.QueryRow(ctx, claimSQL, owner, lease.Seconds(), runID, stage))
	if noRows(err) {
		return tracker.WorkItem{}, false, nil
	}
	if err != nil {
		return tracker.WorkItem{}, false, s.red.err(fmt.Errorf("claim work for %s: %w", owner, err))
	}
	return it, true, nil
}

// RenewLease extends owner's lease on key to lease from now;
// tracker.ErrLeaseLost when owner no longer holds it (another worker
// claimed it, or it is done), tracker.ErrNotFound when there is no such
// item.
func (s *Store) RenewLease(ctx context.Context, key tracker.WorkKey, owner string, lease time.Duration) error {
	if err := s.writable("renew lease"); err != nil {
		return err
	}
	n, err := s.exec(ctx, `UPDATE work SET lease_until = now() + make_interval(secs => $5)
WHERE run_id = $1 AND stage = $2 AND idx = $3 AND state = 'leased' AND owner = $4`, key.RunID, key.Stage, key.Index, owner, lease.Seconds())
	if err != nil {
		return fmt.Errorf("renew lease on %s: %w", workName(key), err)
	}
	if n > 0 {
		return nil
	}
	var state, holder string
	err = s.pool.QueryRow(ctx, `SELECT state, owner FROM work WHERE run_id = $1 AND stage = $2 AND idx = $3`, key.RunID, key.Stage, key.Index).Scan(&state, &holder)
	if noRows(err) {
		return notFound("%s", workName(key))
	}
	if err != nil {
		return s.red.err(fmt.Errorf("renew lease on %s: %w", workName(key), err))
	}
	return fmt.Errorf("renew lease on %s for %s: the item is %s (owner %q): %w", workName(key), owner, state, holder, tracker.ErrLeaseLost)
}

// CompleteWork records result for the item and marks it done, if owner
// holds it. The first completion wins: completing an item already done
// returns nil when result is the same and tracker.ErrWorkConflict when it
// differs; completing an item another worker holds (or nobody does)
// returns tracker.ErrLeaseLost.
func (s *Store) CompleteWork(ctx context.Context, key tracker.WorkKey, owner string, result tracker.ID) error {
	if err := s.writable("complete work"); err != nil {
		return err
	}
	err := s.writeTx(ctx, func(tx pgx.Tx) error {
		var state, holder string
		var prev []byte
		err := tx.QueryRow(ctx, `SELECT state, owner, result FROM work WHERE run_id = $1 AND stage = $2 AND idx = $3 FOR UPDATE`,
			key.RunID, key.Stage, key.Index).Scan(&state, &holder, &prev)
		if noRows(err) {
			return notFound("%s", workName(key))
		}
		if err != nil {
			return err
		}
		if err := completionRefusal(state, holder, prev, owner, result); err != nil {
			if errors.Is(err, errAlreadyDone) {
				return nil
			}
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE work SET state = 'done', result = $4, lease_until = NULL
WHERE run_id = $1 AND stage = $2 AND idx = $3`, key.RunID, key.Stage, key.Index, result[:])
		return err
	})
	if err != nil {
		return fmt.Errorf("complete %s: %w", workName(key), err)
	}
	return nil
}

// CompleteWorkResult stores out as an artifact (as PutArtifact does, with
// meta) and completes key with it (as CompleteWork does), in one implicit
// transaction sent in one round trip, where the two calls take two commits
// and five round trips. The artifact is kept even when the item
// is not completed (content addressing makes it harmless: a worker that
// completes the item stores the same bytes).
func (s *Store) CompleteWorkResult(ctx context.Context, key tracker.WorkKey, owner string, out []byte, meta tracker.ArtifactMeta) (tracker.ID, error) {
	id, _, _, err := s.completeResult(ctx, key, owner, out, meta, 0)
	return id, err
}

// CompleteWorkResultAndClaim is CompleteWorkResult followed, in the same
// transaction and round trip, by ClaimWork(owner, lease, key.RunID,
// key.Stage): a walker going through a stage's items takes its next one
// with the commit that finishes the last. The claim is made whether or not
// the completion is accepted; when it returns an error, the claimed item
// (ok) is still the caller's to do or release.
func (s *Store) CompleteWorkResultAndClaim(ctx context.Context, key tracker.WorkKey, owner string, out []byte, meta tracker.ArtifactMeta,
	lease time.Duration) (id tracker.ID, next tracker.WorkItem, ok bool, err error) {
	if lease <= 0 {
		return id, next, false, fmt.Errorf("complete %s: lease %v, want a positive duration", workName(key), lease)
	}
	return s.completeResult(ctx, key, owner, out, meta, lease)
}

// completeResult is CompleteWorkResult, and CompleteWorkResultAndClaim when
// lease > 0.
func (s *Store) completeResult(ctx context.Context, key tracker.WorkKey, owner string, out []byte, meta tracker.ArtifactMeta,
	lease time.Duration) (tracker.ID, tracker.WorkItem, bool, error) {
	var (
		next tracker.WorkItem
		ok   bool
	)
	if err := s.writable("complete work"); err != nil {
		return tracker.ID{}, next, false, err
	}
	a, err := newArtifactPut(tracker.Sum(out), out, meta)
	if err != nil {
		return tracker.ID{}, next, false, fmt.Errorf("complete %s: result: %w", workName(key), err)
	}
	var done int64
	err = s.sendBatch(ctx, func(b *pgx.Batch) {
		next, ok, done = tracker.WorkItem{}, false, 0
		s.queueArtifact(b, a)
		b.Queue(`UPDATE work SET state = 'done', result = $4, lease_until = NULL
WHERE run_id = $1 AND stage = $2 AND idx = $3 AND state = 'leased' AND owner = $5`, key.RunID, key.Stage, key.Index, a.id[:], owner).
			Exec(func(tag pgconn.CommandTag) error { done = tag.RowsAffected(); return nil })
		if lease > 0 {
			b.Queue(claimSQL, owner, lease.Seconds(), key.RunID, key.Stage).Query(func(rows pgx.Rows) error {
				if !rows.Next() {
					return rows.Err()
				}
				var err error
				next, err = scanWork(rows)
				ok = err == nil
				return err
			})
		}
	})
	if err != nil {
		return tracker.ID{}, tracker.WorkItem{}, false, fmt.Errorf("complete %s: %w", workName(key), err)
	}
	if done == 1 {
		return a.id, next, ok, nil
	}
	// Not completed here: say why, as CompleteWork would have.
	var state, holder string
	var prev []byte
	err = s.pool.QueryRow(ctx, `SELECT state, owner, result FROM work WHERE run_id = $1 AND stage = $2 AND idx = $3`,
		key.RunID, key.Stage, key.Index).Scan(&state, &holder, &prev)
	switch {
	case noRows(err):
		err = notFound("%s", workName(key))
	case err != nil:
		err = s.red.err(err)
	default:
		err = completionRefusal(state, holder, prev, owner, a.id)
		if errors.Is(err, errAlreadyDone) {
			return a.id, next, ok, nil
		}
		if err == nil { // owner holds it now, yet the update matched nothing
			err = fmt.Errorf("%s holds it, but the completion changed nothing: %w", owner, tracker.ErrLeaseLost)
		}
	}
	return tracker.ID{}, next, ok, fmt.Errorf("complete %s: %w", workName(key), err)
}

// errAlreadyDone is completionRefusal's answer for an item done with the
// same result: the completion is accepted with nothing to write.
var errAlreadyDone = errors.New("already done with this result")

// completionRefusal says why owner may not complete an item found in state
// (held by holder, with result prev) with result: nil when owner holds it,
// errAlreadyDone when it is done with the same result (the first
// completion wins, an equal one is accepted), tracker.ErrWorkConflict when
// it is done with another, tracker.ErrLeaseLost when owner does not hold it.
func completionRefusal(state, holder string, prev []byte, owner string, result tracker.ID) error {
	switch {
	case state == string(tracker.WorkDone) && bytes.Equal(prev, result[:]):
		return errAlreadyDone
	case state == string(tracker.WorkDone):
		return fmt.Errorf("result %s, but it is done with %x: %w", result, prev, tracker.ErrWorkConflict)
	case state != string(tracker.WorkLeased) || holder != owner:
		return fmt.Errorf("%s does not hold it (it is %s, owner %q): %w", owner, state, holder, tracker.ErrLeaseLost)
	}
	return nil
}

// WorkResults returns the result bytes of the done items of a run's stage,
// by index, in one query (where ListWork and a GetArtifact per item take a
// round trip each, four with GetArtifact's transaction). Each result is
// re-hashed as GetArtifact does: damaged or missing bytes give an error
// matching tracker.ErrCorruptArtifact.
func (s *Store) WorkResults(ctx context.Context, runID int, stage string) (map[int][]byte, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT w.idx, w.result, m.seq IS NOT NULL, c.data FROM work w
LEFT JOIN artifact_chunks m ON m.artifact = w.result LEFT JOIN chunks c ON c.sha256 = m.chunk
WHERE w.run_id = $1 AND w.stage = $2 AND w.state = 'done' ORDER BY w.idx, m.seq`, runID, stage)
	if err != nil {
		return nil, s.red.err(fmt.Errorf("read results of work %d/%s: %w", runID, stage, err))
	}
	defer rows.Close()
	out := map[int][]byte{}
	ids := map[int]tracker.ID{}
	for rows.Next() {
		var (
			idx    int
			result []byte
			listed bool
			data   []byte
		)
		if err := rows.Scan(&idx, &result, &listed, &data); err != nil {
			return nil, s.red.err(fmt.Errorf("read results of work %d/%s: %w", runID, stage, err))
		}
		var id tracker.ID
		if len(result) != len(id) {
			return nil, tagf(tracker.ErrCorruptDB, "work item %d/%s/%d is done without a result id; restore the database from a backup or rerun the run", runID, stage, idx)
		}
		copy(id[:], result)
		// An artifact of no bytes lists no chunks; any other lists at least
		// one, each stored.
		if (!listed && id != tracker.Sum(nil)) || (listed && data == nil) {
			return nil, tagf(tracker.ErrCorruptArtifact, "artifact %s (result of work item %d/%s/%d): a chunk is missing; restore the database from a backup or rerun the run", id, runID, stage, idx)
		}
		ids[idx] = id
		out[idx] = append(out[idx], data...)
	}
	if err := rows.Err(); err != nil {
		return nil, s.red.err(fmt.Errorf("read results of work %d/%s: %w", runID, stage, err))
	}
	for idx, b := range out {
		if got := tracker.Sum(b); got != ids[idx] {
			return nil, tagf(tracker.ErrCorruptArtifact, "artifact %s (result of work item %d/%s/%d): its %d stored bytes hash to %s; restore the database from a backup or rerun the run",
				ids[idx], runID, stage, idx, len(b), got)
		}
		if b == nil {
			out[idx] = []byte{}
		}
	}
	return out, nil
}

// ListWork lists a run's items (of one stage when stage is not ""),
// ordered by stage then index.
func (s *Store) ListWork(ctx context.Context, runID int, stage string) ([]tracker.WorkItem, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT `+workColumns+` FROM work WHERE run_id = $1 AND ($2 = '' OR stage = $2) ORDER BY stage, idx`, runID, stage)
	if err != nil {
		return nil, s.red.err(fmt.Errorf("list work of run %d: %w", runID, err))
	}
	defer rows.Close()
	out := []tracker.WorkItem{}
	for rows.Next() {
		it, err := scanWork(rows)
		if err != nil {
			return nil, s.red.err(fmt.Errorf("list work of run %d: %w", runID, err))
		}
		out = append(out, it)
	}
	if err := rows.Err(); err != nil {
		return nil, s.red.err(fmt.Errorf("list work of run %d: %w", runID, err))
	}
	return out, nil
}

func workName(k tracker.WorkKey) string {
	return fmt.Sprintf("work item %d/%s/%d", k.RunID, k.Stage, k.Index)
}
