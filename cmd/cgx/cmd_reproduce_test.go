package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/reports/paper"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

type reproduceJSON struct {
	Report   string          `json:"report"`
	Profile  string          `json:"profile"`
	Complete bool            `json:"complete"`
	Specs    []paper.SpecRun `json:"specs"`
	Rows     []paper.Row     `json:"findings"`
}

func reproduceCLI(t *testing.T, db string, args ...string) reproduceJSON {
	t.Helper()
	code, out, errs := cgxCLI(t, db, append([]string{"reproduce", "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	var got reproduceJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	for i, s := range got.Specs {
		if want := fmt.Sprintf("reproduce %d/%d: %s", i+1, len(got.Specs), s.Spec); !strings.Contains(errs, want) {
			t.Errorf("stderr lacks progress line %q:\n%s", want, errs)
		}
	}
	return got
}

// TestReproduceSmokeSubset runs a subset of the built-ins at the smoke
// profile (the whole smoke set takes minutes, segmentation above all):
// style/all, style/blur (which must reuse style/all's datasets,
// discriminator and blur fit) and content/exp1. It checks the findings
// rows, the reports written, and that a second invocation computes nothing.
func TestReproduceSmokeSubset(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three smoke experiments")
	}
	db := filepath.Join(t.TempDir(), "cgx.db")
	out := filepath.Join(t.TempDir(), "repro")
	got := reproduceCLI(t, db, "--profile", "smoke", "--only", "style/blur,content/exp1,style/all", "-o", out)

	if got.Profile != "smoke" || got.Complete {
		t.Errorf("profile %q complete %v", got.Profile, got.Complete)
	}
	var order []string
	for _, s := range got.Specs {
		order = append(order, s.Spec)
		if s.Status != string(tracker.RunSucceeded) || s.Run == 0 || s.Report == "" {
			t.Errorf("%s: %+v", s.Spec, s)
		}
		if _, err := os.Stat(filepath.Join(out, s.Report)); err != nil {
			t.Errorf("%s: its report: %v", s.Spec, err)
		}
		if len(s.Computed) > 0 && s.PeakRSS <= 0 {
			t.Errorf("%s computed %d stages but records no peak RSS", s.Spec, len(s.Computed))
		}
	}
	if !slices.Equal(order, []string{"style/all", "style/blur", "content/exp1"}) {
		t.Fatalf("specs ran in order %v; want style/all first (its fits serve style/blur)", order)
	}
	blur := got.Specs[1]
	if len(blur.Computed) != 0 || !slices.Contains(blur.Reused, "fit/blur/cg-to-real (run 1)") ||
		!slices.Contains(blur.Reused, "discriminator/main (run 1)") {
		t.Errorf("style/blur should reuse style/all's stages: computed %v reused %v", blur.Computed, blur.Reused)
	}

	if len(got.Rows) != len(paper.Findings()) {
		t.Fatalf("%d rows for %d findings", len(got.Rows), len(paper.Findings()))
	}
	rows := map[string]paper.Row{}
	for _, r := range got.Rows {
		rows[r.Finding] = r
		if r.Verdict != paper.NotComparable {
			t.Errorf("%s at the smoke profile: %s (%s)", r.Finding, r.Verdict, r.Reason)
		}
	}
	for id, want := range map[string]string{
		"discriminator":  "smoke profile: 51 held-out images (under 200)",
		"outcome/blur":   "smoke profile: 8 images (under 50)",
		"green-negative": "smoke profile: 8 images",
		"exp1-early":     "smoke profile: 8 trials per seed",
		"segmentation":   "no run of segmentation/baseline-vs-proposals",
		"exp2-levels":    "no run of content/exp2 or content/exp2.1",
	} {
		if r := rows[id]; !strings.Contains(r.Reason, want) {
			t.Errorf("%s: reason %q lacks %q", id, r.Reason, want)
		}
	}
	if r := rows["discriminator"]; r.Run != 1 || r.Value == nil || r.Rerun == "" {
		t.Errorf("discriminator row %+v", r)
	}

	page, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"paper-findings", "99.7% held-out accuracy", `href="run-1/index.html"`, "not comparable", "style/blur", "fit/blur/cg-to-real (run 1)"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("index.html lacks %q", want)
		}
	}
	for _, f := range []string{"tables/paper-findings.md", "tables/paper-findings.json", "tables/paper-findings.csv", "reproduce.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}

	// Rerunning computes nothing: every stage comes from the cache.
	again := reproduceCLI(t, db, "--profile", "smoke", "--only", "style/all,style/blur,content/exp1", "-o", out)
	for _, s := range again.Specs {
		if len(s.Computed) != 0 || s.Run <= 3 {
			t.Errorf("rerun of %s: run %d computed %v", s.Spec, s.Run, s.Computed)
		}
	}
}

// TestReproduceResumesInterrupted: a run of the same spec, profile and
// text left interrupted is resumed, not started afresh.
func TestReproduceResumesInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a smoke experiment")
	}
	db := filepath.Join(t.TempDir(), "cgx.db")
	f, err := experiments.Open("style/blur")
	if err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(db, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	id, err := s.CreateRun(context.Background(), tracker.Run{Name: "style/blur", Spec: f.Text, Seed: f.Base.Seed, Profile: "smoke",
		Status: tracker.RunInterrupted, Started: time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got := reproduceCLI(t, db, "--profile", "smoke", "--only", "style/blur", "-o", filepath.Join(t.TempDir(), "r"))
	if len(got.Specs) != 1 || got.Specs[0].Run != id || !got.Specs[0].Resumed || got.Specs[0].Status != string(tracker.RunSucceeded) {
		t.Errorf("want run %d resumed and succeeded: %+v", id, got.Specs)
	}
}

// TestReproduceFlags: bad profiles, unknown specs and arguments are usage
// errors that record nothing.
func TestReproduceFlags(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--profile", "huge"}, "use smoke, default or paper"},
		{[]string{"--only", "style/nope"}, "no built-in spec of that name"},
		{[]string{"style/all"}, "takes no arguments"},
		{[]string{"--workers", "-1"}, "out of range"},
	} {
		code, out, errs := cgxCLI(t, db, append([]string{"reproduce", "-o", t.TempDir()}, c.args...)...)
		if code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("%v: exit %d, stderr lacks %q:\n%s%s", c.args, code, c.want, out, errs)
		}
	}
	_, out, errs := cgxCLI(t, db, "reproduce", "--help")
	for _, want := range []string{"--profile smoke|default|paper", "--only", "stage cache", "Ctrl-C", "again to continue"} {
		if !strings.Contains(out+errs, want) {
			t.Errorf("help lacks %q", want)
		}
	}
}

// cancelAfter is a stderr that cancels once it has seen marker and then
// one more write: the spec after the marker has recorded its run and
// starts its stages with the context cancelled, as after a Ctrl-C.
type cancelAfter struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	marker string
	seen   bool
	cancel context.CancelFunc
}

func (w *cancelAfter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen {
		w.cancel()
	}
	w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.marker) {
		w.seen = true
	}
	return len(p), nil
}

// TestReproduceStopsAndContinues: a reproduction cancelled during its
// second spec stops with a message saying how to continue; the same
// command then resumes that spec's run and takes the first from the cache.
func TestReproduceStopsAndContinues(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two smoke experiments")
	}
	db := filepath.Join(t.TempDir(), "cgx.db")
	out := t.TempDir()
	args := []string{"--db", db, "reproduce", "--json", "--profile", "smoke", "--only", "style/blur,content/exp1", "-o", out}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errw := &cancelAfter{marker: "reproduce 2/2: content/exp1", cancel: cancel}
	var stdout bytes.Buffer
	if code := run(ctx, args, &stdout, errw); code == 0 || !strings.Contains(errw.buf.String(), "run the same command again to continue") {
		t.Fatalf("cancelled reproduction: exit %d\n%s", code, errw.buf.String())
	}
	got := reproduceCLI(t, db, args[3:]...)
	if len(got.Specs) != 2 {
		t.Fatalf("specs %+v", got.Specs)
	}
	if s := got.Specs[0]; len(s.Computed) != 0 || s.Run != 3 {
		t.Errorf("style/blur after the stop: run %d computed %v; want a new run 3 computing nothing", s.Run, s.Computed)
	}
	if s := got.Specs[1]; !s.Resumed || s.Run != 2 || s.Status != string(tracker.RunSucceeded) {
		t.Errorf("content/exp1 after the stop: %+v; want run 2 resumed", s)
	}
}

// TestReproduceDefaultFolderFreshDatabase: in a folder where cgx has never
// run (no .cgx yet), reproduce without -o makes its default report folder
// next to the new database instead of refusing for want of a parent.
func TestReproduceDefaultFolderFreshDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a smoke experiment")
	}
	db := filepath.Join(t.TempDir(), ".cgx", "cgx.db")
	got := reproduceCLI(t, db, "--profile", "smoke", "--only", "style/blur")
	if len(got.Specs) != 1 || got.Specs[0].Status != string(tracker.RunSucceeded) {
		t.Fatalf("specs %+v", got.Specs)
	}
	dir := filepath.Join(filepath.Dir(db), "reports", "reproduce-smoke")
	if got.Report != filepath.Join(dir, "index.html") {
		t.Errorf("report %q, want it in %s", got.Report, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, got.Specs[0].Report)); err != nil {
		t.Errorf("the spec's report: %v", err)
	}
}
