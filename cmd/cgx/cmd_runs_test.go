package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// runsFixture: run 1 computed stage "s1" (artifact own1) and "s2" (own2);
// run 2 reuses "s1" and computed "s3" (own3).
func runsFixture(t *testing.T) (db string, own1, own2, own3 tracker.ID) {
	t.Helper()
	ctx := context.Background()
	db = filepath.Join(t.TempDir(), "cgx.db")
	st, err := bolt.Open(db, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	put := func(s string, run int) tracker.ID {
		id, err := st.PutArtifact(ctx, []byte(s), tracker.ArtifactMeta{Kind: "image", MediaType: "image/png", RunID: run})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	r1, _ := st.CreateRun(ctx, tracker.Run{Name: "style/blur", Status: tracker.RunSucceeded})
	r2, _ := st.CreateRun(ctx, tracker.Run{Name: "style/noise", Status: tracker.RunSucceeded})
	own1, own2, own3 = put("one", r1), put("two", r1), put("three", r2)
	for _, s := range []tracker.Stage{
		{Key: "s1", Name: "dataset/cg", RunID: r1, Outputs: map[string]tracker.ID{"manifest": own1}},
		{Key: "s2", Name: "fit/blur", RunID: r1, Outputs: map[string]tracker.ID{"x": own2}},
		{Key: "s3", Name: "fit/noise", RunID: r2, Outputs: map[string]tracker.ID{"x": own3}},
	} {
		if err := st.PutStage(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	st.UpdateRun(ctx, r1, func(r *tracker.Run) error { r.Stages = []string{"s1", "s2"}; return nil })
	st.UpdateRun(ctx, r2, func(r *tracker.Run) error { r.Stages = []string{"s1", "s3"}; return nil })
	return db, own1, own2, own3
}

func TestKeyMetrics(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   map[string]float64
		want string
	}{
		{"none", nil, "-"},
		{"search", map[string]float64{"search/exp1/round-1/success_rate": 0.875, "search/exp1/round-1/tpe/seed-1/success_rate": 0.5,
			"search/exp1/round-1/best_loss": 0.012452205, "discriminator/round-1/accuracy": 1, "discriminator/round-1/cg_accuracy": 1},
			"success_rate=0.875 best_loss=0.0125 accuracy=1"},
		{"small values keep their digits", map[string]float64{"fit/blur/cg-to-real/best_loss": 9.03e-05}, "best_loss=9.03e-05"},
		{"segmentation first", map[string]float64{"segmentation/eval/AP": 0.4321, "segmentation/eval/AP50": 0.9}, "AP=0.432"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := keyMetrics(tc.in); got != tc.want {
				t.Errorf("keyMetrics = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTagNoteAndRunsList(t *testing.T) {
	db, _, _, _ := runsFixture(t)
	steps := []struct {
		args     []string
		code     int
		contains []string
	}{
		{[]string{"tag", "1", "baseline", "paper"}, 0, []string{"run 1: tags baseline, paper"}},
		{[]string{"tag", "1", "paper", "--rm"}, 0, []string{"run 1: tags baseline"}},
		{[]string{"tag", "2", "two words"}, 2, nil},
		{[]string{"tag", "1"}, 2, nil},
		{[]string{"tag", "9", "x"}, 1, []string{"cgx runs"}},
		{[]string{"note", "1", "first", "try;", "retrained"}, 0, []string{"run 1: note set"}},
		{[]string{"note", "2"}, 2, []string{"--clear"}},
		{[]string{"runs"}, 0, []string{"KEY METRICS", "TAGS", "NOTE", "baseline", "first try; retrained"}},
		{[]string{"runs", "--tag", "baseline"}, 0, []string{"style/blur"}},
		{[]string{"runs", "--tag", "nope"}, 0, []string{`is one tagged "nope"?`}},
		{[]string{"runs", "--status", "failed"}, 0, []string{"none of the 2 runs matches"}},
		{[]string{"runs", "--status", "done"}, 2, []string{"unknown status"}},
		{[]string{"runs", "--name", "noise"}, 0, []string{"style/noise"}},
		{[]string{"runs", "--grep", "RETRAINED", "--status", "succeeded"}, 0, []string{"style/blur"}},
		{[]string{"runs", "--json"}, 0, []string{`"tags": [`, `"baseline"`, `"note": "first try; retrained"`}},
		{[]string{"show", "1"}, 0, []string{"tags     baseline", "note     first try; retrained"}},
		{[]string{"show", "1", "--json"}, 0, []string{`"tags": [`, `"note": "first try; retrained"`}},
		{[]string{"note", "1", "--clear"}, 0, []string{"note removed"}},
	}
	for _, s := range steps {
		code, out, errs := cgxCLI(t, db, s.args...)
		if code != s.code {
			t.Fatalf("%v: exit %d, want %d; stdout %q stderr %q", s.args, code, s.code, out, errs)
		}
		for _, c := range s.contains {
			if !strings.Contains(out+errs, c) {
				t.Errorf("%v: output lacks %q:\n%s%s", s.args, c, out, errs)
			}
		}
	}
	for _, args := range [][]string{{"runs", "--tag", "baseline"}, {"runs", "--grep", "retrained"}} {
		if _, out, _ := cgxCLI(t, db, args...); strings.Contains(out, "style/noise") {
			t.Errorf("%v lists run 2:\n%s", args, out)
		}
	}
	if _, out, _ := cgxCLI(t, db, "runs", "--name", "noise"); strings.Contains(out, "style/blur") {
		t.Errorf("--name noise lists run 1:\n%s", out)
	}
}

// TestRunsRmAndGC deletes a run while a reader has the database open, then
// collects what only it referenced.
func TestRunsRmAndGC(t *testing.T) {
	ctx := context.Background()
	db, own1, own2, own3 := runsFixture(t)
	reader, err := bolt.Open(db, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if runs, err := reader.ListRuns(ctx); err != nil || len(runs) != 2 {
		t.Fatalf("reader before: %d runs, %v", len(runs), err)
	}

	code, out, errs := cgxCLI(t, db, "runs", "rm", "1")
	if code != 0 || !strings.Contains(out, "deleted run 1: 1 stages, 0 studies; kept 1 stages other runs reuse") {
		t.Fatalf("runs rm: exit %d, %q %q", code, out, errs)
	}
	if code, _, errs := cgxCLI(t, db, "runs", "rm", "1"); code != 1 || !strings.Contains(errs, "run 1") {
		t.Errorf("second rm: exit %d, %q", code, errs)
	}
	// The reader sees the run gone and run 2 whole, its reused stage included.
	runs, err := reader.ListRuns(ctx)
	if err != nil || len(runs) != 1 || runs[0].ID != 2 {
		t.Fatalf("reader after rm: %+v, %v", runs, err)
	}
	if _, err := reader.GetStage(ctx, "s1"); err != nil {
		t.Errorf("reused stage s1: %v", err)
	}
	if _, out, _ := cgxCLI(t, db, "show", "2"); !strings.Contains(out, "run 1, deleted (reused)") {
		t.Errorf("show 2 does not say s1 came from the deleted run:\n%s", out)
	}

	code, out, _ = cgxCLI(t, db, "gc", "--dry-run")
	if code != 0 || !strings.Contains(out, own2.String()) || strings.Contains(out, own1.String()) || !strings.Contains(out, "would remove 1 artifacts") {
		t.Fatalf("gc --dry-run: exit %d\n%s", code, out)
	}
	if _, _, err := reader.GetArtifact(ctx, own2); err != nil {
		t.Fatalf("dry run removed %s: %v", own2, err)
	}
	code, out, _ = cgxCLI(t, db, "gc")
	if code != 0 || !strings.Contains(out, "removed 1 artifacts and 0 orphan files, 3 B; 2 artifacts are referenced and kept") {
		t.Fatalf("gc: exit %d\n%s", code, out)
	}
	for _, id := range []tracker.ID{own1, own3} {
		if _, _, err := reader.GetArtifact(ctx, id); err != nil {
			t.Errorf("kept artifact %s: %v", id, err)
		}
	}
	if _, _, err := reader.GetArtifact(ctx, own2); err == nil {
		t.Errorf("collected artifact %s still readable", own2)
	}
	if code, out, errs := cgxCLI(t, db, "check"); code != 0 {
		t.Errorf("check after rm and gc: exit %d\n%s%s", code, out, errs)
	}
}

// TestGCRefusedWhileWriting: while another writer (a run in progress) holds
// the database, runs rm and gc touch nothing and say why.
func TestGCRefusedWhileWriting(t *testing.T) {
	db, own1, _, _ := runsFixture(t)
	w, err := bolt.Open(db, bolt.NoSync(), bolt.LockTimeout(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"gc"}, {"runs", "rm", "1"}, {"tag", "1", "x"}} {
		code, out, errs := cgxCLI(t, db, args...)
		if code != 1 || !strings.Contains(errs, "is open for writing by process") {
			t.Errorf("%v while another process writes: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.GetRun(context.Background(), 1); err == nil {
		t.Errorf("closed store still answers")
	}
	st, err := bolt.Open(db, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.GetRun(context.Background(), 1); err != nil {
		t.Errorf("run 1 gone after a refused rm: %v", err)
	}
	if _, _, err := st.GetArtifact(context.Background(), own1); err != nil {
		t.Errorf("artifact gone after a refused gc: %v", err)
	}
}
