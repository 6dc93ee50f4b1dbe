package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRunOverrideErrors: --set keys and values are checked like the spec
// file, before any run is recorded.
func TestRunOverrideErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"bad key", []string{"--set", "style.stepz=3"}, `builtin:style/blur: --set style.stepz=3: unknown key "stepz" in [style]`},
		{"bad type", []string{"--set", "style.steps=many"}, "builtin:style/blur (--set style.steps=many): key style.steps: wrong type"},
		{"out of range", []string{"--set", "datasets.cg.count=1"}, "builtin:style/blur (--set datasets.cg.count=1): datasets.cg.count"},
		{"bad sweep value", []string{"--sweep", "style.steps=5,-1"}, "(--set style.steps=-1): style.steps"},
		{"no value", []string{"--set", "style.steps"}, "want KEY=VALUE"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := cgxCLI(t, db, append([]string{"run", "style/blur", "--profile", "smoke"}, c.args...)...)
			if code == 0 || !strings.Contains(errs, c.want) {
				t.Errorf("exit %d, stderr lacks %q:\n%s%s", code, c.want, out, errs)
			}
		})
	}
	if code, _, errs := cgxCLI(t, db, "runs"); code != 0 || strings.Contains(errs, "run 1") {
		t.Errorf("a refused override recorded a run: %s", errs)
	}
	if code, _, errs := cgxCLI(t, db, "run", "--resume", "1", "--set", "style.steps=3"); code == 0 || !strings.Contains(errs, "--resume continues") {
		t.Errorf("--resume with --set: exit %d %s", code, errs)
	}
}

// TestRunHelpListsFlags: the usage line names every flag a user reaches for.
func TestRunHelpListsFlags(t *testing.T) {
	_, out, errs := cgxCLI(t, filepath.Join(t.TempDir(), "cgx.db"), "run", "--help")
	head, _, _ := strings.Cut(out+errs, "\n\n")
	for _, f := range []string{"--profile", "--seed", "--set KEY=VALUE", "--sweep", "--workers", "--force", "--report DIR", "--json", "--resume RUN"} {
		if !strings.Contains(head, f) {
			t.Errorf("usage lines lack %s:\n%s", f, head)
		}
	}
}

// TestRunSweepEndToEnd: a sweep of two smoke runs records each run's
// overrides, diff shows the swept key, and verify of an overridden run
// reproduces it.
func TestRunSweepEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three smoke experiments")
	}
	db := filepath.Join(t.TempDir(), "cgx.db")
	code, out, errs := cgxCLI(t, db, "run", "style/blur", "--profile", "smoke", "--workers", "2",
		"--set", "style.images=4", "--sweep", "style.steps=5,12")
	if code != 0 {
		t.Fatalf("sweep: exit %d\n%s%s", code, out, errs)
	}
	for _, w := range []string{"sweep 1/2: --set style.steps=5", "sweep 2/2: --set style.steps=12", "Sweep: 2 runs",
		"run 1  style.steps=5", "run 2  style.steps=12", "cgx diff 1 2", "/compare?run=1&run=2"} {
		if !strings.Contains(out, w) {
			t.Errorf("sweep output lacks %q:\n%s", w, out)
		}
	}
	code, out, errs = cgxCLI(t, db, "diff", "1", "2")
	if code != 0 || !strings.Contains(out, "style.steps") || strings.Contains(out, "style.images") {
		t.Errorf("diff 1 2: exit %d; want style.steps (swept) and not style.images (set in both):\n%s%s", code, out, errs)
	}
	code, out, _ = cgxCLI(t, db, "show", "2")
	if code != 0 || !strings.Contains(out, "set      style.images=4 style.steps=12") {
		t.Errorf("show 2 does not list the overrides:\n%s", out)
	}
	code, out, _ = cgxCLI(t, db, "show", "2", "--spec")
	if code != 0 || !strings.Contains(out, "steps = 12") || !strings.Contains(out, "# effective spec: builtin:style/blur with --set") {
		t.Errorf("recorded spec is not the effective one:\n%.600s", out)
	}
	// One report compares the sweep: the swept key is what varied.
	dir := filepath.Join(t.TempDir(), "sweep")
	code, out, errs = cgxCLI(t, db, "report", "compare", "1", "2", "-o", dir, "--json")
	var cmp reportCompareJSON
	if code != 0 || json.Unmarshal([]byte(out), &cmp) != nil {
		t.Fatalf("report compare 1 2: exit %d\n%s%s", code, out, errs)
	}
	if !slices.Equal(cmp.Varied, []string{"style.steps"}) || !slices.Equal(cmp.Runs, []int{1, 2}) {
		t.Errorf("report compare: varied %q runs %v, want [style.steps] [1 2]", cmp.Varied, cmp.Runs)
	}
	page, err := os.ReadFile(cmp.Index)
	if err != nil || !bytes.Contains(page, []byte("<code>style.steps</code>")) || !bytes.Contains(page, []byte(`id="metrics"`)) {
		t.Errorf("comparison page lacks the varied key or the metrics (err %v)", err)
	}
	if code, _, errs = cgxCLI(t, db, "report", "compare", "1", "-o", dir); code != 2 || !strings.Contains(errs, "2 to") {
		t.Errorf("report compare with one run: exit %d, want 2 and a usage line:\n%s", code, errs)
	}
	code, out, errs = cgxCLI(t, db, "verify", "2", "--workers", "2")
	if code != 0 || !strings.HasSuffix(out, "identical\n") {
		t.Errorf("verify 2: exit %d\n%s%s", code, out, errs)
	}
}
