package tracker_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cgx-dev/cgx/tracker"
)

func TestApplyRunTagsAndNote(t *testing.T) {
	r := tracker.Run{ID: 3}
	tags, err := tracker.ApplyRunTags(&r, []string{"b", "a", "b"}, nil)
	if err != nil || !cmp.Equal(tags, []string{"a", "b"}) || !cmp.Equal(r.Tags(), []string{"a", "b"}) {
		t.Fatalf("add: %v, %v; run tags %v", tags, err, r.Tags())
	}
	if tags, err = tracker.ApplyRunTags(&r, nil, []string{"a", "b"}); err != nil || len(tags) != 0 || r.Attrs[tracker.RunAttrTags] != "" {
		t.Fatalf("remove all: %v, %v; attrs %v", tags, err, r.Attrs)
	}
	many := make([]string, tracker.MaxTags+1)
	for i := range many {
		many[i] = "t" + string(rune('A'+i%26)) + string(rune('a'+i/26))
	}
	if _, err := tracker.ApplyRunTags(&r, many, nil); err == nil {
		t.Errorf("%d tags accepted", len(many))
	}
	for _, bad := range []string{"", "a b", "a,b", "tab\t", string(make([]byte, tracker.MaxTagBytes+1))} {
		if tracker.CheckTags([]string{"ok"}, []string{bad}) == nil {
			t.Errorf("tag %q accepted", bad)
		}
	}
	tracker.ApplyRunNote(&r, "hello")
	if r.Note() != "hello" {
		t.Errorf("note %q", r.Note())
	}
	tracker.ApplyRunNote(&r, "  \n")
	if _, has := r.Attrs[tracker.RunAttrNote]; has {
		t.Errorf("a blank note is kept: %q", r.Attrs[tracker.RunAttrNote])
	}
	if tracker.CheckNote(string(make([]byte, tracker.MaxNoteBytes+1))) == nil {
		t.Errorf("an over-long note is accepted")
	}
}

func TestNormalizeTrial(t *testing.T) {
	cat := goptuna.CategoricalDistribution{Choices: []string{"a", "b"}}
	good := goptuna.FrozenTrial{State: goptuna.TrialStateComplete,
		InternalParams: map[string]float64{"x": 0.5, "c": 1},
		Distributions:  map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}, "c": cat},
		UserAttrs:      map[string]string{"k": "v"}}
	got, err := tracker.NormalizeTrial(&good)
	if err != nil {
		t.Fatal(err)
	}
	if got.Params["x"] != 0.5 || got.Params["c"] != "b" || got.DatetimeStart.Location() != time.UTC {
		t.Errorf("normalized = %+v", got)
	}
	got.UserAttrs["k"] = "changed"
	got.Distributions["c"].(goptuna.CategoricalDistribution).Choices[0] = "z"
	if good.UserAttrs["k"] != "v" || cat.Choices[0] != "a" {
		t.Errorf("the normalized trial shares memory with its input")
	}
	for name, tr := range map[string]goptuna.FrozenTrial{
		"unknown state":         {State: 9},
		"param without dist":    {InternalParams: map[string]float64{"x": 1}, Distributions: map[string]interface{}{"y": goptuna.UniformDistribution{}}},
		"count mismatch":        {InternalParams: map[string]float64{"x": 1}},
		"categorical overflow":  {InternalParams: map[string]float64{"c": 2}, Distributions: map[string]interface{}{"c": cat}},
		"categorical negative":  {InternalParams: map[string]float64{"c": -1}, Distributions: map[string]interface{}{"c": cat}},
		"unknown distribution":  {InternalParams: map[string]float64{"x": 1}, Distributions: map[string]interface{}{"x": 42}},
		"categorical NaN index": {InternalParams: map[string]float64{"c": math.NaN()}, Distributions: map[string]interface{}{"c": cat}},
	} {
		if _, err := tracker.NormalizeTrial(&tr); !errors.Is(err, tracker.ErrInvalidTrial) {
			t.Errorf("%s: %v, want ErrInvalidTrial", name, err)
		}
	}
}

func TestComputeStats(t *testing.T) {
	t0 := time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC)
	trials := []goptuna.FrozenTrial{
		{ID: 1, Number: 0, State: goptuna.TrialStateComplete, Value: 2, DatetimeStart: t0.Add(time.Minute), DatetimeComplete: t0.Add(2 * time.Minute)},
		{ID: 2, Number: 1, State: goptuna.TrialStateComplete, Value: 1, DatetimeStart: t0, DatetimeComplete: t0.Add(5 * time.Minute)},
		{ID: 3, Number: 2, State: goptuna.TrialStateComplete, Value: 1}, // a tie keeps the first
		{ID: 4, Number: 3, State: goptuna.TrialStateFail},
		{ID: 5, Number: 4, State: goptuna.TrialStateRunning},
		{ID: 6, Number: 5, State: goptuna.TrialStatePruned},
		{ID: 7, Number: 6, State: goptuna.TrialStateWaiting},
	}
	at := func(i int) *goptuna.FrozenTrial { return &trials[i] }
	want := tracker.StudyStats{Trials: 7, Running: 1, Complete: 3, Pruned: 1, Fail: 1, Waiting: 1,
		BestTrialID: 2, BestNumber: 1, BestValue: 1, FirstStart: t0, LastComplete: t0.Add(5 * time.Minute)}
	if d := cmp.Diff(want, tracker.ComputeStats(goptuna.StudyDirectionMinimize, len(trials), at)); d != "" {
		t.Errorf("minimize (-want +got):\n%s", d)
	}
	want.BestTrialID, want.BestNumber, want.BestValue = 1, 0, 2
	if d := cmp.Diff(want, tracker.ComputeStats(goptuna.StudyDirectionMaximize, len(trials), at)); d != "" {
		t.Errorf("maximize (-want +got):\n%s", d)
	}
}

// gcSource is a database in memory for ReferencedArtifacts.
type gcSource struct {
	runs    []tracker.Run
	stages  []tracker.Stage
	studies []tracker.StudyInfo
	trials  map[int][]goptuna.FrozenTrial
}

func (s gcSource) ListRuns(context.Context) ([]tracker.Run, error) { return s.runs, nil }
func (s gcSource) ListStages(context.Context, int) ([]tracker.Stage, error) {
	return s.stages, nil
}
func (s gcSource) Studies() ([]tracker.StudyInfo, error) { return s.studies, nil }
func (s gcSource) GetAllTrials(id int) ([]goptuna.FrozenTrial, error) {
	return s.trials[id], nil
}

func TestReferencedArtifacts(t *testing.T) {
	id := func(s string) tracker.ID { return tracker.Sum([]byte(s)) }
	manifest := id("manifest")
	files := map[tracker.ID][]byte{manifest: []byte(`{"images":[{"image":"` + id("image").String() + `"}]}`)}
	metas := []tracker.ArtifactMeta{
		{ID: id("run output"), RunID: 1},
		{ID: manifest, RunID: 1, MediaType: "application/json"},
		{ID: id("image"), RunID: 1},
		{ID: id("stage output"), RunID: 1},
		{ID: id("trial attr"), RunID: 1},
		{ID: id("orphan"), RunID: 1},
		{ID: id("user's own"), RunID: 0},
	}
	src := gcSource{
		runs:    []tracker.Run{{ID: 1, Artifacts: []tracker.ID{id("run output")}}},
		stages:  []tracker.Stage{{Key: "k", Outputs: map[string]tracker.ID{"m": manifest, "o": id("stage output")}}},
		studies: []tracker.StudyInfo{{ID: 1}},
		trials:  map[int][]goptuna.FrozenTrial{1: {{UserAttrs: map[string]string{"result": id("trial attr").String()}}}},
	}
	read := func(i tracker.ID) ([]byte, error) { return files[i], nil }
	for _, unowned := range []bool{false, true} {
		got, err := tracker.ReferencedArtifacts(context.Background(), src, metas, unowned, read)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range metas {
			want := m.ID != id("orphan") && (m.ID != id("user's own") || !unowned)
			if got[m.ID] != want {
				t.Errorf("unowned=%v: artifact %s referenced = %v, want %v", unowned, m.ID.String()[:8], got[m.ID], want)
			}
		}
	}
}

func TestNotFoundErrors(t *testing.T) {
	for _, tc := range []struct {
		err  error
		also error
	}{
		{tracker.StudyNotFound(3), goptuna.ErrInvalidStudyID},
		{tracker.TrialNotFound(4), goptuna.ErrInvalidTrialID},
		{tracker.NotFound("run 5"), nil},
	} {
		if !errors.Is(tc.err, tracker.ErrNotFound) || (tc.also != nil && !errors.Is(tc.err, tc.also)) {
			t.Errorf("%v does not match ErrNotFound and %v", tc.err, tc.also)
		}
	}
	e := tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged; restore it", "x.db")
	if !errors.Is(e, tracker.ErrCorruptDB) || !tracker.IsTagged(e) || e.Error() != "database x.db is damaged; restore it" {
		t.Errorf("Tagf: %v", e)
	}
	if tracker.IsTagged(errors.New("plain")) {
		t.Errorf("a plain error counts as tagged")
	}
}

// TestPlanRunDeletion: a stage goes with the run that computed it unless
// another run lists it (then it stays, ownerless and marked), and a study
// goes when nothing that remains names it.
func TestPlanRunDeletion(t *testing.T) {
	run := tracker.Run{ID: 2, Stages: []string{"a", "b", "c"}, Studies: []int{10, 11}}
	runs := []tracker.Run{
		{ID: 1, Stages: []string{"x"}, Studies: []int{11}},
		run,
		{ID: 3, Stages: []string{"b", "x"}},
	}
	stages := []tracker.Stage{
		{Key: "x", RunID: 1, Studies: []int{20}},
		{Key: "a", RunID: 2, Studies: []int{12, 20}},
		{Key: "b", RunID: 2, Studies: []int{13}, Attrs: map[string]string{"k": "v"}},
		{Key: "c", RunID: 1, Studies: []int{14}}, // listed by run 2, computed by run 1: not run 2's to delete
	}
	plan := tracker.PlanRunDeletion(run, runs, stages)
	if d := cmp.Diff([]string{"a"}, plan.Delete); d != "" {
		t.Errorf("deleted stages (-want +got):\n%s", d)
	}
	if len(plan.Keep) != 1 || plan.Keep[0].Key != "b" || plan.Keep[0].RunID != 0 ||
		plan.Keep[0].Attrs[tracker.StageAttrDeletedRun] != "2" || plan.Keep[0].Attrs["k"] != "v" {
		t.Errorf("kept stages: %+v; want b with RunID 0, its attributes and %s=2", plan.Keep, tracker.StageAttrDeletedRun)
	}
	if _, ok := stages[2].Attrs[tracker.StageAttrDeletedRun]; ok {
		t.Error("the plan changed the caller's stage attributes")
	}
	// 10: only run 2 names it. 11: run 1 names it. 12: only stage a. 13:
	// stage b is kept. 20: stage x remains. 14: stage c remains.
	if d := cmp.Diff([]int{10, 12}, plan.Studies); d != "" {
		t.Errorf("deleted studies (-want +got):\n%s", d)
	}
}

// CloneTrial shares no map and no categorical's choices with its source;
// CloneTrialKnown with categorical false skips only the choices.
func TestCloneTrial(t *testing.T) {
	src := goptuna.FrozenTrial{
		InternalParams: map[string]float64{"c": 1, "x": 0.5},
		Params:         map[string]any{"c": "b", "x": 0.5},
		Distributions: map[string]any{
			"c": goptuna.CategoricalDistribution{Choices: []string{"a", "b"}},
			"x": goptuna.UniformDistribution{Low: 0, High: 1},
		},
		UserAttrs: map[string]string{"k": "v"},
	}
	plain := goptuna.FrozenTrial{Distributions: map[string]any{"x": goptuna.UniformDistribution{Low: 0, High: 1}}}
	if !tracker.HasCategorical(&src) || tracker.HasCategorical(&plain) {
		t.Fatalf("HasCategorical: %v for a categorical trial, %v for a uniform one", tracker.HasCategorical(&src), tracker.HasCategorical(&plain))
	}
	c := tracker.CloneTrial(&src)
	if d := cmp.Diff(src, c, cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("copy differs (-src +copy):\n%s", d)
	}
	if c.IntermediateValues == nil || c.SystemAttrs == nil {
		t.Fatal("nil maps stay nil; want empty maps")
	}
	c.InternalParams["x"], c.Params["x"], c.UserAttrs["k"] = 0, 0, ""
	c.Distributions["c"].(goptuna.CategoricalDistribution).Choices[0] = "vandalized"
	if src.InternalParams["x"] != 0.5 || src.Params["x"] != 0.5 || src.UserAttrs["k"] != "v" ||
		src.Distributions["c"].(goptuna.CategoricalDistribution).Choices[0] != "a" {
		t.Fatalf("a change to the copy reached the source: %+v", src)
	}
}
