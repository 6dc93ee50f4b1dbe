package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// DBFactory returns a fresh, empty database each call, closed (and removed)
// by cleanups it registers with t.
type DBFactory func(t *testing.T) tracker.DB

// RunDB runs the conformance suite for the whole tracker.DB contract: the
// goptuna.Storage suite (Run), then studies, runs, stages, artifacts, the
// work queue and maintenance. Every subtest opens its own database.
//
// A backend that does not provide a part yet answers that part's calls
// with an error matching errors.ErrUnsupported; the subtests of that part
// are then skipped with a message naming it, never passed.
func RunDB(t *testing.T, open DBFactory) {
	t.Run("Storage", func(t *testing.T) {
		Run(t, func(tb testing.TB) goptuna.Storage {
			tt, ok := tb.(*testing.T)
			if !ok {
				tb.Fatalf("storagetest: the DB suite opens databases for tests only, got %T", tb)
			}
			return open(tt)
		})
	})
	t.Run("Studies", func(t *testing.T) { runCases(t, open, studyCases()) })
	t.Run("Runs", func(t *testing.T) { runCases(t, open, runCasesList()) })
	t.Run("Stages", func(t *testing.T) { runCases(t, open, stageCases()) })
	t.Run("Artifacts", func(t *testing.T) { runCases(t, open, artifactCases()) })
	t.Run("WorkQueue", func(t *testing.T) { RunWorkQueue(t, open) })
	t.Run("Maintenance", func(t *testing.T) { runCases(t, open, maintenanceCases()) })
}

// RunWorkQueue runs only the work queue's part of the suite, for a
// WorkQueue implementation tested on its own (with the rest of a DB to hold
// its runs and result artifacts).
func RunWorkQueue(t *testing.T, open DBFactory) { runCases(t, open, workCases()) }

// dbCase is one named behaviour checked on a fresh database.
type dbCase struct {
	name string
	run  func(t *testing.T, db tracker.DB)
}

func runCases(t *testing.T, open DBFactory, cases []dbCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, open(t)) })
	}
}

// unsupported skips the test when err says the backend lacks the part
// being tested, and otherwise fails it on any error.
func unsupported(t *testing.T, what string, err error) {
	t.Helper()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("backend does not provide %s yet: %v", what, err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// bg is the context of calls that the test does not cancel.
var bg = context.Background()

// at returns a fixed instant, microseconds after a base time; every backend
// keeps microseconds (PostgreSQL's timestamp precision). Nanoseconds have
// their own test.
func at(us int64) time.Time {
	return time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC).Add(time.Duration(us) * time.Microsecond)
}

// dbOpts compares stored records: NaN equals NaN, nil equals empty, times
// are equal when they are the same instant.
var dbOpts = cmp.Options{
	cmpopts.EquateNaNs(), cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, dbOpts); d != "" {
		t.Errorf("%s differs (-want +got):\n%s", what, d)
	}
}

// wantErr fails unless err matches target (and skips on a part the
// backend does not provide yet).
func wantErr(t *testing.T, call string, err, target error) {
	t.Helper()
	if errors.Is(err, errors.ErrUnsupported) && !errors.Is(target, errors.ErrUnsupported) {
		t.Skipf("backend does not provide this yet: %v", err)
	}
	if !errors.Is(err, target) {
		t.Errorf("%s: error %v, want one matching %q", call, err, target)
	}
}
