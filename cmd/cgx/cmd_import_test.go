package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// optunaScript is the python3-optuna helper shared with internal/optunafile.
var optunaScript = filepath.Join("..", "..", "internal", "optunafile", "testdata", "optuna_roundtrip.py")

func pythonOptuna(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import optuna").Run(); err != nil {
		t.Skipf("skipped: %s cannot import optuna (%v); install python3-optuna to run the Optuna round trip", py, err)
	}
	return py
}

func runPython(t *testing.T, py string, args ...string) string {
	t.Helper()
	cmd := exec.Command(py, append([]string{optunaScript}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python %v: %v\n%s", args, err, stderr.Bytes())
	}
	return string(out)
}

func studyTrials(t *testing.T, db, name string) (tracker.StudyInfo, []goptuna.FrozenTrial) {
	t.Helper()
	st, err := bolt.Open(db, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	info, trials, err := loadStudyTrials(st, name)
	if err != nil {
		t.Fatal(err)
	}
	return info, trials
}

// TestOptunaRoundTripThroughPython: a cgx study exported as a journal or an
// SQLite database is loaded by the real Optuna, copied by Optuna into a file
// of its own, and imported back by cgx: every trial comes back equal.
func TestOptunaRoundTripThroughPython(t *testing.T) {
	py := pythonOptuna(t)
	for _, kind := range []string{"journal", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			db, _ := makeFixtureDB(t)
			dir := t.TempDir()
			exported := filepath.Join(dir, "cgx."+kind)
			code, _, errs := cgxCLI(t, db, "export", "1", "--format", "optuna-"+kind, "-o", exported)
			if code != 0 || !strings.Contains(errs, "optuna.load_study") {
				t.Fatalf("export: exit %d: %s", code, errs)
			}
			byOptuna := filepath.Join(dir, "optuna."+kind)
			runPython(t, py, "copy", kind, exported, "run-1/search/exp1/round-1", byOptuna)

			db2 := filepath.Join(dir, "second", "cgx.db")
			code, out, errs := cgxCLI(t, db2, "import", byOptuna, "--format", "optuna-"+kind)
			if code != 0 || !strings.Contains(out, "imported 5 trials") {
				t.Fatalf("import: exit %d, stdout %q, stderr %q", code, out, errs)
			}
			wantInfo, want := studyTrials(t, db, "1")
			gotInfo, got := studyTrials(t, db2, "run-1/import/run-1/search/exp1/round-1")
			if gotInfo.Direction != wantInfo.Direction || !cmp.Equal(gotInfo.UserAttrs, wantInfo.UserAttrs) {
				t.Errorf("study: direction %s, attrs %v; want %s, %v", gotInfo.Direction, gotInfo.UserAttrs, wantInfo.Direction, wantInfo.UserAttrs)
			}
			// A failed trial's value does not travel: Optuna's failed trials have none.
			for i := range want {
				if want[i].State == goptuna.TrialStateFail {
					want[i].Value = 0
				}
			}
			opts := []cmp.Option{cmpopts.EquateNaNs(), cmpopts.EquateEmpty(), cmpopts.IgnoreFields(goptuna.FrozenTrial{}, "ID", "StudyID")}
			if d := cmp.Diff(want, got, opts...); d != "" {
				t.Errorf("cgx -> Optuna -> cgx changed the trials (-before +after):\n%s", d)
			}
			// The imported run says where it came from.
			code, out, _ = cgxCLI(t, db2, "show", "1")
			if code != 0 || !strings.Contains(out, "run-1/import/") || !strings.Contains(out, "optuna."+kind) {
				t.Errorf("show of the imported run: exit %d\n%s", code, out)
			}
		})
	}
}

// TestImportOptunaStudy: a study Optuna wrote (every distribution kind,
// special values, pruned, failed and running trials, attributes that are
// not strings) imports into cgx and exports back to what Optuna wrote,
// attributes aside that goptuna keeps as text.
func TestImportOptunaStudy(t *testing.T) {
	py := pythonOptuna(t)
	for _, kind := range []string{"journal", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			dir := t.TempDir()
			src := filepath.Join(dir, "optuna."+kind)
			runPython(t, py, "make", kind, src, "made-by-optuna")
			want := runPython(t, py, "dumptext", kind, src, "made-by-optuna")

			db := filepath.Join(dir, "cgx.db")
			code, out, errs := cgxCLI(t, db, "import", src, "--format", "optuna-"+kind, "--json")
			if code != 0 || !strings.Contains(out, `"study_name": "run-1/import/made-by-optuna"`) {
				t.Fatalf("import: exit %d, stdout %q, stderr %q", code, out, errs)
			}
			if !strings.Contains(errs, `note: study user attribute "budget" is not a string`) {
				t.Errorf("no note on the non-string attribute: %q", errs)
			}
			back := filepath.Join(dir, "back."+kind)
			if code, _, errs := cgxCLI(t, db, "export", "run-1/import/made-by-optuna", "--format", "optuna-"+kind, "-o", back); code != 0 {
				t.Fatalf("export: exit %d: %s", code, errs)
			}
			// Optuna loads the study under its cgx name; compare under the same name.
			got := runPython(t, py, "dumptext", kind, back, "run-1/import/made-by-optuna")
			got = strings.Replace(got, `"name": "run-1/import/made-by-optuna"`, `"name": "made-by-optuna"`, 1)
			if got != want {
				t.Errorf("Optuna -> cgx -> Optuna changed the study:\nwant %s\ngot  %s", want, got)
			}
			_, trials := studyTrials(t, db, "run-1/import/made-by-optuna")
			if len(trials) != 7 || trials[6].State != goptuna.TrialStateRunning || trials[1].IntermediateValues[5] != math.Inf(1) {
				t.Errorf("imported trials: %d, last state %v, trial 1 step 5 %v", len(trials), trials[len(trials)-1].State, trials[1].IntermediateValues[5])
			}
		})
	}
}

func TestImportErrors(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cgx.db")
	two := filepath.Join(dir, "two.log")
	os.WriteFile(two, []byte(`{"op_code": 0, "worker_id": "w", "study_name": "a", "directions": [1]}
{"op_code": 0, "worker_id": "w", "study_name": "b", "directions": [1, 2]}
`), 0o644)
	bad := filepath.Join(dir, "bad.log")
	os.WriteFile(bad, []byte("not json\n{}\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"several studies", []string{"import", two, "--format", "optuna-journal"}, 1, `choose one with --study NAME`},
		{"unknown study", []string{"import", two, "--format", "optuna-journal", "--study", "c"}, 1, `"c"; it holds "a", "b"`},
		{"two objectives", []string{"import", two, "--format", "optuna-journal", "--study", "b"}, 1, "2 objectives"},
		{"damaged file", []string{"import", bad, "--format", "optuna-journal"}, 1, "line 1"},
		{"missing file", []string{"import", filepath.Join(dir, "nope.log"), "--format", "optuna-journal"}, 1, "nope.log"},
		{"no format", []string{"import", two}, 2, "--format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := cgxCLI(t, db, tc.args...)
			if code != tc.code || !strings.Contains(errs, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tc.code, tc.want)
			}
		})
	}
	// A good import after the failures: run ids are unaffected by refusals.
	code, out, _ := cgxCLI(t, db, "import", two, "--format", "optuna-journal", "--study", "a")
	if code != 0 || !strings.Contains(out, "as run 1,") {
		t.Errorf("import of study a: exit %d, %q", code, out)
	}
	st, err := bolt.Open(db, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := st.GetRun(context.Background(), 1)
	if err != nil || r.Status != tracker.RunSucceeded || len(r.Studies) != 1 || r.Attrs["import.study"] != "a" {
		t.Errorf("run 1: %+v, %v", r, err)
	}
}

// TestOptunaPlotsOfExport: Optuna's own plots (optuna.visualization, which
// optuna-dashboard draws too) open a study cgx exported and show its trials:
// one history point per complete trial, every parameter in the parallel
// coordinates and the slice plot, a contour over two of them.
func TestOptunaPlotsOfExport(t *testing.T) {
	py := pythonOptuna(t)
	if err := exec.Command(py, "-c", "import plotly").Run(); err != nil {
		t.Skipf("skipped: %s cannot import plotly (%v); install python3-plotly to draw Optuna's plots", py, err)
	}
	db, _ := makeFixtureDB(t)
	info, trials := studyTrials(t, db, "1")
	complete, nan := 0, 0
	params := map[string]bool{}
	for _, tr := range trials {
		if tr.State == goptuna.TrialStateComplete {
			complete++
			if math.IsNaN(tr.Value) {
				nan++
			}
		}
		for k := range tr.Distributions {
			params[k] = true
		}
	}
	if complete < 2 || len(params) < 2 {
		t.Fatalf("fixture study: %d complete trials, %d parameters; the plots need 2 of each", complete, len(params))
	}
	want := slices.Sorted(maps.Keys(params))
	for _, kind := range []string{"journal", "sqlite"} {
		t.Run(kind, func(t *testing.T) {
			exported := filepath.Join(t.TempDir(), "cgx."+kind)
			if code, _, errs := cgxCLI(t, db, "export", "1", "--format", "optuna-"+kind, "-o", exported); code != 0 {
				t.Fatalf("export: exit %d: %s", code, errs)
			}
			var got struct {
				Params []string
				Plots  map[string]struct {
					Traces     []int
					Dimensions []string
					Xaxes      []string
				}
			}
			raw := runPython(t, py, "plots", kind, exported, info.Name)
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("plots output: %v\n%s", err, raw)
			}
			if !slices.Equal(got.Params, want) {
				t.Errorf("Optuna sees parameters %v, cgx stored %v", got.Params, want)
			}
			// Optuna's SQLite schema cannot hold a NaN objective: such a
			// trial is exported as failed (internal/optunafile/doc.go).
			points := complete
			if kind == "sqlite" {
				points -= nan
			}
			if h := got.Plots["optimization_history"].Traces; len(h) == 0 || h[0] != points {
				t.Errorf("optimization history: traces %v, want %d points first (the complete trials)", h, points)
			}
			dims := got.Plots["parallel_coordinate"].Dimensions
			for _, k := range want {
				if !slices.Contains(dims, k) {
					t.Errorf("parallel coordinates lack %s: %v", k, dims)
				}
			}
			if x := got.Plots["slice"].Xaxes; !slices.Equal(x, want) {
				t.Errorf("slice plot x axes %v, want one per parameter %v", x, want)
			}
			if x := got.Plots["contour"].Xaxes; len(x) != 1 || x[0] != want[0] {
				t.Errorf("contour x axis %v, want %s", x, want[0])
			}
			if e := got.Plots["edf"].Traces; len(e) != 1 || e[0] == 0 {
				t.Errorf("EDF: traces %v, want one curve (one study)", e)
			}
			if iv := got.Plots["intermediate_values"].Traces; len(iv) != points {
				t.Errorf("intermediate values: %d curves, want one per trial with a value (%d)", len(iv), points)
			}
		})
	}
}
