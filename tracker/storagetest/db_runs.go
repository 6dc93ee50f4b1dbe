package storagetest

import (
	"errors"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

func runCasesList() []dbCase {
	return []dbCase{
		{"ids count from 1 and are never handed out again", runIDs},
		{"every field round trips, NaN and infinities included", runRoundTrip},
		{"an empty status becomes running", runDefaultStatus},
		{"unknown runs are not found", runUnknown},
		{"a failing update changes nothing", runUpdateFails},
		{"concurrent updates are atomic", runConcurrentUpdates},
		{"returned runs do not alias stored state", runNoAliasing},
		{"tags are validated, sorted and limited", runTags},
		{"notes are limited and blank removes them", runNote},
		{"deleting a run keeps what other runs use", runDelete},
	}
}

// fullRun returns a run with every field set, naming two studies and two
// artifacts that it creates first.
func fullRun(t *testing.T, db tracker.DB, name string) tracker.Run {
	t.Helper()
	s1 := of(db.CreateNewStudy(name + "/s1")).must(t)
	s2 := of(db.CreateNewStudy(name + "/s2")).must(t)
	a := of(db.PutArtifact(bg, []byte(name+"a"), tracker.ArtifactMeta{Kind: "image"})).must(t)
	b := of(db.PutArtifact(bg, []byte(name+"b"), tracker.ArtifactMeta{Kind: "image"})).must(t)
	return tracker.Run{
		Name: name, Spec: "name = \"" + name + "\"\n[fit]\nsteps = 3\n", SpecSHA256: strings.Repeat("ab", 32),
		Seed: -20210601, Profile: "smoke", Workers: 3, Status: tracker.RunSucceeded, Error: "",
		Started: at(1), Ended: at(2_000_001),
		GoVersion: "go1.26", ModuleVersion: "(devel)", VCSRevision: "0123abcd", CPUModel: "Test CPU @ 2GHz",
		Studies:   []int{s2, s1},
		Artifacts: []tracker.ID{b, a},
		Stages:    []string{"k2", "k1"},
		Metrics:   map[string]float64{"loss": 0.125, "nan": math.NaN(), "up": math.Inf(1), "down": math.Inf(-1), "neg0": math.Copysign(0, -1)},
		Attrs:     map[string]string{"source": "style/blur", "unicode": "héllo\nwörld\t\x01"},
	}
}

func runIDs(t *testing.T, db tracker.DB) {
	var ids []int
	for i := range 3 {
		ids = append(ids, of(db.CreateRun(bg, tracker.Run{Name: "r" + strconv.Itoa(i)})).must(t))
	}
	if !slices.Equal(ids, []int{1, 2, 3}) {
		t.Errorf("first run ids %v, want [1 2 3]", ids)
	}
	of(db.DeleteRun(bg, 3)).must(t)
	of(db.DeleteRun(bg, 2)).must(t)
	if id := of(db.CreateRun(bg, tracker.Run{Name: "again"})).must(t); id <= 3 {
		t.Errorf("run created after deleting runs 2 and 3 got id %d; ids are never handed out again", id)
	}
	runs := of(db.ListRuns(bg)).must(t)
	if len(runs) != 2 || runs[0].ID != 1 || runs[1].ID <= 3 {
		t.Errorf("ListRuns ids = %v, want 1 and the new id", runIDsOf(runs))
	}
}

func runIDsOf(runs []tracker.Run) []int {
	var ids []int
	for _, r := range runs {
		ids = append(ids, r.ID)
	}
	return ids
}

func runRoundTrip(t *testing.T, db tracker.DB) {
	in := fullRun(t, db, "style/blur")
	id := of(db.CreateRun(bg, in)).must(t)
	want := in
	want.ID = id
	got := of(db.GetRun(bg, id)).must(t)
	diff(t, "run read back", want, got)
	if !math.Signbit(got.Metrics["neg0"]) {
		t.Error("metric -0 read back as +0")
	}
	second := fullRun(t, db, "content/exp1")
	second.Status = tracker.RunQueued
	id2 := of(db.CreateRun(bg, second)).must(t)
	second.ID = id2
	diff(t, "ListRuns", []tracker.Run{want, second}, of(db.ListRuns(bg)).must(t))
	ok(t, db.UpdateRun(bg, id, func(r *tracker.Run) error {
		r.Status, r.Error = tracker.RunFailed, "boom: disk full"
		r.Metrics["late"] = math.NaN()
		r.Stages = append(r.Stages, "k3")
		return nil
	}))
	want.Status, want.Error = tracker.RunFailed, "boom: disk full"
	want.Metrics = map[string]float64{"loss": 0.125, "nan": math.NaN(), "up": math.Inf(1), "down": math.Inf(-1), "neg0": 0, "late": math.NaN()}
	want.Stages = []string{"k2", "k1", "k3"}
	diff(t, "run after UpdateRun", want, of(db.GetRun(bg, id)).must(t))
}

func runDefaultStatus(t *testing.T, db tracker.DB) {
	id := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	if got := of(db.GetRun(bg, id)).must(t); got.Status != tracker.RunRunning {
		t.Errorf("status %q, want %q", got.Status, tracker.RunRunning)
	}
}

func runUnknown(t *testing.T, db tracker.DB) {
	of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	_, err := db.GetRun(bg, 99)
	wantErr(t, "GetRun(99)", err, tracker.ErrNotFound)
	wantErr(t, "UpdateRun(99)", db.UpdateRun(bg, 99, func(*tracker.Run) error { return nil }), tracker.ErrNotFound)
	_, err = db.DeleteRun(bg, 99)
	wantErr(t, "DeleteRun(99)", err, tracker.ErrNotFound)
	_, err = db.SetRunTags(bg, 99, []string{"a"}, nil)
	wantErr(t, "SetRunTags(99)", err, tracker.ErrNotFound)
	wantErr(t, "SetRunNote(99)", db.SetRunNote(bg, 99, "n"), tracker.ErrNotFound)
}

func runUpdateFails(t *testing.T, db tracker.DB) {
	id := of(db.CreateRun(bg, fullRun(t, db, "x"))).must(t)
	before := of(db.GetRun(bg, id)).must(t)
	stop := errors.New("refused by the caller")
	err := db.UpdateRun(bg, id, func(r *tracker.Run) error {
		r.Name, r.Metrics["loss"] = "changed", 9
		return stop
	})
	wantErr(t, "UpdateRun whose fn fails", err, stop)
	diff(t, "run after a failed update", before, of(db.GetRun(bg, id)).must(t))
	ok(t, db.UpdateRun(bg, id, func(r *tracker.Run) error { r.ID = id + 7; return nil }))
	if _, err := db.GetRun(bg, id); err != nil {
		t.Errorf("UpdateRun let fn change the id: run %d: %v", id, err)
	}
	if _, err := db.GetRun(bg, id+7); err == nil {
		t.Errorf("UpdateRun let fn move the run to id %d", id+7)
	}
}

func runConcurrentUpdates(t *testing.T, db tracker.DB) {
	id := of(db.CreateRun(bg, tracker.Run{Name: "counter", Metrics: map[string]float64{"n": 0}})).must(t)
	const workers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				errs <- db.UpdateRun(bg, id, func(r *tracker.Run) error {
					r.Metrics["n"]++
					if r.Attrs == nil {
						r.Attrs = map[string]string{}
					}
					r.Attrs["w"+strconv.Itoa(w)] = strconv.Itoa(i + 1)
					return nil
				})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := of(db.GetRun(bg, id)).must(t)
	if got.Metrics["n"] != workers*each {
		t.Errorf("after %d concurrent increments the counter is %v: updates were lost", workers*each, got.Metrics["n"])
	}
	for w := range workers {
		if v := got.Attrs["w"+strconv.Itoa(w)]; v != strconv.Itoa(each) {
			t.Errorf("attr w%d = %q, want %d", w, v, each)
		}
	}
}

func runNoAliasing(t *testing.T, db tracker.DB) {
	id := of(db.CreateRun(bg, fullRun(t, db, "x"))).must(t)
	want := of(db.GetRun(bg, id)).must(t)
	got := of(db.GetRun(bg, id)).must(t)
	got.Metrics["loss"], got.Attrs["source"], got.Studies[0], got.Stages[0] = 7, "changed", 99, "changed"
	list := of(db.ListRuns(bg)).must(t)
	list[0].Metrics["loss"] = 8
	ok(t, db.UpdateRun(bg, id, func(r *tracker.Run) error { return nil }))
	diff(t, "run after editing returned copies", want, of(db.GetRun(bg, id)).must(t))
}

func runTags(t *testing.T, db tracker.DB) {
	id := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	tags := of(db.SetRunTags(bg, id, []string{"paper", "baseline", "fig-3"}, nil)).must(t)
	diff(t, "tags after adding", []string{"baseline", "fig-3", "paper"}, tags)
	tags = of(db.SetRunTags(bg, id, []string{"zz"}, []string{"paper", "absent"})).must(t)
	diff(t, "tags after adding and removing", []string{"baseline", "fig-3", "zz"}, tags)
	diff(t, "Run.Tags()", tags, of(db.GetRun(bg, id)).must(t).Tags())
	for _, bad := range []string{"", "has space", "a,b", "tab\t", strings.Repeat("x", tracker.MaxTagBytes+1)} {
		if _, err := db.SetRunTags(bg, id, []string{bad}, nil); err == nil {
			t.Errorf("tag %q accepted", bad)
		}
	}
	many := make([]string, tracker.MaxTags)
	for i := range many {
		many[i] = "t" + strconv.Itoa(i)
	}
	if _, err := db.SetRunTags(bg, id, many, nil); err == nil {
		t.Errorf("run took %d tags; at most %d", tracker.MaxTags+3, tracker.MaxTags)
	}
	diff(t, "tags after refused changes", []string{"baseline", "fig-3", "zz"}, of(db.GetRun(bg, id)).must(t).Tags())
	tags = of(db.SetRunTags(bg, id, nil, []string{"baseline", "fig-3", "zz"})).must(t)
	if len(tags) != 0 || of(db.GetRun(bg, id)).must(t).Attrs[tracker.RunAttrTags] != "" {
		t.Errorf("removing every tag left %v", tags)
	}
}

func runNote(t *testing.T, db tracker.DB) {
	id := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	ok(t, db.SetRunNote(bg, id, "first try; lr too high"))
	if got := of(db.GetRun(bg, id)).must(t).Note(); got != "first try; lr too high" {
		t.Errorf("note %q", got)
	}
	if err := db.SetRunNote(bg, id, strings.Repeat("n", tracker.MaxNoteBytes+1)); err == nil {
		t.Errorf("a note of %d bytes was accepted; at most %d", tracker.MaxNoteBytes+1, tracker.MaxNoteBytes)
	}
	ok(t, db.SetRunNote(bg, id, strings.Repeat("n", tracker.MaxNoteBytes)))
	ok(t, db.SetRunNote(bg, id, "  \n"))
	if r := of(db.GetRun(bg, id)).must(t); r.Note() != "" {
		t.Errorf("a blank note left %q", r.Note())
	}
}

func runDelete(t *testing.T, db tracker.DB) {
	mine := of(db.CreateNewStudy("run-1/fit")).must(t)
	shared := of(db.CreateNewStudy("run-1/shared")).must(t)
	stageStudy := of(db.CreateNewStudy("run-1/stage-only")).must(t)
	keptStageStudy := of(db.CreateNewStudy("run-1/kept-stage")).must(t)
	a := of(db.CreateRun(bg, tracker.Run{Name: "a", Studies: []int{mine, shared}, Stages: []string{"own", "reused"}})).must(t)
	b := of(db.CreateRun(bg, tracker.Run{Name: "b", Studies: []int{shared}, Stages: []string{"reused", "b-own"}})).must(t)
	ok(t, db.PutStage(bg, tracker.Stage{Key: "own", Name: "fit", RunID: a, Status: "done", Studies: []int{stageStudy}, Started: at(1)}))
	ok(t, db.PutStage(bg, tracker.Stage{Key: "reused", Name: "dataset", RunID: a, Status: "done", Studies: []int{keptStageStudy}, Started: at(2)}))
	ok(t, db.PutStage(bg, tracker.Stage{Key: "b-own", Name: "fit", RunID: b, Status: "done", Started: at(3)}))
	q, sharedQueue := db.(tracker.WorkQueue)
	if sharedQueue {
		// A database that holds the work queue drops a deleted run's items
		// (their results would otherwise keep artifacts from GC).
		for _, run := range []int{a, b} {
			ok(t, q.EnqueueWork(bg, []tracker.WorkItem{{WorkKey: tracker.WorkKey{RunID: run, Stage: "own"}, Kind: "k"}}))
		}
	}
	del := of(db.DeleteRun(bg, a)).must(t)
	if sharedQueue {
		if items := of(q.ListWork(bg, a, "")).must(t); len(items) != 0 {
			t.Errorf("the deleted run keeps %d work items", len(items))
		}
		if items := of(q.ListWork(bg, b, "")).must(t); len(items) != 1 {
			t.Errorf("the other run has %d work items, want its 1", len(items))
		}
	}
	slices.Sort(del.Studies)
	diff(t, "DeleteRun report", tracker.RunDeletion{Run: a, Stages: []string{"own"}, KeptStages: []string{"reused"}, Studies: []int{mine, stageStudy}}, del)
	_, err := db.GetRun(bg, a)
	wantErr(t, "GetRun of the deleted run", err, tracker.ErrNotFound)
	_, err = db.GetStage(bg, "own")
	wantErr(t, "GetStage of the deleted run's own stage", err, tracker.ErrNotFound)
	kept := of(db.GetStage(bg, "reused")).must(t)
	if kept.RunID != 0 || kept.Attrs[tracker.StageAttrDeletedRun] != strconv.Itoa(a) {
		t.Errorf("kept stage: run %d, %s=%q; want run 0 and %q", kept.RunID, tracker.StageAttrDeletedRun, kept.Attrs[tracker.StageAttrDeletedRun], strconv.Itoa(a))
	}
	for _, sid := range []int{mine, stageStudy} {
		if _, err := db.Study(sid); !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("study %d of the deleted run: %v, want ErrNotFound", sid, err)
		}
	}
	for _, sid := range []int{shared, keptStageStudy} {
		if _, err := db.Study(sid); err != nil {
			t.Errorf("study %d, still named by run %d or a kept stage, is gone: %v", sid, b, err)
		}
	}
	if got := of(db.GetRun(bg, b)).must(t); !slices.Equal(got.Stages, []string{"reused", "b-own"}) {
		t.Errorf("the other run's stages changed to %v", got.Stages)
	}
	if n := len(of(db.ListStages(bg, b)).must(t)); n != 1 {
		t.Errorf("the other run lists %d stages of its own, want 1", n)
	}
}
