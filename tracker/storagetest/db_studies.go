package storagetest

import (
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

func studyCases() []dbCase {
	return []dbCase{
		{"finished trials are added whole, in order", studyAddFinished},
		{"unfinished trials are refused in bulk", studyAddRefused},
		{"study info counts trials and finds the best", studyInfo},
		{"studies are found by id and by name", studyFind},
		{"own running trials are not stale", studyNotStale},
		{"trial times keep nanoseconds", studyNanoseconds},
	}
}

// finishedTrials returns trials with every kind of field set, as a runner
// or a copy would add them.
func finishedTrials() []goptuna.FrozenTrial {
	dists := map[string]any{
		"sigma": goptuna.UniformDistribution{Low: 0, High: 2},
		"lr":    goptuna.LogUniformDistribution{Low: 1e-5, High: 1e-1},
		"k":     goptuna.IntUniformDistribution{Low: 1, High: 9},
		"step":  goptuna.DiscreteUniformDistribution{Low: 0, High: 1, Q: 0.25},
		"level": goptuna.CategoricalDistribution{Choices: []string{"top", "bottom|50%"}},
	}
	mk := func(i int, state goptuna.TrialState, value float64) goptuna.FrozenTrial {
		return goptuna.FrozenTrial{
			State: state, Value: value,
			IntermediateValues: map[int]float64{0: 1.5, 1: math.Inf(1), 7: float64(i)},
			InternalParams:     map[string]float64{"sigma": 0.25 * float64(i), "lr": 1e-3, "k": 3, "step": 0.75, "level": float64(i % 2)},
			Distributions:      dists,
			UserAttrs:          map[string]string{"source": "ab" + strconv.Itoa(i), "success": "true"},
			SystemAttrs:        map[string]string{"cgx.slot": strconv.Itoa(i)},
			DatetimeStart:      at(int64(1000 * i)),
			DatetimeComplete:   at(int64(1000*i + 999)),
		}
	}
	return []goptuna.FrozenTrial{
		mk(0, goptuna.TrialStateComplete, 0.5),
		mk(1, goptuna.TrialStatePruned, 0.75),
		mk(2, goptuna.TrialStateFail, math.NaN()),
		mk(3, goptuna.TrialStateComplete, -0.25),
	}
}

func studyAddFinished(t *testing.T, db tracker.DB) {
	sid := of(db.CreateNewStudy("bulk")).must(t)
	in := finishedTrials()
	ids := of(db.AddFinishedTrials(sid, in[:2])).must(t)
	more := of(db.AddFinishedTrials(sid, in[2:])).must(t)
	ids = append(ids, more...)
	if len(ids) != len(in) {
		t.Fatalf("%d ids for %d trials", len(ids), len(in))
	}
	for i := 1; i < len(ids); i++ {
		if ids[i] <= ids[i-1] {
			t.Errorf("trial ids %v are not increasing in insertion order", ids)
		}
	}
	got := of(db.GetAllTrials(sid)).must(t)
	want := make([]goptuna.FrozenTrial, len(in))
	for i, tr := range in {
		tr.ID, tr.StudyID, tr.Number = ids[i], sid, i
		tr.Params = map[string]any{"sigma": 0.25 * float64(i), "lr": 1e-3, "k": 3, "step": 0.75, "level": []string{"top", "bottom|50%"}[i%2]}
		want[i] = tr
	}
	diff(t, "trials read back", want, got)
	for i, id := range ids {
		one := of(db.GetTrial(id)).must(t)
		diff(t, "GetTrial("+strconv.Itoa(id)+")", want[i], one)
	}
}

func studyAddRefused(t *testing.T, db tracker.DB) {
	sid := of(db.CreateNewStudy("bulk")).must(t)
	in := finishedTrials()
	in[1].State = goptuna.TrialStateRunning
	if _, err := db.AddFinishedTrials(sid, in); err == nil {
		t.Error("AddFinishedTrials accepted a RUNNING trial")
	}
	if n := len(of(db.GetAllTrials(sid)).must(t)); n != 0 {
		t.Errorf("%d trials after a refused bulk insert, want 0 (all or nothing)", n)
	}
	if _, err := db.AddFinishedTrials(sid+1000, finishedTrials()); err == nil {
		t.Error("AddFinishedTrials into an unknown study succeeded")
	}
}

func studyInfo(t *testing.T, db tracker.DB) {
	sid := of(db.CreateNewStudy("info")).must(t)
	ok(t, db.SetStudyDirection(sid, goptuna.StudyDirectionMaximize))
	ok(t, db.SetStudyUserAttr(sid, "cgx.run", "1"))
	ok(t, db.SetStudySystemAttr(sid, "sys", "x"))
	ids := of(db.AddFinishedTrials(sid, finishedTrials())).must(t)
	info := of(db.Study(sid)).must(t)
	if info.ID != sid || info.Name != "info" || info.Direction != goptuna.StudyDirectionMaximize {
		t.Errorf("Study(%d) = id %d name %q direction %v", sid, info.ID, info.Name, info.Direction)
	}
	diff(t, "user attributes", map[string]string{"cgx.run": "1"}, info.UserAttrs)
	diff(t, "system attributes", map[string]string{"sys": "x"}, info.SystemAttrs)
	want := tracker.StudyStats{Trials: 4, Complete: 2, Pruned: 1, Fail: 1,
		BestTrialID: ids[0], BestNumber: 0, BestValue: 0.5, FirstStart: at(0), LastComplete: at(3999)}
	diff(t, "stats", want, info.Stats)
	if info.Created.IsZero() {
		t.Error("study has no creation time")
	}
}

func studyFind(t *testing.T, db tracker.DB) {
	a := of(db.CreateNewStudy("run-1/fit/blur")).must(t)
	b := of(db.CreateNewStudy("12345")).must(t)
	all := of(db.Studies()).must(t)
	if len(all) != 2 || all[0].ID != a || all[1].ID != b {
		t.Fatalf("Studies() = %+v, want studies %d and %d in id order", all, a, b)
	}
	for ref, want := range map[string]int{strconv.Itoa(a): a, "run-1/fit/blur": a, strconv.Itoa(b): b} {
		if got := of(db.FindStudy(ref)).must(t); got.ID != want {
			t.Errorf("FindStudy(%q) = study %d, want %d", ref, got.ID, want)
		}
	}
	_, err := db.FindStudy("no-such-study")
	wantErr(t, `FindStudy("no-such-study")`, err, tracker.ErrNotFound)
	_, err = db.Study(b + 1000)
	wantErr(t, "Study(unknown)", err, tracker.ErrNotFound)
}

func studyNotStale(t *testing.T, db tracker.DB) {
	sid := of(db.CreateNewStudy("live")).must(t)
	tid := of(db.CreateNewTrial(sid)).must(t)
	if n := of(db.FailStaleTrials(sid)).must(t); n != 0 {
		t.Errorf("FailStaleTrials failed %d trials this process still runs", n)
	}
	if got := of(db.FailAllStaleTrials()).must(t); len(got) != 0 {
		t.Errorf("FailAllStaleTrials = %v, want none", got)
	}
	if tr := of(db.GetTrial(tid)).must(t); tr.State != goptuna.TrialStateRunning {
		t.Errorf("live trial is %v, want RUNNING", tr.State)
	}
}

func studyNanoseconds(t *testing.T, db tracker.DB) {
	sid := of(db.CreateNewStudy("ns")).must(t)
	tr := finishedTrials()[0]
	tr.DatetimeStart = at(5).Add(123 * time.Nanosecond)
	tr.DatetimeComplete = at(9).Add(987 * time.Nanosecond)
	id := of(db.AddFinishedTrials(sid, []goptuna.FrozenTrial{tr})).must(t)[0]
	got := of(db.GetTrial(id)).must(t)
	if !got.DatetimeStart.Equal(tr.DatetimeStart) || !got.DatetimeComplete.Equal(tr.DatetimeComplete) {
		t.Errorf("times %v, %v read back as %v, %v: a copy between backends would change them",
			tr.DatetimeStart, tr.DatetimeComplete, got.DatetimeStart, got.DatetimeComplete)
	}
}
