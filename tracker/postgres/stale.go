package postgres

import (
	"fmt"
	"time"

	"github.com/cgx-dev/cgx/tracker"
)

// Staleness on a shared server. Every writing Store registers a session
// (table sessions: id "host/pid/random", heartbeat) and refreshes its
// heartbeat every StaleAfter/4 from a goroutine, using the server's clock
// (now()), so machines' clocks never matter. A RUNNING trial records the
// session that created or resumed it. It is stale when that session has
// closed (Close removes the row), or has not heartbeated for StaleAfter
// (its process was killed, its machine vanished or is cut off), or is
// unknown (a trial copied from another database). A process paused longer
// than StaleAfter (a stopped debugger, a suspended laptop) therefore loses
// its RUNNING trials to FailStaleTrials; its later writes to them fail with
// goptuna.ErrTrialCannotBeUpdated.

const failStaleSQL = `
WITH f AS (UPDATE trials t SET state = 3, datetime_complete = $2
	WHERE t.study_id = $1 AND t.state = 0 AND t.session IS DISTINCT FROM $3
	AND NOT EXISTS (SELECT 1 FROM sessions x WHERE x.id = t.session AND x.heartbeat > now() - make_interval(secs => $4))
	RETURNING t.id)
INSERT INTO trial_attrs (trial_id, system, key, value) SELECT id, true, $5, $6 FROM f
ON CONFLICT (trial_id, system, key) DO UPDATE SET value = excluded.value`

// FailStaleTrials marks FAIL the RUNNING trials of a study whose session is
// gone (see above) and returns how many it marked; each gets the system
// attribute tracker.StaleAttr saying why.
func (s *Store) FailStaleTrials(studyID int) (int, error) {
	if err := s.writable("fail stale trials"); err != nil {
		return 0, err
	}
	if _, err := s.GetStudyNameFromID(studyID); err != nil {
		return 0, fmt.Errorf("fail stale trials: %w", err)
	}
	at := dbNow()
	why := "its process stopped (or stopped heartbeating) before the trial finished; marked failed at " + at.Format(time.RFC3339)
	n, err := s.exec(bg(), failStaleSQL, studyID, at, s.sessionOrNil(), s.stale.Seconds(), []byte(tracker.StaleAttr), []byte(why))
	if err != nil {
		return 0, fmt.Errorf("fail stale trials of study %d: %w", studyID, err)
	}
	return int(n), nil
}

// FailAllStaleTrials runs FailStaleTrials on every study with RUNNING
// trials and returns the number marked per study id (studies with none are
// left out). It also forgets sessions silent for ten times StaleAfter.
func (s *Store) FailAllStaleTrials() (map[int]int, error) {
	if err := s.writable("fail stale trials"); err != nil {
		return nil, err
	}
	if _, err := s.exec(bg(), `DELETE FROM sessions WHERE heartbeat < now() - make_interval(secs => $1)`, 10*s.stale.Seconds()); err != nil {
		return nil, fmt.Errorf("fail stale trials: forget dead sessions: %w", err)
	}
	rows, err := s.pool.Query(bg(), `SELECT DISTINCT study_id FROM trials WHERE state = 0 ORDER BY study_id`)
	if err != nil {
		return nil, s.red.err(fmt.Errorf("fail stale trials: %w", err))
	}
	var ids []int
	for rows.Next() {
		var id int
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, s.red.err(fmt.Errorf("fail stale trials: %w", err))
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, s.red.err(fmt.Errorf("fail stale trials: %w", err))
	}
	out := map[int]int{}
	for _, id := range ids {
		n, err := s.FailStaleTrials(id)
		if err != nil {
			return out, err
		}
		if n > 0 {
			out[id] = n
		}
	}
	return out, nil
}
