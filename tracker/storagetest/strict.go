package storagetest

import (
	"errors"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
)

// RunStrict checks, on the subject alone, what the reference cannot show or
// gets wrong, with goptuna's rdb.v2 storage as the model.
func RunStrict(t *testing.T, subject Factory) {
	tests := []struct {
		name string
		run  func(t *testing.T, s goptuna.Storage)
	}{
		{"many studies keep their trials apart", strictManyStudies},
		{"duplicate study names are refused", strictDuplicateName},
		{"empty name gets a unique default", strictDefaultName},
		{"unknown study ids fail every study call", strictUnknownStudy},
		{"state changes of finished trials return the bare sentinel", strictBareSentinel},
		{"returned values do not alias stored state", strictNoAliasing},
		{"delete study removes only that study", strictDelete},
		{"clone refuses a parameter without distribution", strictCloneValidation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, subject(t)) })
	}
}

// result holds a call's value and error until a test unwraps it:
// of(s.GetTrial(id)).must(t).
type result[T any] struct {
	v   T
	err error
}

func of[T any](v T, err error) result[T] { return result[T]{v, err} }

// must returns the value, failing the test on an error; an error matching
// errors.ErrUnsupported (a part the backend does not provide yet) skips it.
func (r result[T]) must(t *testing.T) T {
	t.Helper()
	ok(t, r.err)
	return r.v
}

func ok(t *testing.T, err error) {
	t.Helper()
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("backend does not provide this yet: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func strictManyStudies(t *testing.T, s goptuna.Storage) {
	names := []string{"a", "b", "c"}
	studies := make([]int, len(names))
	for i, n := range names {
		studies[i] = of(s.CreateNewStudy(n)).must(t)
	}
	byStudy := map[int][]int{}
	seen := map[int]bool{}
	for round := 0; round < 4; round++ {
		for i, sid := range studies {
			id := of(s.CreateNewTrial(sid)).must(t)
			if seen[id] {
				t.Fatalf("trial id %d handed out twice", id)
			}
			seen[id] = true
			byStudy[sid] = append(byStudy[sid], id)
			ok(t, s.SetTrialParam(id, "x", float64(i)/4, uniform))
			ok(t, s.SetTrialValue(id, float64(10*i+round)))
			ok(t, s.SetTrialState(id, goptuna.TrialStateComplete))
		}
	}
	for i, sid := range studies {
		if got := of(s.GetStudyIDFromName(names[i])).must(t); got != sid {
			t.Errorf("GetStudyIDFromName(%q) = %d, want %d", names[i], got, sid)
		}
		ts := of(s.GetAllTrials(sid)).must(t)
		if len(ts) != 4 {
			t.Fatalf("study %q has %d trials, want 4", names[i], len(ts))
		}
		for n, tr := range ts {
			if tr.Number != n || tr.ID != byStudy[sid][n] || tr.StudyID != sid {
				t.Errorf("study %q trial %d: number %d id %d study %d, want number %d id %d study %d",
					names[i], n, tr.Number, tr.ID, tr.StudyID, n, byStudy[sid][n], sid)
			}
			if got := of(s.GetStudyIDFromTrialID(tr.ID)).must(t); got != sid {
				t.Errorf("GetStudyIDFromTrialID(%d) = %d, want %d", tr.ID, got, sid)
			}
		}
		best := of(s.GetBestTrial(sid)).must(t)
		if best.Value != float64(10*i) {
			t.Errorf("study %q best value %v, want %v", names[i], best.Value, 10*i)
		}
	}
	sums := of(s.GetAllStudySummaries()).must(t)
	if len(sums) != 3 {
		t.Fatalf("%d summaries, want 3", len(sums))
	}
	for i, sum := range sums {
		if sum.ID != studies[i] || sum.Name != names[i] || sum.BestTrial.Value != float64(10*i) || sum.DatetimeStart.IsZero() {
			t.Errorf("summary %d = id %d name %q best %v start %v", i, sum.ID, sum.Name, sum.BestTrial.Value, sum.DatetimeStart)
		}
	}
}

func strictDuplicateName(t *testing.T, s goptuna.Storage) {
	of(s.CreateNewStudy("dup")).must(t)
	if _, err := s.CreateNewStudy("dup"); err == nil {
		t.Fatal("second CreateNewStudy(\"dup\") succeeded")
	}
	if n := len(of(s.GetAllStudySummaries()).must(t)); n != 1 {
		t.Errorf("%d studies after a refused duplicate, want 1", n)
	}
}

func strictDefaultName(t *testing.T, s goptuna.Storage) {
	a := of(s.CreateNewStudy("")).must(t)
	b := of(s.CreateNewStudy("")).must(t)
	na, nb := of(s.GetStudyNameFromID(a)).must(t), of(s.GetStudyNameFromID(b)).must(t)
	if na == nb || !strings.HasPrefix(na, goptuna.DefaultStudyNamePrefix) || !strings.HasPrefix(nb, goptuna.DefaultStudyNamePrefix) {
		t.Errorf("default names %q and %q: want distinct names with prefix %q", na, nb, goptuna.DefaultStudyNamePrefix)
	}
}

func strictUnknownStudy(t *testing.T, s goptuna.Storage) {
	sid := of(s.CreateNewStudy("known")).must(t)
	bad := sid + 1000
	calls := map[string]error{
		"SetStudyDirection":  s.SetStudyDirection(bad, goptuna.StudyDirectionMaximize),
		"SetStudyUserAttr":   s.SetStudyUserAttr(bad, "k", "v"),
		"SetStudySystemAttr": s.SetStudySystemAttr(bad, "k", "v"),
		"DeleteStudy":        s.DeleteStudy(bad),
	}
	_, calls["GetStudyUserAttrs"] = s.GetStudyUserAttrs(bad)
	_, calls["GetStudySystemAttrs"] = s.GetStudySystemAttrs(bad)
	_, calls["GetAllTrials"] = s.GetAllTrials(bad)
	_, calls["GetStudyNameFromID"] = s.GetStudyNameFromID(bad)
	for name, err := range calls {
		if !errors.Is(err, goptuna.ErrInvalidStudyID) {
			t.Errorf("%s(unknown study) = %v, want an error matching goptuna.ErrInvalidStudyID", name, err)
		}
	}
}

func strictBareSentinel(t *testing.T, s goptuna.Storage) {
	sid := of(s.CreateNewStudy("sentinel")).must(t)
	id := of(s.CreateNewTrial(sid)).must(t)
	// goptuna's study loop pops WAITING trials with err == ErrTrialCannotBeUpdated.
	if err := s.SetTrialState(id, goptuna.TrialStateRunning); err != goptuna.ErrTrialCannotBeUpdated {
		t.Errorf("RUNNING -> RUNNING: %v, want exactly goptuna.ErrTrialCannotBeUpdated", err)
	}
	ok(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	if err := s.SetTrialState(id, goptuna.TrialStateRunning); err != goptuna.ErrTrialCannotBeUpdated {
		t.Errorf("COMPLETE -> RUNNING: %v, want exactly goptuna.ErrTrialCannotBeUpdated", err)
	}
}

func strictNoAliasing(t *testing.T, s goptuna.Storage) {
	sid := of(s.CreateNewStudy("alias")).must(t)
	ok(t, s.SetStudyUserAttr(sid, "k", "v"))
	ok(t, s.SetStudySystemAttr(sid, "k", "v"))
	id := of(s.CreateNewTrial(sid)).must(t)
	ok(t, s.SetTrialParam(id, "x", 0.5, uniform))
	ok(t, s.SetTrialParam(id, "color", 1, categorical))
	ok(t, s.SetTrialIntermediateValue(id, 0, 1))
	ok(t, s.SetTrialUserAttr(id, "k", "v"))
	ok(t, s.SetTrialSystemAttr(id, "k", "v"))
	ok(t, s.SetTrialValue(id, 1))
	ok(t, s.SetTrialState(id, goptuna.TrialStateComplete))
	before := of(s.GetTrial(id)).must(t)
	before = deepCopyTrial(before)

	vandalize := func(tr goptuna.FrozenTrial) {
		tr.IntermediateValues[0] = -1
		tr.IntermediateValues[9] = -1
		tr.InternalParams["x"] = -1
		tr.Params["x"] = -1.0
		tr.Distributions["x"] = goptuna.UniformDistribution{Low: 5, High: 6}
		if c, ok := tr.Distributions["color"].(goptuna.CategoricalDistribution); ok && len(c.Choices) > 0 {
			c.Choices[0] = "vandalized"
		}
		tr.UserAttrs["k"] = "x"
		tr.SystemAttrs["new"] = "x"
	}
	vandalize(of(s.GetTrial(id)).must(t))
	for _, tr := range of(s.GetAllTrials(sid)).must(t) {
		vandalize(tr)
	}
	vandalize(of(s.GetBestTrial(sid)).must(t))
	for _, sum := range of(s.GetAllStudySummaries()).must(t) {
		vandalize(sum.BestTrial)
		sum.UserAttrs["k"] = "x"
		sum.SystemAttrs["k"] = "x"
	}
	of(s.GetTrialParams(id)).must(t)["x"] = -1.0
	of(s.GetTrialUserAttrs(id)).must(t)["k"] = "x"
	of(s.GetTrialSystemAttrs(id)).must(t)["k"] = "x"
	of(s.GetStudyUserAttrs(sid)).must(t)["k"] = "x"
	of(s.GetStudySystemAttrs(sid)).must(t)["k"] = "x"

	after := of(s.GetTrial(id)).must(t)
	if d := cmp.Diff(before, after, cmpOpts); d != "" {
		t.Errorf("changing returned values changed the stored trial (-before +after):\n%s", d)
	}
	if got := of(s.GetStudyUserAttrs(sid)).must(t)["k"]; got != "v" {
		t.Errorf("study user attribute became %q after changing a returned map", got)
	}
	if got := of(s.GetStudySystemAttrs(sid)).must(t)["k"]; got != "v" {
		t.Errorf("study system attribute became %q after changing a returned map", got)
	}
	// Inputs must not be kept either.
	d := goptuna.CategoricalDistribution{Choices: []string{"a", "b"}}
	id2 := of(s.CreateNewTrial(sid)).must(t)
	ok(t, s.SetTrialParam(id2, "c", 0, d))
	d.Choices[0] = "changed"
	got := of(s.GetTrial(id2)).must(t).Params["c"]
	if got != "a" {
		t.Errorf("param after changing the caller's distribution = %v, want a", got)
	}
}

func deepCopyTrial(t goptuna.FrozenTrial) goptuna.FrozenTrial {
	c := t
	c.IntermediateValues = map[int]float64{}
	for k, v := range t.IntermediateValues {
		c.IntermediateValues[k] = v
	}
	c.InternalParams = map[string]float64{}
	for k, v := range t.InternalParams {
		c.InternalParams[k] = v
	}
	c.Params = map[string]any{}
	for k, v := range t.Params {
		c.Params[k] = v
	}
	c.Distributions = map[string]any{}
	for k, v := range t.Distributions {
		if cd, ok := v.(goptuna.CategoricalDistribution); ok {
			cd.Choices = append([]string(nil), cd.Choices...)
			v = cd
		}
		c.Distributions[k] = v
	}
	c.UserAttrs = map[string]string{}
	for k, v := range t.UserAttrs {
		c.UserAttrs[k] = v
	}
	c.SystemAttrs = map[string]string{}
	for k, v := range t.SystemAttrs {
		c.SystemAttrs[k] = v
	}
	return c
}

func strictDelete(t *testing.T, s goptuna.Storage) {
	keep := of(s.CreateNewStudy("keep")).must(t)
	drop := of(s.CreateNewStudy("drop")).must(t)
	kt := of(s.CreateNewTrial(keep)).must(t)
	ok(t, s.SetTrialState(kt, goptuna.TrialStateComplete))
	dt := of(s.CreateNewTrial(drop)).must(t)
	ok(t, s.SetTrialState(dt, goptuna.TrialStateComplete))
	of(s.CreateNewTrial(drop)).must(t) // a running trial goes too
	ok(t, s.DeleteStudy(drop))
	if _, err := s.GetTrial(dt); !errors.Is(err, goptuna.ErrInvalidTrialID) {
		t.Errorf("GetTrial of a deleted study's trial: %v, want goptuna.ErrInvalidTrialID", err)
	}
	if _, err := s.GetStudyIDFromName("drop"); err == nil {
		t.Error("deleted study still found by name")
	}
	if _, err := s.CreateNewTrial(drop); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Errorf("CreateNewTrial in a deleted study: %v, want goptuna.ErrInvalidStudyID", err)
	}
	again := of(s.CreateNewStudy("drop")).must(t)
	if n := len(of(s.GetAllTrials(again)).must(t)); n != 0 {
		t.Errorf("re-created study has %d trials, want 0", n)
	}
	if n := len(of(s.GetAllTrials(keep)).must(t)); n != 1 {
		t.Errorf("kept study has %d trials, want 1", n)
	}
	if _, err := s.GetTrial(kt); err != nil {
		t.Errorf("kept trial: %v", err)
	}
}

func strictCloneValidation(t *testing.T, s goptuna.Storage) {
	sid := of(s.CreateNewStudy("clone")).must(t)
	_, err := s.CloneTrial(sid, goptuna.FrozenTrial{
		State:          goptuna.TrialStateComplete,
		InternalParams: map[string]float64{"x": 0.5},
		Distributions:  map[string]any{},
	})
	if err == nil {
		t.Error("CloneTrial accepted a parameter without distribution")
	}
	if n := len(of(s.GetAllTrials(sid)).must(t)); n != 0 {
		t.Errorf("%d trials after a refused clone, want 0", n)
	}
}
