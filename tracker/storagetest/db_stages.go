package storagetest

import (
	"math"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

func stageCases() []dbCase {
	return []dbCase{
		{"a stage round trips by key", stageRoundTrip},
		{"putting a key again replaces the stage", stagePutAgain},
		{"an empty key is refused", stageEmptyKey},
		{"stages are listed by run, by start then key", stageList},
	}
}

// fullStage returns a stage with every field set, naming two artifacts and
// two studies that it creates first.
func fullStage(t *testing.T, db tracker.DB, key string, runID int) tracker.Stage {
	t.Helper()
	w := of(db.PutArtifact(bg, []byte("w"+key), tracker.ArtifactMeta{Kind: "weights"})).must(t)
	m := of(db.PutArtifact(bg, []byte("m"+key), tracker.ArtifactMeta{Kind: "dataset-manifest"})).must(t)
	s1 := of(db.CreateNewStudy(key + "/s1")).must(t)
	s3 := of(db.CreateNewStudy(key + "/s3")).must(t)
	return tracker.Stage{
		Key: key, Name: "fit/blur/cg-to-real", RunID: runID, Status: "done",
		Outputs: map[string]tracker.ID{"weights": w, "manifest": m},
		Studies: []int{s3, s1},
		Metrics: map[string]float64{"loss": 0.5, "nan": math.NaN(), "inf": math.Inf(-1)},
		Attrs:   map[string]string{"blas": "portable", "cgx.epochs": `{"train_loss":[0.5,null]}`},
		Started: at(10), Ended: at(20),
	}
}

func stageRoundTrip(t *testing.T, db tracker.DB) {
	run := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	st := fullStage(t, db, "9f86d081884c7d65", run)
	ok(t, db.PutStage(bg, st))
	diff(t, "stage read back", st, of(db.GetStage(bg, st.Key)).must(t))
	_, err := db.GetStage(bg, "no-such-key")
	wantErr(t, "GetStage(unknown)", err, tracker.ErrNotFound)
	got := of(db.GetStage(bg, st.Key)).must(t)
	got.Outputs["weights"], got.Metrics["loss"], got.Attrs["blas"] = tracker.ID{}, 9, "changed"
	diff(t, "stage after editing a returned copy", st, of(db.GetStage(bg, st.Key)).must(t))
}

func stagePutAgain(t *testing.T, db tracker.DB) {
	run := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	st := fullStage(t, db, "k", run)
	ok(t, db.PutStage(bg, st))
	ok(t, db.PutStage(bg, st))
	all := of(db.ListStages(bg, 0)).must(t)
	diff(t, "stages after putting the same stage twice", []tracker.Stage{st}, all)
	st.Status, st.Metrics = "running", map[string]float64{"loss": 0.25}
	ok(t, db.PutStage(bg, st))
	diff(t, "stage after replacing it", st, of(db.GetStage(bg, "k")).must(t))
	if n := len(of(db.ListStages(bg, 0)).must(t)); n != 1 {
		t.Errorf("%d stages under one key", n)
	}
}

func stageEmptyKey(t *testing.T, db tracker.DB) {
	if err := db.PutStage(bg, tracker.Stage{Name: "no key"}); err == nil {
		t.Error("PutStage accepted an empty key")
	}
	if n := len(of(db.ListStages(bg, 0)).must(t)); n != 0 {
		t.Errorf("%d stages after a refused put", n)
	}
}

func stageList(t *testing.T, db tracker.DB) {
	a := of(db.CreateRun(bg, tracker.Run{Name: "a"})).must(t)
	b := of(db.CreateRun(bg, tracker.Run{Name: "b"})).must(t)
	put := func(key string, run int, started int64) tracker.Stage {
		st := tracker.Stage{Key: key, Name: "s-" + key, RunID: run, Status: "done", Started: at(started)}
		ok(t, db.PutStage(bg, st))
		return st
	}
	a3 := put("a3", a, 30)
	a1 := put("a1", a, 10)
	a2z := put("a2z", a, 20)
	a2y := put("a2y", a, 20)
	b1 := put("b1", b, 5)
	diff(t, "ListStages(run a)", []tracker.Stage{a1, a2y, a2z, a3}, of(db.ListStages(bg, a)).must(t))
	diff(t, "ListStages(run b)", []tracker.Stage{b1}, of(db.ListStages(bg, b)).must(t))
	diff(t, "ListStages(0)", []tracker.Stage{b1, a1, a2y, a2z, a3}, of(db.ListStages(bg, 0)).must(t))
	if n := len(of(db.ListStages(bg, b+100)).must(t)); n != 0 {
		t.Errorf("ListStages of an unknown run listed %d stages", n)
	}
}
