// Package pgtest gives tests a PostgreSQL database of their own on the
// server that the environment variable CGX_TEST_POSTGRES names (a
// connection string; .ci/pgcluster starts such a server), and skips the
// test with a message when it is unset.
//
// Each call creates a fresh database cgx_t_<random> and drops it at the
// test's cleanup, so tests and concurrent test binaries never see each
// other's tables. The server's user must be allowed to create databases.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar names the environment variable holding the test server's
// connection string.
const EnvVar = "CGX_TEST_POSTGRES"

// DSN returns the test server's connection string, skipping t when none
// is given.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvVar)
	if dsn == "" {
		t.Skipf("no PostgreSQL server: set %s to a connection string (.ci/pgcluster start DIR prints one) to run this test", EnvVar)
	}
	return dsn
}

// NewDatabase creates an empty database for t and returns its connection
// string; the database is dropped (its connections ended) at cleanup.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := DSN(t)
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	name := "cgx_t_" + hex.EncodeToString(rnd[:])
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to the test server (%s): %v", EnvVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Errorf("drop test database %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database %s: %v", name, err)
		}
	})
	return WithDatabase(admin, name)
}

// WithDatabase returns dsn with its database replaced by name, for both
// URL and keyword=value connection strings.
func WithDatabase(dsn, name string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		if u, err := url.Parse(dsn); err == nil {
			u.Path = "/" + name
			u.RawPath = ""
			q := u.Query()
			if q.Has("dbname") {
				q.Set("dbname", name)
				u.RawQuery = q.Encode()
			}
			return u.String()
		}
	}
	return dsn + " dbname=" + name
}
