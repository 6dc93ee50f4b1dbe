package bolt

import (
	"path/filepath"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/google/go-cmp/cmp"
)

// fresh copies study sid's trials straight from the cache, never through a
// read-ahead: what GetAllTrials must return.
func fresh(t *testing.T, s *Store, sid int) []goptuna.FrozenTrial {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []goptuna.FrozenTrial
	for _, te := range s.c.studies[sid].trials {
		out = append(out, tracker.CloneTrial(&te.t))
	}
	return out
}

// finishOne runs one trial the way goptuna's loop does: a categorical and a
// float parameter, a value, then COMPLETE.
func finishOne(t *testing.T, s *Store, sid int) int {
	t.Helper()
	id, err := s.CreateNewTrial(sid)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetTrialParam(id, "color", 1, goptuna.CategoricalDistribution{Choices: []string{"red", "green"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTrialParam(id, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTrialValue(id, float64(id)); err != nil {
		t.Fatal(err)
	}
	if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
		t.Fatal(err)
	}
	return id
}

func getAll(t *testing.T, s *Store, sid int) []goptuna.FrozenTrial {
	t.Helper()
	ts, err := s.GetAllTrials(sid)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// A commit after a GetAllTrials of its study reads that study ahead while it
// syncs, and the next GetAllTrials returns exactly what the cache holds;
// whatever the caller does to it leaves the store alone.
func TestReadAheadUnderGoptunasLoop(t *testing.T) {
	s, _, sid := openStudy(t)
	defer s.Close()
	getAll(t, s, sid)
	for i := 0; i < 5; i++ {
		finishOne(t, s, sid)
		if s.ahead.Load() == nil {
			t.Fatalf("trial %d: no read-ahead after a commit that followed GetAllTrials", i)
		}
		got := getAll(t, s, sid)
		if s.ahead.Load() != nil {
			t.Fatal("GetAllTrials left the read-ahead in place")
		}
		if d := cmp.Diff(fresh(t, s, sid), got); d != "" {
			t.Fatalf("trial %d: read-ahead differs from the cache (-cache +got):\n%s", i, d)
		}
		if len(got) != i+1 || got[i].State != goptuna.TrialStateComplete {
			t.Fatalf("trial %d: got %d trials, last %v", i, len(got), got[len(got)-1].State)
		}
		// Vandalize every map and the categorical's choices.
		for j := range got {
			got[j].Params["x"] = -1.0
			got[j].UserAttrs["v"] = "x"
			got[j].Distributions["color"].(goptuna.CategoricalDistribution).Choices[0] = "vandalized"
		}
		for _, tr := range fresh(t, s, sid) {
			if tr.Params["x"] != 0.5 || len(tr.UserAttrs) != 0 || tr.Distributions["color"].(goptuna.CategoricalDistribution).Choices[0] != "red" {
				t.Fatalf("a change to a returned trial reached the store: %+v", tr)
			}
		}
	}
}

// Any change between the commit and the next GetAllTrials makes the
// read-ahead stale; GetAllTrials then copies the cache.
func TestReadAheadDroppedOnChange(t *testing.T) {
	changes := map[string]func(s *Store, sid, other int) error{
		"new trial": func(s *Store, sid, _ int) error { _, err := s.CreateNewTrial(sid); return err },
		"attribute of a running trial": func(s *Store, sid, _ int) error {
			id, err := s.CreateNewTrial(sid)
			if err == nil {
				err = s.SetTrialUserAttr(id, "k", "v")
			}
			return err
		},
		"commit in another study": func(s *Store, _, other int) error {
			id, err := s.CreateNewTrial(other)
			if err == nil {
				err = s.SetTrialState(id, goptuna.TrialStateFail)
			}
			return err
		},
		"finished trials added": func(s *Store, sid, _ int) error {
			_, err := s.AddFinishedTrials(sid, []goptuna.FrozenTrial{{State: goptuna.TrialStatePruned}})
			return err
		},
		"journal checkpoint": func(s *Store, _, _ int) error {
			s.wmu.Lock()
			defer s.wmu.Unlock()
			return s.checkpointLocked()
		},
	}
	for name, change := range changes {
		t.Run(name, func(t *testing.T) {
			s, _, sid := openStudy(t)
			defer s.Close()
			other, err := s.CreateNewStudy("other")
			if err != nil {
				t.Fatal(err)
			}
			getAll(t, s, sid)
			finishOne(t, s, sid)
			if s.ahead.Load() == nil {
				t.Fatal("no read-ahead")
			}
			if err := change(s, sid, other); err != nil {
				t.Fatal(err)
			}
			want := fresh(t, s, sid)
			if d := cmp.Diff(want, getAll(t, s, sid)); d != "" {
				t.Fatalf("GetAllTrials after %s (-cache +got):\n%s", name, d)
			}
		})
	}
}

// A read-ahead nobody takes stops the guessing, so callers that read the
// history another way (cgx's study package) pay for one copy at most.
func TestReadAheadStopsWhenUnused(t *testing.T) {
	s, _, sid := openStudy(t)
	defer s.Close()
	getAll(t, s, sid)
	finishOne(t, s, sid)
	if s.ahead.Load() == nil {
		t.Fatal("no read-ahead after the first commit")
	}
	finishOne(t, s, sid)
	if s.ahead.Load() != nil || s.follow.Load() != 0 {
		t.Fatalf("the second commit read ahead again (follow %d) though the first read-ahead went unused", s.follow.Load())
	}
	finishOne(t, s, sid)
	if s.ahead.Load() != nil {
		t.Fatal("read ahead with no GetAllTrials since")
	}
	getAll(t, s, sid)
	finishOne(t, s, sid)
	if s.ahead.Load() == nil {
		t.Fatal("GetAllTrials did not start the read-ahead again")
	}
}

// NoSync stores read ahead inline (nothing to wait for); the history is the
// same.
func TestReadAheadNoSync(t *testing.T) {
	s, _, sid := openStudy(t, NoSync())
	defer s.Close()
	getAll(t, s, sid)
	for i := 0; i < 3; i++ {
		finishOne(t, s, sid)
		if d := cmp.Diff(fresh(t, s, sid), getAll(t, s, sid)); d != "" {
			t.Fatalf("(-cache +got):\n%s", d)
		}
	}
}

// append runs the work once and leaves a durable, scannable record;
// with NoSync it runs the work inline.
func TestJournalAppendDuring(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		path := filepath.Join(t.TempDir(), "j")
		j, err := openJournal(path, 1, noSync)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 3; i++ {
			calls := 0
			if err := j.append([]byte{journalPayloadV1, 0, 0, 0}, func() { calls++ }); err != nil {
				t.Fatalf("noSync=%v: %v", noSync, err)
			}
			if calls != 1 {
				t.Fatalf("noSync=%v: during ran %d times", noSync, calls)
			}
		}
		if err := j.close(); err != nil {
			t.Fatal(err)
		}
		js, err := scanJournal(path)
		if err != nil || len(js.entries) != 3 || js.epoch != 1 {
			t.Fatalf("noSync=%v: scan found %d records of epoch %d (%v), want 3 of epoch 1", noSync, len(js.entries), js.epoch, err)
		}
	}
}
