package storagetest_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
	"github.com/cgx-dev/cgx/tracker/storagetest"
)

// withSecret adds storagetest.Secret as the password of a URL connection
// string (a server that trusts the connection ignores it), so the suite can
// see that Info never shows it.
func withSecret(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn
	}
	q := u.Query()
	q.Set("password", storagetest.Secret)
	u.RawQuery = q.Encode()
	return u.String()
}

// TestDBPostgres runs the whole contract suite on PostgreSQL, a fresh
// database per open, on the server CGX_TEST_POSTGRES names.
func TestDBPostgres(t *testing.T) {
	pgtest.DSN(t)
	storagetest.RunDB(t, func(t *testing.T) tracker.DB {
		s, err := postgres.Open(context.Background(), withSecret(pgtest.NewDatabase(t)), postgres.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		})
		return adapt("postgres", s, nil)
	})
}

// TestSharedPostgres runs the shared-database checks on two handles on
// one fresh PostgreSQL database, as two machines would open it.
func TestSharedPostgres(t *testing.T) {
	pgtest.DSN(t)
	storagetest.RunShared(t, func(t *testing.T) (tracker.DB, tracker.DB) {
		dsn := pgtest.NewDatabase(t)
		var dbs [2]tracker.DB
		for i := range dbs {
			s, err := postgres.Open(context.Background(), dsn, postgres.Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			dbs[i] = adapt("postgres", s, nil)
		}
		return dbs[0], dbs[1]
	})
}
