package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cgx-dev/cgx/study"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
)

func TestFinishTrials(t *testing.T) {
	s, dsn := openTest(t, postgres.Options{})
	sid := of(s.CreateNewStudy("s")).must(t)
	var ids []int
	for range 3 {
		ids = append(ids, of(s.CreateNewTrial(sid)).must(t))
	}
	if err := s.SetTrialUserAttr(ids[0], "kept", "yes"); err != nil { // pending until the state changes
		t.Fatal(err)
	}
	if err := s.SetTrialValue(ids[0], 9); err != nil {
		t.Fatal(err)
	}
	// Refused as a whole: nothing changes, pending setters included.
	for _, tc := range []struct {
		name string
		done []goptuna.FrozenTrial
		want error
	}{
		{"unfinished state", []goptuna.FrozenTrial{{ID: ids[0], State: goptuna.TrialStateComplete}, {ID: ids[1], State: goptuna.TrialStateRunning}}, tracker.ErrInvalidTrial},
		{"unknown trial", []goptuna.FrozenTrial{{ID: ids[0], State: goptuna.TrialStateComplete}, {ID: 999, State: goptuna.TrialStateComplete}}, tracker.ErrNotFound},
		{"unknown before unfinished state", []goptuna.FrozenTrial{{ID: 999, State: goptuna.TrialStateComplete}, {ID: ids[1], State: goptuna.TrialStateWaiting}}, tracker.ErrNotFound},
		{"named twice", []goptuna.FrozenTrial{{ID: ids[0], State: goptuna.TrialStateComplete}, {ID: ids[0], State: goptuna.TrialStateFail}}, tracker.ErrInvalidTrial},
	} {
		if err := s.FinishTrials(tc.done); !errors.Is(err, tc.want) {
			t.Errorf("%s: FinishTrials = %v, want %v", tc.name, err, tc.want)
		}
		tr := of(s.GetTrial(ids[0])).must(t)
		if tr.State != goptuna.TrialStateRunning || tr.Value != 9 || tr.UserAttrs["kept"] != "yes" {
			t.Errorf("%s: trial %d is %s, value %v, attributes %v after a refused FinishTrials, want RUNNING, 9, kept=yes", tc.name, ids[0], tr.State, tr.Value, tr.UserAttrs)
		}
	}
	if err := s.FinishTrials(nil); err != nil {
		t.Errorf("FinishTrials(nil) = %v", err)
	}
	err := s.FinishTrials([]goptuna.FrozenTrial{
		{ID: ids[0], State: goptuna.TrialStateComplete, Value: 0.5, UserAttrs: map[string]string{"result": "a"}},
		{ID: ids[2], State: goptuna.TrialStateFail, SystemAttrs: map[string]string{"why": "b"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishTrials([]goptuna.FrozenTrial{{ID: ids[1], State: goptuna.TrialStateComplete}, {ID: ids[0], State: goptuna.TrialStateFail}}); !errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
		t.Errorf("finishing a finished trial = %v, want ErrTrialCannotBeUpdated", err)
	}
	if tr := of(s.GetTrial(ids[1])).must(t); tr.State != goptuna.TrialStateRunning {
		t.Errorf("trial %d is %s after a refused batch, want RUNNING", ids[1], tr.State)
	}

	// What FinishTrials returned is committed: another Store sees it.
	o, err := postgres.Open(context.Background(), dsn, postgres.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	a := of(o.GetTrial(ids[0])).must(t)
	c := of(o.GetTrial(ids[2])).must(t)
	if a.State != goptuna.TrialStateComplete || a.Value != 0.5 || a.UserAttrs["result"] != "a" || a.UserAttrs["kept"] != "yes" || a.DatetimeComplete.IsZero() {
		t.Errorf("trial %d from another Store = %+v, want COMPLETE 0.5 with both attributes", ids[0], a)
	}
	if c.State != goptuna.TrialStateFail || c.SystemAttrs["why"] != "b" || !c.DatetimeComplete.Equal(a.DatetimeComplete) {
		t.Errorf("trial %d from another Store = %+v, want FAIL with its attribute, completed with trial %d", ids[2], c, ids[0])
	}
	// The copy this Store kept for its next read is what was committed.
	if d := cmp.Diff(a, of(s.GetTrial(ids[0])).must(t)); d != "" {
		t.Errorf("trial %d read back by its finisher differs (-committed +read):\n%s", ids[0], d)
	}
	st := of(o.Study(sid)).must(t)
	if st.Stats.Complete != 1 || st.Stats.Fail != 1 || st.Stats.BestTrialID != ids[0] {
		t.Errorf("stats = %+v, want 1 complete (the best), 1 failed", st.Stats)
	}

	ro, err := postgres.Open(context.Background(), dsn, postgres.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.FinishTrials([]goptuna.FrozenTrial{{ID: ids[1], State: goptuna.TrialStateComplete}}); !errors.Is(err, tracker.ErrReadOnly) {
		t.Errorf("FinishTrials on a read-only Store = %v, want ErrReadOnly", err)
	}
}

// ignoreIdentity drops what differs between two studies holding the same
// trials: ids, the study and wall-clock times.
var ignoreIdentity = cmpopts.IgnoreFields(goptuna.FrozenTrial{}, "ID", "StudyID", "DatetimeStart", "DatetimeComplete")

// TestGroupedFinishMatchesPerTrial finishes the same trials with one
// FinishTrials and one by one (value, attributes, state, as a caller
// without FinishTrials does), in two studies of one database, and
// compares what GetAllTrials returns; then runs the same searches through
// study.Run, which uses FinishTrials when the storage has it, on the Store
// and on the Store with FinishTrials hidden, failures included.
func TestGroupedFinishMatchesPerTrial(t *testing.T) {
	s, dsn := openTest(t, postgres.Options{})
	other, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	dist := goptuna.UniformDistribution{Low: -1, High: 1}
	prepare := func(name string) (int, []goptuna.FrozenTrial) {
		sid := of(s.CreateNewStudy(name)).must(t)
		var done []goptuna.FrozenTrial
		for i := range 5 {
			creator := s
			if i == 3 { // a trial this Store did not create
				creator = other
			}
			id := of(creator.CreateNewTrial(sid)).must(t)
			if err := creator.SetTrialParam(id, "x", float64(i)/10, dist); err != nil {
				t.Fatal(err)
			}
			if err := creator.SetTrialIntermediateValue(id, 0, float64(i)); err != nil {
				t.Fatal(err)
			}
			if err := s.SetTrialUserAttr(id, "before", strconv.Itoa(i)); err != nil {
				t.Fatal(err)
			}
			if err := s.SetTrialValue(id, 100); err != nil {
				t.Fatal(err)
			}
			d := goptuna.FrozenTrial{ID: id, State: goptuna.TrialStateComplete, Value: float64(i) / 3,
				UserAttrs: map[string]string{"result": fmt.Sprint("digest-", i)}}
			switch i {
			case 1:
				d.State, d.SystemAttrs = goptuna.TrialStateFail, map[string]string{"error": "refused"}
			case 2:
				d.UserAttrs["before"] = "replaced"
			case 4:
				d.State = goptuna.TrialStatePruned
			}
			done = append(done, d)
		}
		return sid, done
	}
	gid, gdone := prepare("grouped")
	pid, pdone := prepare("per-trial")
	if err := s.FinishTrials(gdone); err != nil {
		t.Fatal(err)
	}
	for _, d := range pdone {
		if err := s.SetTrialValue(d.ID, d.Value); err != nil {
			t.Fatal(err)
		}
		for k, v := range d.UserAttrs {
			if err := s.SetTrialUserAttr(d.ID, k, v); err != nil {
				t.Fatal(err)
			}
		}
		for k, v := range d.SystemAttrs {
			if err := s.SetTrialSystemAttr(d.ID, k, v); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.SetTrialState(d.ID, d.State); err != nil {
			t.Fatal(err)
		}
	}
	// Through another Store (what was committed) and through s (its kept
	// copies).
	for _, r := range []*postgres.Store{other, s} {
		g := of(r.GetAllTrials(gid)).must(t)
		p := of(r.GetAllTrials(pid)).must(t)
		if d := cmp.Diff(p, g, ignoreIdentity); d != "" {
			t.Errorf("grouped finish differs from per-trial (-per trial +grouped):\n%s", d)
		}
	}

	// The same searches through study.Run.
	var ps []study.Param
	for i := range 6 {
		ps = append(ps, study.Float("x"+strconv.Itoa(i), -1, 1))
	}
	space, err := study.NewSpace(ps...)
	if err != nil {
		t.Fatal(err)
	}
	// obj fails at slot fail (the second of a batch of 4) once the two
	// slots after it have started, so both runs dispatch the same trials
	// whatever the timing.
	obj := func(fail int) study.Objective {
		var later atomic.Int32
		started := make(chan struct{})
		return func(_ context.Context, in study.TrialInput) (study.Outcome, error) {
			if fail >= 0 && (in.Slot == fail+1 || in.Slot == fail+2) && later.Add(1) == 2 {
				close(started)
			}
			if in.Slot == fail {
				<-started
				return study.Outcome{}, errors.New("refused")
			}
			v := 0.0
			for i := range 6 { // in order: the same sum every time
				x := in.Params["x"+strconv.Itoa(i)].(float64)
				v += x * x
			}
			return study.Outcome{Value: v, Attrs: map[string]string{"result": fmt.Sprint("digest-", in.Slot)}}, nil
		}
	}
	for _, tc := range []struct {
		name    string
		cfg     study.Config
		failAt  int
		wantErr bool
	}{
		{"random batch 4", study.Config{Sampler: study.SamplerRandom, Trials: 40, BatchSize: 4, Workers: 4}, -1, false},
		{"tpe batch 3, 2 workers", study.Config{Sampler: "tpe", Trials: 24, BatchSize: 3, Workers: 2}, -1, false},
		{"failure mid-batch", study.Config{Sampler: study.SamplerRandom, Trials: 40, BatchSize: 4, Workers: 4}, 9, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := tc.cfg
			cfg.Seed = 7
			cfg.Study = "run grouped " + tc.name
			_, errG := study.Run(context.Background(), s, cfg, space, obj(tc.failAt))
			gid := of(s.GetStudyIDFromName(cfg.Study)).must(t)
			cfg.Study = "run per trial " + tc.name
			_, errP := study.Run(context.Background(), perTrial{s}, cfg, space, obj(tc.failAt))
			pid := of(s.GetStudyIDFromName(cfg.Study)).must(t)
			if (errG != nil) != tc.wantErr || (errP != nil) != tc.wantErr {
				t.Fatalf("errors: grouped %v, per trial %v; want an error: %v", errG, errP, tc.wantErr)
			}
			for _, r := range []*postgres.Store{other, s} {
				g := of(r.GetAllTrials(gid)).must(t)
				p := of(r.GetAllTrials(pid)).must(t)
				if len(g) == 0 {
					t.Fatal("no trials stored")
				}
				if d := cmp.Diff(p, g, ignoreIdentity); d != "" {
					t.Errorf("trials differ (-per trial +grouped):\n%s", d)
				}
			}
		})
	}
}

// perTrial is a storage without FinishTrials: study.Run finishes its
// trials one by one.
type perTrial struct{ goptuna.Storage }
