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
