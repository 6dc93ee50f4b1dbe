package bolt_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// gcFixture: run 1 computed stage "a" (outputs a manifest naming an image)
// and stage "b" (an image), and made study 1 whose trial names a result
// image; run 2 reuses stage "a" and computed stage "c". One artifact is
// made outside any run, one object file is an orphan.
type gcFixture struct {
	st                                            *bolt.Store
	path                                          string
	manifest, listed, bOut, result, cOut, unowned tracker.ID
	orphan                                        string
}

func newGCFixture(t *testing.T) *gcFixture {
	t.Helper()
	ctx := context.Background()
	f := &gcFixture{path: filepath.Join(t.TempDir(), "cgx.db")}
	st, err := bolt.Open(f.path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f.st = st
	put := func(data, media string, run int) tracker.ID {
		id, err := st.PutArtifact(ctx, []byte(data), tracker.ArtifactMeta{Kind: "k", MediaType: media, RunID: run})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	r1, _ := st.CreateRun(ctx, tracker.Run{Name: "one"})
	r2, _ := st.CreateRun(ctx, tracker.Run{Name: "two"})
	f.listed = put("image listed by the manifest", "image/png", r1)
	f.manifest = put(`{"images": [{"image": "`+f.listed.String()+`"}]}`, "application/json", r1)
	f.bOut = put("stage b output", "image/png", r1)
	f.result = put("trial result", "image/png", r1)
	f.cOut = put("stage c output", "image/png", r2)
	f.unowned = put("made outside a run", "image/png", 0)
	sid, err := st.CreateNewStudy("run-1/fit")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddFinishedTrials(sid, []goptuna.FrozenTrial{{State: goptuna.TrialStateComplete, Value: 1,
		UserAttrs: map[string]string{"result": f.result.String()}}}); err != nil {
		t.Fatal(err)
	}
	for _, s := range []tracker.Stage{
		{Key: "a", Name: "dataset", RunID: r1, Outputs: map[string]tracker.ID{"manifest": f.manifest}},
		{Key: "b", Name: "fit", RunID: r1, Outputs: map[string]tracker.ID{"x": f.bOut}, Studies: []int{sid}},
		{Key: "c", Name: "fit2", RunID: r2, Outputs: map[string]tracker.ID{"x": f.cOut}},
	} {
		if err := st.PutStage(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	st.UpdateRun(ctx, r1, func(r *tracker.Run) error { r.Stages, r.Studies = []string{"a", "b"}, []int{sid}; return nil })
	st.UpdateRun(ctx, r2, func(r *tracker.Run) error { r.Stages = []string{"a", "c"}; return nil })
	f.orphan = filepath.Join(st.ObjectsDir(), "ab", strings.Repeat("c", 62))
	os.MkdirAll(filepath.Dir(f.orphan), 0o755)
	if err := os.WriteFile(f.orphan, []byte("orphan"), 0o444); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDeleteRunAndGC(t *testing.T) {
	ctx := context.Background()
	f := newGCFixture(t)
	st := f.st

	// Before any deletion everything is referenced: only the orphan goes.
	rep, err := st.GC(ctx, tracker.GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Artifacts) != 0 || !slices.Equal(rep.Orphans, []string{f.orphan}) || rep.Kept != 6 {
		t.Fatalf("gc before rm: %+v", rep)
	}

	del, err := st.DeleteRun(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(del.Stages, []string{"b"}) || !slices.Equal(del.KeptStages, []string{"a"}) || !slices.Equal(del.Studies, []int{1}) {
		t.Errorf("deletion: %+v", del)
	}
	if _, err := st.GetRun(ctx, 1); err == nil {
		t.Errorf("run 1 still there")
	}
	a, err := st.GetStage(ctx, "a")
	if err != nil || a.RunID != 0 || a.Attrs[tracker.StageAttrDeletedRun] != "1" {
		t.Errorf("shared stage a: %+v, %v", a, err)
	}
	if _, err := st.GetStage(ctx, "b"); err == nil {
		t.Errorf("stage b survived")
	}

	// A dry run changes nothing.
	rep, err = st.GC(ctx, tracker.GCOptions{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	var ids []tracker.ID
	for _, m := range rep.Artifacts {
		ids = append(ids, m.ID)
	}
	want := []tracker.ID{f.bOut, f.result}
	slices.SortFunc(want, func(x, y tracker.ID) int { return strings.Compare(x.String(), y.String()) })
	if !slices.Equal(ids, want) {
		t.Fatalf("dry run would remove %v, want stage b's output and the trial result %v", ids, want)
	}
	if _, _, err := st.GetArtifact(ctx, f.bOut); err != nil {
		t.Fatalf("dry run removed: %v", err)
	}

	rep, err = st.GC(ctx, tracker.GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Artifacts) != 2 || rep.Kept != 4 || rep.Bytes != int64(len("stage b output")+len("trial result")+len("orphan")) {
		t.Errorf("gc: %+v", rep)
	}
	for _, id := range []tracker.ID{f.manifest, f.listed, f.cOut, f.unowned} {
		if _, _, err := st.GetArtifact(ctx, id); err != nil {
			t.Errorf("referenced artifact %s gone: %v", id, err)
		}
	}
	for _, id := range []tracker.ID{f.bOut, f.result} {
		if _, _, err := st.GetArtifact(ctx, id); err == nil {
			t.Errorf("unreferenced artifact %s kept", id)
		}
	}
	if _, err := os.Stat(f.orphan); err == nil {
		t.Errorf("orphan object kept")
	}
	chk, err := st.Check(ctx)
	if err != nil || !chk.OK() || len(chk.Notes) != 0 {
		t.Errorf("check after rm and gc: %v, problems %v, notes %v", err, chk.Problems, chk.Notes)
	}

	// --unowned also takes what no run made, once nothing references it.
	rep, err = st.GC(ctx, tracker.GCOptions{Unowned: true})
	if err != nil || len(rep.Artifacts) != 1 || rep.Artifacts[0].ID != f.unowned {
		t.Errorf("gc --unowned: %+v, %v", rep, err)
	}
}

func TestRunTagsAndNote(t *testing.T) {
	ctx := context.Background()
	f := newGCFixture(t)
	tags, err := f.st.SetRunTags(ctx, 2, []string{"baseline", "paper"}, nil)
	if err != nil || !slices.Equal(tags, []string{"baseline", "paper"}) {
		t.Fatalf("tags: %v, %v", tags, err)
	}
	if tags, err = f.st.SetRunTags(ctx, 2, []string{"v2"}, []string{"paper"}); err != nil || !slices.Equal(tags, []string{"baseline", "v2"}) {
		t.Fatalf("tags: %v, %v", tags, err)
	}
	if err := f.st.SetRunNote(ctx, 2, "blur sweep, σ fixed"); err != nil {
		t.Fatal(err)
	}
	r, err := f.st.GetRun(ctx, 2)
	if err != nil || !slices.Equal(r.Tags(), []string{"baseline", "v2"}) || r.Note() != "blur sweep, σ fixed" {
		t.Errorf("run 2: tags %v note %q, %v", r.Tags(), r.Note(), err)
	}
	for _, bad := range []string{"", "two words", "a,b", strings.Repeat("x", 65), "tab\t"} {
		if _, err := f.st.SetRunTags(ctx, 2, []string{bad}, nil); err == nil {
			t.Errorf("tag %q accepted", bad)
		}
	}
	if _, err := f.st.SetRunTags(ctx, 99, []string{"x"}, nil); err == nil {
		t.Errorf("tagging a missing run succeeded")
	}
}
