package postgres

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
)

// This file implements the study half of goptuna.Storage. Directions are
// stored as 0 (minimize) and 1 (maximize); names, attribute keys and values
// as bytea, so any Go string round-trips.

func dirCode(d goptuna.StudyDirection) int16 {
	if d == goptuna.StudyDirectionMaximize {
		return 1
	}
	return 0
}

func dirOf(c int16) goptuna.StudyDirection {
	if c == 1 {
		return goptuna.StudyDirectionMaximize
	}
	return goptuna.StudyDirectionMinimize
}

// CreateNewStudy creates a study and returns its id (from a sequence: ids
// start at 1 and are never reused). An empty name becomes goptuna's default
// prefix followed by the id. A name already in use fails with
// tracker.ErrStudyExists.
func (s *Store) CreateNewStudy(name string) (int, error) {
	if err := s.writable("create study"); err != nil {
		return -1, err
	}
	ctx := bg()
	var id int
	if err := s.pool.QueryRow(ctx, `SELECT nextval(pg_get_serial_sequence('studies', 'id'))`).Scan(&id); err != nil {
		return -1, s.red.err(fmt.Errorf("create study %q: %w", name, err))
	}
	rec := name
	if rec == "" {
		rec = goptuna.DefaultStudyNamePrefix + strconv.Itoa(id)
	}
	n, err := s.exec(ctx, `INSERT INTO studies (id, name, direction, created) VALUES ($1, $2, 0, $3) ON CONFLICT (name) DO NOTHING`,
		id, []byte(rec), dbNow())
	if err != nil {
		return -1, fmt.Errorf("create study %q: %w", name, err)
	}
	if n == 0 {
		return -1, fmt.Errorf("create study %q: %w", rec, tracker.ErrStudyExists)
	}
	return id, nil
}

// DeleteStudy removes a study and all its trials.
func (s *Store) DeleteStudy(studyID int) error {
	if err := s.writable("delete study"); err != nil {
		return err
	}
	n, err := s.exec(bg(), `DELETE FROM studies WHERE id = $1`, studyID)
	if err != nil {
		return fmt.Errorf("delete study %d: %w", studyID, err)
	}
	s.forgetStudy(studyID)
	if n == 0 {
		return fmt.Errorf("delete study: %w", studyNotFound(studyID))
	}
	return nil
}

// SetStudyDirection sets the direction of the objective.
func (s *Store) SetStudyDirection(studyID int, direction goptuna.StudyDirection) error {
	if direction != goptuna.StudyDirectionMinimize && direction != goptuna.StudyDirectionMaximize {
		return fmt.Errorf("set direction of study %d: unknown direction %q", studyID, direction)
	}
	if err := s.writable("set direction"); err != nil {
		return err
	}
	n, err := s.exec(bg(), `UPDATE studies SET direction = $2 WHERE id = $1`, studyID, dirCode(direction))
	if err != nil {
		return fmt.Errorf("set direction of study %d: %w", studyID, err)
	}
	if n == 0 {
		return fmt.Errorf("set direction: %w", studyNotFound(studyID))
	}
	return nil
}

func (s *Store) setStudyAttr(op string, studyID int, system bool, key, value string) error {
	if err := s.writable(op); err != nil {
		return err
	}
	n, err := s.exec(bg(), `INSERT INTO study_attrs (study_id, system, key, value)
SELECT id, $2, $3, $4 FROM studies WHERE id = $1
ON CONFLICT (study_id, system, key) DO UPDATE SET value = excluded.value`, studyID, system, []byte(key), []byte(value))
	if err != nil && pgCode(err) != "23503" { // a concurrent DeleteStudy: not found
		return fmt.Errorf("%s of study %d: %w", op, studyID, err)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", op, studyNotFound(studyID))
	}
	return nil
}

// SetStudyUserAttr sets a user attribute of a study.
func (s *Store) SetStudyUserAttr(studyID int, key, value string) error {
	return s.setStudyAttr("set user attribute", studyID, false, key, value)
}

// SetStudySystemAttr sets a system attribute of a study.
func (s *Store) SetStudySystemAttr(studyID int, key, value string) error {
	return s.setStudyAttr("set system attribute", studyID, true, key, value)
}

// GetStudyIDFromName returns the id of the named study, or an error matching
// tracker.ErrNotFound.
func (s *Store) GetStudyIDFromName(name string) (int, error) {
	if err := s.usable(); err != nil {
		return -1, err
	}
	var id int
	err := s.pool.QueryRow(bg(), `SELECT id FROM studies WHERE name = $1`, []byte(name)).Scan(&id)
	if noRows(err) {
		return -1, notFound("study %q", name)
	}
	if err != nil {
		return -1, s.red.err(fmt.Errorf("find study %q: %w", name, err))
	}
	return id, nil
}

// GetStudyIDFromTrialID returns the study a trial belongs to.
func (s *Store) GetStudyIDFromTrialID(trialID int) (int, error) {
	if err := s.usable(); err != nil {
		return -1, err
	}
	var id int
	err := s.pool.QueryRow(bg(), `SELECT study_id FROM trials WHERE id = $1`, trialID).Scan(&id)
	if noRows(err) {
		return -1, trialNotFound(trialID)
	}
	if err != nil {
		return -1, s.red.err(fmt.Errorf("study of trial %d: %w", trialID, err))
	}
	return id, nil
}

// studyColumns reads a study with its attributes and aggregates; the best
// trial follows goptuna's rule (the first COMPLETE trial by number,
// replaced only by a strictly better one), so a NaN value is best only when
// it is the first.
const studyQuery = `
SELECT s.id, s.name, s.direction, s.created,
	ARRAY(SELECT key FROM study_attrs a WHERE a.study_id = s.id AND NOT a.system ORDER BY key),
	ARRAY(SELECT value FROM study_attrs a WHERE a.study_id = s.id AND NOT a.system ORDER BY key),
	ARRAY(SELECT key FROM study_attrs a WHERE a.study_id = s.id AND a.system ORDER BY key),
	ARRAY(SELECT value FROM study_attrs a WHERE a.study_id = s.id AND a.system ORDER BY key),
	st.n, st.running, st.complete, st.pruned, st.fail, st.waiting, fs.datetime_start, fs.start_ns, lc.datetime_complete, lc.complete_ns,
	f.id, f.number, f.value, b.id, b.number, b.value
FROM studies s
CROSS JOIN LATERAL (SELECT count(*) AS n,
	count(*) FILTER (WHERE state = 0) AS running, count(*) FILTER (WHERE state = 1) AS complete,
	count(*) FILTER (WHERE state = 2) AS pruned, count(*) FILTER (WHERE state = 3) AS fail,
	count(*) FILTER (WHERE state = 4) AS waiting
	FROM trials t WHERE t.study_id = s.id) st
LEFT JOIN LATERAL (SELECT datetime_start, start_ns FROM trials t WHERE t.study_id = s.id AND datetime_start IS NOT NULL
	ORDER BY datetime_start, start_ns LIMIT 1) fs ON true
LEFT JOIN LATERAL (SELECT datetime_complete, complete_ns FROM trials t WHERE t.study_id = s.id AND datetime_complete IS NOT NULL
	ORDER BY datetime_complete DESC, complete_ns DESC LIMIT 1) lc ON true
LEFT JOIN LATERAL (SELECT id, number, value FROM trials t WHERE t.study_id = s.id AND t.state = 1
	ORDER BY number LIMIT 1) f ON true
LEFT JOIN LATERAL (SELECT id, number, value FROM trials t WHERE t.study_id = s.id AND t.state = 1 AND t.value <> 'NaN'
	ORDER BY CASE WHEN s.direction = 1 THEN -t.value ELSE t.value END, number LIMIT 1) b ON true
`

func scanStudy(row pgx.Row) (tracker.StudyInfo, error) {
	var (
		r                      tracker.StudyInfo
		name                   []byte
		dir                    int16
		created                *time.Time
		uk, uv, sk, sv         [][]byte
		firstStart, lastComp   *time.Time
		fsNS, lcNS             *int16
		fID, fNum, bID, bNum   *int
		fVal, bVal             *float64
		n, run, com, pr, fl, w int
	)
	err := row.Scan(&r.ID, &name, &dir, &created, &uk, &uv, &sk, &sv,
		&n, &run, &com, &pr, &fl, &w, &firstStart, &fsNS, &lastComp, &lcNS, &fID, &fNum, &fVal, &bID, &bNum, &bVal)
	if err != nil {
		return r, err
	}
	r.Name = string(name)
	r.Direction = dirOf(dir)
	r.Created = fromNull(created)
	r.UserAttrs = attrMap(uk, uv)
	r.SystemAttrs = attrMap(sk, sv)
	r.Stats = tracker.StudyStats{Trials: n, Running: run, Complete: com, Pruned: pr, Fail: fl, Waiting: w,
		FirstStart: joinTime(firstStart, deref(fsNS)), LastComplete: joinTime(lastComp, deref(lcNS))}
	switch {
	case fID != nil && math.IsNaN(*fVal):
		r.Stats.BestTrialID, r.Stats.BestNumber, r.Stats.BestValue = *fID, *fNum, *fVal
	case bID != nil:
		r.Stats.BestTrialID, r.Stats.BestNumber, r.Stats.BestValue = *bID, *bNum, *bVal
	}
	return r, nil
}

func attrMap(keys, values [][]byte) map[string]string {
	m := make(map[string]string, len(keys))
	for i, k := range keys {
		if i < len(values) {
			m[string(k)] = string(values[i])
		}
	}
	return m
}

// Study returns a study's record, settings and aggregate figures.
func (s *Store) Study(studyID int) (tracker.StudyInfo, error) {
	if err := s.usable(); err != nil {
		return tracker.StudyInfo{}, err
	}
	r, err := scanStudy(s.pool.QueryRow(bg(), studyQuery+` WHERE s.id = $1`, studyID))
	if noRows(err) {
		return tracker.StudyInfo{}, studyNotFound(studyID)
	}
	if err != nil {
		return tracker.StudyInfo{}, s.red.err(fmt.Errorf("read study %d: %w", studyID, err))
	}
	return r, nil
}

// Studies lists every study by id, with aggregate figures.
func (s *Store) Studies() ([]tracker.StudyInfo, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(bg(), studyQuery+` ORDER BY s.id`)
	if err != nil {
		return nil, s.red.err(fmt.Errorf("list studies: %w", err))
	}
	defer rows.Close()
	var out []tracker.StudyInfo
	for rows.Next() {
		r, err := scanStudy(rows)
		if err != nil {
			return nil, s.red.err(fmt.Errorf("list studies: %w", err))
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, s.red.err(fmt.Errorf("list studies: %w", err))
	}
	return out, nil
}

// studyAttrs reads a study's user (system false) or system attributes.
func (s *Store) studyAttrs(studyID int, system bool) (map[string]string, error) {
	if err := s.usable(); err != nil {
		return nil, err
	}
	var keys, values [][]byte
	err := s.pool.QueryRow(bg(), `SELECT
	ARRAY(SELECT key FROM study_attrs a WHERE a.study_id = s.id AND a.system = $2 ORDER BY key),
	ARRAY(SELECT value FROM study_attrs a WHERE a.study_id = s.id AND a.system = $2 ORDER BY key)
FROM studies s WHERE s.id = $1`, studyID, system).Scan(&keys, &values)
	if noRows(err) {
		return nil, studyNotFound(studyID)
	}
	if err != nil {
		return nil, s.red.err(fmt.Errorf("read attributes of study %d: %w", studyID, err))
	}
	return attrMap(keys, values), nil
}

// GetStudyNameFromID returns a study's name.
func (s *Store) GetStudyNameFromID(studyID int) (string, error) {
	if err := s.usable(); err != nil {
		return "", err
	}
	var name []byte
	err := s.pool.QueryRow(bg(), `SELECT name FROM studies WHERE id = $1`, studyID).Scan(&name)
	if noRows(err) {
		return "", studyNotFound(studyID)
	}
	if err != nil {
		return "", s.red.err(fmt.Errorf("read study %d: %w", studyID, err))
	}
	return string(name), nil
}

// GetStudyDirection returns a study's direction.
func (s *Store) GetStudyDirection(studyID int) (goptuna.StudyDirection, error) {
	if err := s.usable(); err != nil {
		return goptuna.StudyDirectionMinimize, err
	}
	var dir int16
	err := s.pool.QueryRow(bg(), `SELECT direction FROM studies WHERE id = $1`, studyID).Scan(&dir)
	if noRows(err) {
		return goptuna.StudyDirectionMinimize, studyNotFound(studyID)
	}
	if err != nil {
		return goptuna.StudyDirectionMinimize, s.red.err(fmt.Errorf("read study %d: %w", studyID, err))
	}
	return dirOf(dir), nil
}

// GetStudyUserAttrs returns a copy of a study's user attributes.
func (s *Store) GetStudyUserAttrs(studyID int) (map[string]string, error) {
	return s.studyAttrs(studyID, false)
}

// GetStudySystemAttrs returns a copy of a study's system attributes.
func (s *Store) GetStudySystemAttrs(studyID int) (map[string]string, error) {
	return s.studyAttrs(studyID, true)
}

// GetAllStudySummaries summarizes every study, in id order. DatetimeStart is
// the earliest trial start (zero without trials); BestTrial is zero when no
// trial is complete.
func (s *Store) GetAllStudySummaries() ([]goptuna.StudySummary, error) {
	return tracker.StudySummaries(s)
}

// FindStudy resolves a study reference as users type it: a study id ("3")
// or a study name. An id wins when a study with that id exists. Unknown
// references match tracker.ErrNotFound.
func (s *Store) FindStudy(ref string) (tracker.StudyInfo, error) {
	return tracker.FindStudyRef(s, ref)
}

func deref(p *int16) int16 {
	if p == nil {
		return 0
	}
	return *p
}
