//go:debug randseednop=0

package postgres_test

import (
	"context"
	"net/url"
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

// withPassword puts a password into a URL connection string; the test
// server trusts its socket and ignores it.
func withPassword(dsn, pw string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return dsn
	}
	q := u.Query()
	q.Set("password", pw)
	u.RawQuery = q.Encode()
	return u.String()
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
