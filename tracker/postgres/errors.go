package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cgx-dev/cgx/tracker"
)

// This package returns errors that match tracker's sentinels with
// errors.Is (and goptuna's where goptuna.Storage asks for one); it defines
// none of its own.

var (
	studyNotFound = tracker.StudyNotFound
	trialNotFound = tracker.TrialNotFound
	tagf          = tracker.Tagf
)

func notFound(format string, a ...any) error { return tracker.NotFound(fmt.Sprintf(format, a...)) }

// pgCode returns the SQLSTATE of a PostgreSQL error, "" for other errors.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}
