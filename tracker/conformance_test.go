//go:debug randseednop=0

package tracker_test

import (
	"path/filepath"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/storagetest"
)

// openTemp opens a fresh store in a temporary folder, closed at cleanup.
func openTemp(t testing.TB, opts ...tracker.Option) *tracker.Store {
	t.Helper()
	s, err := tracker.Open(filepath.Join(t.TempDir(), "cgx.db"), append([]tracker.Option{tracker.NoSync()}, opts...)...)
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

// TestConformanceReopened runs the suite on a store that is closed and
// reopened after every write, so every answer comes from the file.
func TestConformanceReopened(t *testing.T) {
	storagetest.Run(t, func(t testing.TB) goptuna.Storage {
		return newReopening(t, filepath.Join(t.TempDir(), "cgx.db"))
	})
}
