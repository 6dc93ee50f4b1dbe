package postgres

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// GC removes the artifacts nothing in the database references (by
// tracker.ReferencedArtifacts' rules, shared with bbolt, plus the results of
// work items) and the chunks no artifact lists any more.
//
// The race with writers on other machines: an artifact is stored before the
// run, stage or trial that names it, so GC keeps every unreferenced
// artifact that another live session wrote (its heartbeat is fresh): that
// process may be about to name it. Such an artifact is collected by a GC
// after its writer closed or went stale. GC holds the exclusive GC advisory
// lock while it decides and deletes; every artifact write holds it shared,
// so no upload links chunks that GC is removing; uploads that start while
// GC waits for the lock wait for GC. Dry runs take no lock. As with bbolt,
// GC must not run alongside artifact writes through the same Store ('cgx
// gc' makes none): they would hold the pool's connections while waiting
// for the lock that GC holds.
func (s *Store) GC(ctx context.Context, opt tracker.GCOptions) (tracker.GCReport, error) {
	rep := tracker.GCReport{DryRun: opt.DryRun, Artifacts: []tracker.ArtifactMeta{}, Orphans: []string{}}
	if err := s.writable("gc"); err != nil {
		return rep, err
	}
	decide := func() ([]tracker.ID, error) {
		metas, err := s.ListArtifacts(ctx, "")
		if err != nil {
			return nil, err
		}
		reached, err := tracker.ReferencedArtifacts(ctx, s, metas, opt.Unowned, func(id tracker.ID) ([]byte, error) {
			b, _, err := s.GetArtifact(ctx, id)
			return b, err
		})
		if err != nil {
			return nil, err
		}
		keep, err := s.keptByWork(ctx)
		if err != nil {
			return nil, err
		}
		rep.Artifacts, rep.Kept, rep.Bytes = rep.Artifacts[:0], 0, 0
		var drop []tracker.ID
		for _, m := range metas {
			if reached[m.ID] || keep[m.ID] {
				rep.Kept++
				continue
			}
			rep.Artifacts = append(rep.Artifacts, m)
			rep.Bytes += m.Size
			drop = append(drop, m.ID)
		}
		return drop, nil
	}
	orphans := func(q interface {
		Query(context.Context, string, ...any) (pgx.Rows, error)
	}) error {
		rows, err := q.Query(ctx, `SELECT sha256, size FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM artifact_chunks m WHERE m.chunk = c.sha256) ORDER BY sha256`)
		if err != nil {
			return err
		}
		defer rows.Close()
		rep.Orphans = rep.Orphans[:0]
		for rows.Next() {
			var sha []byte
			var size int64
			if err := rows.Scan(&sha, &size); err != nil {
				return err
			}
			rep.Orphans = append(rep.Orphans, "chunk "+hex.EncodeToString(sha))
			rep.Bytes += size
		}
		return rows.Err()
	}
	if opt.DryRun {
		if _, err := decide(); err != nil {
			return rep, fmt.Errorf("gc: %w", err)
		}
		if err := orphans(s.pool); err != nil {
			return rep, s.red.err(fmt.Errorf("gc: %w", err))
		}
		return rep, nil
	}
	err := s.writeTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, gcLock); err != nil {
			return err
		}
		drop, err := decide()
		if err != nil {
			return err
		}
		if err := orphans(tx); err != nil {
			return err
		}
		ids := make([][]byte, len(drop))
		for i := range drop {
			ids[i] = drop[i][:]
		}
		if _, err := tx.Exec(ctx, `DELETE FROM artifacts WHERE id = ANY($1)`, ids); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM artifact_chunks m WHERE m.chunk = c.sha256)`)
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("gc: %w", err)
	}
	return rep, nil
}

// keptByWork returns the artifacts GC keeps although nothing else names
// them: results of work items, and artifacts that another live session
// wrote (see GC).
func (s *Store) keptByWork(ctx context.Context) (map[tracker.ID]bool, error) {
	rows, err := s.pool.Query(ctx, `
SELECT result FROM work WHERE result IS NOT NULL
UNION
SELECT a.id FROM artifacts a WHERE a.session IS DISTINCT FROM $1
	AND EXISTS (SELECT 1 FROM sessions x WHERE x.id = a.session AND x.heartbeat > now() - make_interval(secs => $2))`,
		s.sessionOrNil(), s.stale.Seconds())
	if err != nil {
		return nil, s.red.err(err)
	}
	defer rows.Close()
	out := map[tracker.ID]bool{}
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, s.red.err(err)
		}
		var id tracker.ID
		if len(b) == len(id) {
			copy(id[:], b)
			out[id] = true
		}
	}
	return out, s.red.err(rows.Err())
}
