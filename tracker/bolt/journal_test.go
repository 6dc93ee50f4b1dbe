package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

func TestJournalReplayAfterCrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := s.CreateNewStudy("j")
	var ids []int
	for i := 0; i < 5; i++ {
		id, _ := s.CreateNewTrial(sid)
		s.SetTrialParam(id, "x", float64(i)/10, goptuna.UniformDistribution{Low: 0, High: 1})
		s.SetTrialValue(id, float64(i))
		if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	bolt.Crash(s)
	r, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.GetAllTrials(sid)
	r.Close()
	if err != nil || len(got) != 5 {
		t.Fatalf("reader after crash: %d trials, %v", len(got), err)
	}
	w, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err = w.GetAllTrials(sid)
	if err != nil || len(got) != 5 {
		t.Fatalf("writer after crash: %d trials, %v", len(got), err)
	}
	id, _ := w.CreateNewTrial(sid)
	if id <= ids[4] {
		t.Errorf("new trial id %d reuses an id up to %d", id, ids[4])
	}
	w.Close()
}
