//go:debug randseednop=0

package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/cgx-dev/cgx/tracker/storagetest"
)

// openTemp opens a fresh store in a temporary folder, closed at cleanup.
func openTemp(t testing.TB, opts ...bolt.Option) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(filepath.Join(t.TempDir(), "cgx.db"), append([]bolt.Option{bolt.NoSync()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t testing.TB) goptuna.Storage { return openTemp(t) })
}

// TestConformanceDurable runs the suite on the default store: every commit
// synced, trial commits through the journal.
func TestConformanceDurable(t *testing.T) {
	if testing.Short() {
		t.Skip("syncs every commit")
	}
	storagetest.Run(t, func(t testing.TB) goptuna.Storage {
		s, err := bolt.Open(filepath.Join(t.TempDir(), "cgx.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestConformanceReopened runs the suite on a store that is closed and
// reopened after every write, so every answer comes from the file.
func TestConformanceReopened(t *testing.T) {
	storagetest.Run(t, func(t testing.TB) goptuna.Storage {
		return newReopening(t, filepath.Join(t.TempDir(), "cgx.db"), false, bolt.NoSync())
	})
}

// TestConformanceCrashReopened stops the store as kill -9 would after every
// write and reopens it, so every answer comes from replaying the journal.
// New RUNNING trials are committed at once (RunningCheckpoint(0)), as a
// crash would otherwise take them back.
func TestConformanceCrashReopened(t *testing.T) {
	storagetest.Run(t, func(t testing.TB) goptuna.Storage {
		return newReopening(t, filepath.Join(t.TempDir(), "cgx.db"), true, bolt.NoSync(), bolt.RunningCheckpoint(0))
	})
}
