package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
)

// Check validates the database: the schema version; every study's trial
// numbers are dense (0..n-1 against its counter); every trial decodes
// (distributions known, internal values valid for them); every run and
// stage record decodes and agrees with its row; links between runs,
// stages, artifacts and work items resolve; every chunk hashes to its name
// and every artifact's chunks hash, together, to its id with the recorded
// size. The error is for failures to check at all; damage is in the report.
// Check reads while others write: a run or artifact committed meanwhile may
// be counted or not.
func (s *Store) Check(ctx context.Context) (tracker.CheckReport, error) {
	rep := tracker.CheckReport{Path: s.location}
	if err := s.usable(); err != nil {
		return rep, err
	}
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return rep, s.red.err(fmt.Errorf("check %s: %w", s.location, err))
	}
	v, err := readVersion(ctx, conn)
	conn.Release()
	if err != nil {
		return rep, s.red.err(fmt.Errorf("check %s: %w", s.location, err))
	}
	rep.FormatVersion = v
	if v != SchemaVersion {
		rep.Addf("schema", "version %d, this cgx reads %d", v, SchemaVersion)
		return rep, nil
	}
	studies, err := s.checkStudies(ctx, &rep)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", s.location, err)
	}
	arts, err := s.checkArtifacts(ctx, &rep)
	if err != nil {
		return rep, fmt.Errorf("check %s: %w", s.location, err)
	}
	if err := s.checkRunsStages(ctx, &rep, studies, arts); err != nil {
		return rep, fmt.Errorf("check %s: %w", s.location, err)
	}
	if err := s.checkWork(ctx, &rep, arts); err != nil {
		return rep, fmt.Errorf("check %s: %w", s.location, err)
	}
	if !rep.OK() {
		rep.Recover = []string{
			"restore the database from a backup (pg_dump/pg_restore, or the server's point-in-time recovery), or",
			"copy what is sound into a new database with 'cgx db copy' and rerun the runs whose artifacts are damaged",
		}
	}
	return rep, nil
}

func (s *Store) checkStudies(ctx context.Context, rep *tracker.CheckReport) (map[int]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT s.id, s.n_trials, count(t.id), coalesce(min(t.number), 0), coalesce(max(t.number), -1)
FROM studies s LEFT JOIN trials t ON t.study_id = s.id GROUP BY s.id ORDER BY s.id`)
	if err != nil {
		return nil, s.red.err(err)
	}
	type dense struct{ id, counter, n, lo, hi int }
	var all []dense
	for rows.Next() {
		var d dense
		if err := rows.Scan(&d.id, &d.counter, &d.n, &d.lo, &d.hi); err != nil {
			rows.Close()
			return nil, s.red.err(err)
		}
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.red.err(err)
	}
	studies := map[int]bool{}
	for _, d := range all {
		studies[d.id] = true
		obj := fmt.Sprintf("study %d", d.id)
		if d.n != d.counter || (d.n > 0 && (d.lo != 0 || d.hi != d.n-1)) {
			rep.Addf(obj, "holds %d trials numbered %d..%d, its counter says %d: numbers are not dense", d.n, d.lo, d.hi, d.counter)
		}
		trials, err := s.GetAllTrials(d.id)
		if err != nil {
			rep.Addf(obj, "its trials do not read back: %v", err)
			continue
		}
		running := 0
		for i := range trials {
			if trials[i].State == goptuna.TrialStateRunning {
				running++
			}
		}
		rep.Studies++
		rep.Trials += len(trials)
		rep.RunningTrials += running
		if running > 0 {
			name, _ := s.GetStudyNameFromID(d.id)
			rep.Notes = append(rep.Notes, fmt.Sprintf("study %d (%s) has %d RUNNING trial(s); those whose process is gone are marked failed by 'cgx study fail-stale %d'", d.id, name, running, d.id))
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return studies, nil
}

// checkArtifacts re-hashes every chunk and every artifact, streaming, and
// returns the ids of the artifacts whose metadata reads.
func (s *Store) checkArtifacts(ctx context.Context, rep *tracker.CheckReport) (map[tracker.ID]bool, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, size, meta::text FROM artifacts ORDER BY id`)
	if err != nil {
		return nil, s.red.err(err)
	}
	type art struct {
		id   []byte
		size int64
		raw  string
	}
	var all []art
	for rows.Next() {
		var a art
		if err := rows.Scan(&a.id, &a.size, &a.raw); err != nil {
			rows.Close()
			return nil, s.red.err(err)
		}
		all = append(all, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, s.red.err(err)
	}
	arts := map[tracker.ID]bool{}
	for _, a := range all {
		obj := "artifact " + hex.EncodeToString(a.id)
		var id tracker.ID
		if len(a.id) != len(id) {
			rep.Addf(obj, "id is %d bytes, want 32", len(a.id))
			continue
		}
		copy(id[:], a.id)
		m, err := decodeMeta(a.id, a.raw)
		if err != nil {
			rep.Addf(obj, "%v", err)
			continue
		}
		if m.ID != id || m.Size != a.size {
			rep.Addf(obj, "metadata names id %s size %d; the row says size %d", m.ID, m.Size, a.size)
		}
		arts[id] = true
		rep.Artifacts++
		rep.ArtifactBytes += a.size
		if err := s.rehash(ctx, id, a.size, rep); err != nil {
			return nil, err
		}
	}
	var orphans int
	var orphanBytes int64
	if err := s.pool.QueryRow(ctx, `SELECT count(*), coalesce(sum(size), 0) FROM chunks c
WHERE NOT EXISTS (SELECT 1 FROM artifact_chunks m WHERE m.chunk = c.sha256)`).Scan(&orphans, &orphanBytes); err != nil {
		return nil, s.red.err(err)
	}
	if orphans > 0 {
		rep.Notes = append(rep.Notes, fmt.Sprintf("%d chunk(s) (%d bytes) belong to no artifact (an artifact removed since, or a write cut short); 'cgx gc' removes them", orphans, orphanBytes))
	}
	return arts, nil
}

// rehash streams artifact id, checking each chunk against its name and the
// whole against the id and size.
func (s *Store) rehash(ctx context.Context, id tracker.ID, size int64, rep *tracker.CheckReport) error {
	obj := "artifact " + id.String()
	rows, err := s.pool.Query(ctx, `SELECT m.seq, m.chunk, c.sha256 IS NOT NULL FROM artifact_chunks m
LEFT JOIN chunks c ON c.sha256 = m.chunk WHERE m.artifact = $1 ORDER BY m.seq`, id[:])
	if err != nil {
		return s.red.err(err)
	}
	type ref struct {
		seq     int
		sha     []byte
		present bool
	}
	var refs []ref
	for rows.Next() {
		var r ref
		if err := rows.Scan(&r.seq, &r.sha, &r.present); err != nil {
			rows.Close()
			return s.red.err(err)
		}
		refs = append(refs, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.red.err(err)
	}
	whole := sha256.New()
	var n int64
	for i, r := range refs {
		if r.seq != i {
			rep.Addf(obj, "chunk list has position %d where %d belongs", r.seq, i)
			return nil
		}
		if !r.present {
			rep.Addf(obj, "chunk %d (%x) is missing; restore the database from a backup or rerun the stage that made it", i, r.sha)
			return nil
		}
		var data []byte
		if err := s.pool.QueryRow(ctx, `SELECT data FROM chunks WHERE sha256 = $1`, r.sha).Scan(&data); err != nil {
			return s.red.err(err)
		}
		if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != hex.EncodeToString(r.sha) {
			rep.Addf(obj, "chunk %d (%x) is damaged: its %d bytes hash to %x", i, r.sha, len(data), got)
			return nil
		}
		whole.Write(data)
		n += int64(len(data))
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	var got tracker.ID
	whole.Sum(got[:0])
	switch {
	case got != id:
		rep.Addf(obj, "its %d bytes hash to %s; restore it or rerun the stage that made it", n, got)
	case n != size:
		rep.Addf(obj, "has %d bytes, metadata says %d", n, size)
	}
	return nil
}

func (s *Store) checkRunsStages(ctx context.Context, rep *tracker.CheckReport, studies map[int]bool, arts map[tracker.ID]bool) error {
	rows, err := s.pool.Query(ctx, `SELECT id, status, record::text FROM runs ORDER BY id`)
	if err != nil {
		return s.red.err(err)
	}
	type row struct {
		id          int
		status, raw string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.status, &r.raw); err != nil {
			rows.Close()
			return s.red.err(err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return s.red.err(err)
	}
	runs := map[int]bool{}
	for _, rr := range all {
		obj := fmt.Sprintf("run %d", rr.id)
		r, err := decodeRun(rr.id, rr.raw)
		if err != nil {
			rep.Addf(obj, "%v", err)
			continue
		}
		runs[rr.id] = true
		rep.Runs++
		if string(r.Status) != rr.status {
			rep.Addf(obj, "record says status %q, the row %q", r.Status, rr.status)
		}
		for _, a := range r.Artifacts {
			if !arts[a] {
				rep.Addf(obj, "lists artifact %s, which is not stored", a)
			}
		}
		for _, sid := range r.Studies {
			if !studies[sid] {
				rep.Notes = append(rep.Notes, fmt.Sprintf("run %d lists study %d, which was deleted", rr.id, sid))
			}
		}
	}
	srows, err := s.pool.Query(ctx, `SELECT key, run_id, record::text FROM stages ORDER BY key`)
	if err != nil {
		return s.red.err(err)
	}
	type srow struct {
		key   string
		runID int
		raw   string
	}
	var stages []srow
	for srows.Next() {
		var r srow
		if err := srows.Scan(&r.key, &r.runID, &r.raw); err != nil {
			srows.Close()
			return s.red.err(err)
		}
		stages = append(stages, r)
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return s.red.err(err)
	}
	for _, sr := range stages {
		obj := "stage " + sr.key
		st, err := decodeStage(sr.key, sr.raw)
		if err != nil {
			rep.Addf(obj, "%v", err)
			continue
		}
		rep.Stages++
		if st.Key != sr.key || st.RunID != sr.runID {
			rep.Addf(obj, "record says key %q run %d, the row run %d", st.Key, st.RunID, sr.runID)
		}
		if st.RunID != 0 && !runs[st.RunID] {
			rep.Addf(obj, "names run %d, which is not stored", st.RunID)
		}
		for _, role := range sortedKeys(st.Outputs) {
			if a := st.Outputs[role]; !arts[a] {
				rep.Addf(obj, "output %q is artifact %s, which is not stored", role, a)
			}
		}
	}
	return ctx.Err()
}

func (s *Store) checkWork(ctx context.Context, rep *tracker.CheckReport, arts map[tracker.ID]bool) error {
	rows, err := s.pool.Query(ctx, `SELECT `+workColumns+` FROM work WHERE state = 'done' ORDER BY run_id, stage, idx`)
	if err != nil {
		return s.red.err(err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanWork(rows)
		if err != nil {
			return s.red.err(err)
		}
		if !arts[it.Result] {
			rep.Addf(workName(it.WorkKey), "is done with result %s, which is not stored", it.Result)
		}
	}
	return s.red.err(rows.Err())
}
