//go:debug randseednop=0

package postgres_test

import (
	"context"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
	"github.com/cgx-dev/cgx/tracker/storagetest"
)

// openTest opens a Store on a fresh database of its own, closed at
// cleanup, and returns it with its connection string.
func openTest(t testing.TB, opts postgres.Options) (*postgres.Store, string) {
	t.Helper()
	dsn := pgtest.NewDatabase(t)
	s, err := postgres.Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s, dsn
}

// TestDB runs the whole contract suite (goptuna conformance, studies,
// runs, stages, artifacts, the work queue, maintenance) on the Store
// itself, a fresh database per open.
func TestDB(t *testing.T) {
	pgtest.DSN(t)
	storagetest.RunDB(t, func(t *testing.T) tracker.DB {
		s, _ := openTest(t, postgres.Options{})
		return s
	})
}
