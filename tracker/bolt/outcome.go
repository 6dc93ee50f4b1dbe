package bolt

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// A run's outcome (failed, succeeded, interrupted) is recorded by UpdateRun
// at its end. When that commit fails, typically because the disk is full,
// the run would stay "running" for good; UpdateRun then leaves the outcome
// in a small file "<db>.run-<id>.outcome" next to the database, and the next
// writer to open the database records it (if the run is still running) and
// removes the file. When even that file cannot be written, UpdateRun's error
// says so and what to do.

// outcomeMarker is the content of an outcome file.
type outcomeMarker struct {
	Run    int
	Status tracker.RunStatus
	Error  string
	Ended  time.Time
	Cause  string // why the outcome could not be committed
}

func outcomePath(dbPath string, run int) string {
	return dbPath + ".run-" + strconv.Itoa(run) + ".outcome"
}

// deferOutcome saves the outcome that the failed commit (cause) could not
// record, and returns the error UpdateRun reports.
func (s *Store) deferOutcome(r tracker.Run, cause error) error {
	raw, err := json.Marshal(outcomeMarker{Run: r.ID, Status: r.Status, Error: r.Error, Ended: r.Ended, Cause: cause.Error()})
	path := outcomePath(s.path, r.ID)
	if err == nil {
		err = os.WriteFile(path, raw, 0o644)
		if err != nil {
			os.Remove(path) // a partial file is worse than none
		}
	}
	if err != nil {
		return fmt.Errorf("%w; saving the outcome (%s) aside in %s failed too (%v): run %d will show as running; once there is room, mark it with 'cgx run --resume %d' or delete it", cause, r.Status, path, err, r.ID, r.ID)
	}
	return fmt.Errorf("%w; the outcome (%s) was saved in %s and the next cgx command that writes the database records it", cause, r.Status, path)
}

// applyOutcomes records the outcomes failed commits left next to the
// database, in tx, and returns the files to remove once tx commits.
func applyOutcomes(tx *bbolt.Tx, dbPath string) ([]string, error) {
	files, err := filepath.Glob(globEscape(dbPath) + ".run-*.outcome")
	if err != nil || len(files) == 0 {
		return nil, err
	}
	var done []string
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read run outcome %s: %w", f, err)
		}
		var m outcomeMarker
		if err := json.Unmarshal(raw, &m); err != nil || m.Run <= 0 || outcomePath(dbPath, m.Run) != f {
			// Cut short by a full disk, most likely: the run stays as
			// it is, the file is left for the user to read.
			continue
		}
		r, err := getRunTx(tx, m.Run)
		switch {
		case errors.Is(err, tracker.ErrNotFound):
		case err != nil:
			return nil, err
		case r.Status == tracker.RunRunning:
			r.Status, r.Ended = m.Status, m.Ended
			r.Error = strings.TrimSpace(m.Error + " (recorded later from " + filepath.Base(f) + ": the commit at the end of the run failed: " + m.Cause + ")")
			enc, err := encodeRun(r)
			if err != nil {
				return nil, err
			}
			if err := tx.Bucket(bucketRuns).Put(u64key(m.Run), enc); err != nil {
				return nil, err
			}
		}
		done = append(done, f)
	}
	return done, nil
}

// globEscape quotes the glob metacharacters of a path.
func globEscape(p string) string {
	var b strings.Builder
	for _, c := range p {
		if strings.ContainsRune(`*?[\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
