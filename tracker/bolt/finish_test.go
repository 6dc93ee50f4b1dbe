package bolt_test

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

func TestFinishTrials(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.CreateNewStudy("s")
	if err != nil {
		t.Fatal(err)
	}
	var ids []int
	for i := 0; i < 3; i++ {
		id, err := s.CreateNewTrial(sid)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := s.SetTrialUserAttr(ids[0], "kept", "yes"); err != nil {
		t.Fatal(err)
	}
	// Refused as a whole: nothing changes.
	for _, tc := range []struct {
		name string
		done []goptuna.FrozenTrial
		want error
	}{
		{"unfinished state", []goptuna.FrozenTrial{{ID: ids[0], State: goptuna.TrialStateComplete}, {ID: ids[1], State: goptuna.TrialStateRunning}}, tracker.ErrInvalidTrial},
		{"unknown trial", []goptuna.FrozenTrial{{ID: ids[0], State: goptuna.TrialStateComplete}, {ID: 999, State: goptuna.TrialStateComplete}}, tracker.ErrNotFound},
		{"named twice", []goptuna.FrozenTrial{{ID: ids[0], State: goptuna.TrialStateComplete}, {ID: ids[0], State: goptuna.TrialStateFail}}, tracker.ErrInvalidTrial},
	} {
		if err := s.FinishTrials(tc.done); !errors.Is(err, tc.want) {
			t.Errorf("%s: FinishTrials = %v, want %v", tc.name, err, tc.want)
		}
		if tr, _ := s.GetTrial(ids[0]); tr.State != goptuna.TrialStateRunning {
			t.Errorf("%s: trial %d is %s after a refused FinishTrials, want RUNNING", tc.name, ids[0], tr.State)
		}
	}
	before := s.Syncs()
	err = s.FinishTrials([]goptuna.FrozenTrial{
		{ID: ids[0], State: goptuna.TrialStateComplete, Value: 0.5, UserAttrs: map[string]string{"result": "a"}},
		{ID: ids[2], State: goptuna.TrialStateFail, SystemAttrs: map[string]string{"why": "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := s.Syncs() - before; n != 1 {
		t.Errorf("FinishTrials of 2 trials synced %d times, want 1", n)
	}
	if err := s.FinishTrials([]goptuna.FrozenTrial{{ID: ids[0], State: goptuna.TrialStateFail}}); !errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
		t.Errorf("finishing a finished trial = %v, want ErrTrialCannotBeUpdated", err)
	}
	bolt.Crash(s) // what FinishTrials returned must survive
	s, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, _ := s.GetTrial(ids[0])
	c, _ := s.GetTrial(ids[2])
	if a.State != goptuna.TrialStateComplete || a.Value != 0.5 || a.UserAttrs["result"] != "a" || a.UserAttrs["kept"] != "yes" || a.DatetimeComplete.IsZero() {
		t.Errorf("trial %d after reopening = %+v, want COMPLETE 0.5 with both attributes", ids[0], a)
	}
	if c.State != goptuna.TrialStateFail || c.SystemAttrs["why"] != "b" {
		t.Errorf("trial %d after reopening = %+v, want FAIL with its attribute", ids[2], c)
	}
	st, _ := s.Study(sid)
	if st.Stats.Complete != 1 || st.Stats.Fail != 1 || st.Stats.BestTrialID != ids[0] {
		t.Errorf("stats = %+v, want 1 complete (the best), 1 failed", st.Stats)
	}
}
