package storagetest_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/cgx-dev/cgx/tracker/storagetest"
	"github.com/cgx-dev/cgx/tracker/workq"
)

func openBolt(t *testing.T) *bolt.Store {
	s, err := bolt.Open(filepath.Join(t.TempDir(), "cgx.db"), bolt.NoSync())
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

// TestDBBolt runs the whole contract suite on the embedded bbolt store.
func TestDBBolt(t *testing.T) {
	storagetest.RunDB(t, func(t *testing.T) tracker.DB { return adapt("bbolt", openBolt(t), nil) })
}

// TestWorkQueueInMemory runs the work queue part of the suite on package
// workq's in-memory queue, with a bbolt store holding the runs and results.
func TestWorkQueueInMemory(t *testing.T) {
	storagetest.RunWorkQueue(t, func(t *testing.T) tracker.DB {
		return adapt("bbolt", openBolt(t), workq.New(time.Now))
	})
}
