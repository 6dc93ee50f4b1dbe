//go:debug randseednop=0

package postgres_test

import (
	"context"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
	"github.com/cgx-dev/cgx/tracker/storagetest"
)

// openTest opens a Store on a fresh database of its own, closed at cleanup.
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

func TestConformance(t *testing.T) {
	pgtest.DSN(t)
	storagetest.Run(t, func(t testing.TB) goptuna.Storage {
		s, _ := openTest(t, postgres.Options{})
		return s
	})
}
