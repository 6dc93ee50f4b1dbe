package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files under testdata/")

// cgxCLI runs one cgx invocation in-process against the database at db.
func cgxCLI(t testing.TB, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"--db", db}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// fixtureT0 keeps the fixture's trial times fixed, so exports are stable.
var fixtureT0 = time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC)

// makeFixtureDB writes a database with one study of five finished trials
// (float, int and categorical parameters; a NaN value; a failure; attributes
// with an artifact id) and one study with a RUNNING trial left by a "dead"
// process. It returns the path and the artifact id.
func makeFixtureDB(t testing.TB) (string, tracker.ID) {
	t.Helper()
	path := filepath.Join(t.TempDir(), ".cgx", "cgx.db")
	s, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	img, err := s.PutArtifact(context.Background(), []byte("fake png"), tracker.ArtifactMeta{Kind: "image", MediaType: "image/png", Name: "scene_0.png"})
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.CreateNewStudy("run-1/search/exp1/round-1")
	if err != nil {
		t.Fatal(err)
	}
	s.SetStudyUserAttr(sid, "cgx.sampler", "tpe")
	dists := map[string]any{
		"pos_x":   goptuna.UniformDistribution{Low: -1, High: 1},
		"product": goptuna.IntUniformDistribution{Low: 0, High: 9},
		"level":   goptuna.CategoricalDistribution{Choices: []string{"top_shelf", "bottom|50%"}},
	}
	var trials []goptuna.FrozenTrial
	for i, v := range []float64{0.75, 0.25, math.NaN(), 0.5, 2} {
		tr := goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: v,
			DatetimeStart: fixtureT0.Add(time.Duration(i) * time.Minute), DatetimeComplete: fixtureT0.Add(time.Duration(i)*time.Minute + 1500*time.Millisecond),
			InternalParams:     map[string]float64{"pos_x": float64(i)/4 - 0.5, "product": float64(i * 2), "level": float64(i % 2)},
			Distributions:      dists,
			IntermediateValues: map[int]float64{0: 1, 1: v},
			UserAttrs:          map[string]string{"result": img.String(), "success": map[bool]string{true: "true", false: "false"}[v < 0.6]},
		}
		if i == 4 {
			tr.State = goptuna.TrialStateFail
			tr.UserAttrs = map[string]string{"error": "render failed: scene_4 & more"}
		}
		trials = append(trials, tr)
	}
	if _, err := s.AddFinishedTrials(sid, trials); err != nil {
		t.Fatal(err)
	}
	other, err := s.CreateNewStudy("run-1/fit/blur/cg-to-real")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateNewTrial(other); err != nil {
		t.Fatal(err)
	}
	return path, img
}

func TestTrialsVerb(t *testing.T) {
	db, _ := makeFixtureDB(t)
	tests := []struct {
		name     string
		args     []string
		code     int
		contains []string
		excludes []string
	}{
		{name: "by id", args: []string{"trials", "1"}, contains: []string{
			`study 1 "run-1/search/exp1/round-1" (minimize): 5 trials, 4 complete, 1 failed; best 0.25 (trial #1)`,
			"#  STATE", "COMPLETE  NaN", "1.5s", "bottom|50%", "result=", "…", "FAIL", "error=render failed"}},
		{name: "by name", args: []string{"trials", "run-1/search/exp1/round-1"}, contains: []string{"study 1 "}},
		{name: "flags after the study", args: []string{"trials", "1", "--state", "fail"}, contains: []string{"FAIL"}, excludes: []string{"COMPLETE  "}},
		{name: "running trial of a dead process", args: []string{"trials", "2"}, contains: []string{"1 running", "RUNNING"}},
		{name: "unknown study", args: []string{"trials", "nope"}, code: 1, contains: []string{`study "nope" not found in `, "cgx studies"}},
		{name: "bad state", args: []string{"trials", "1", "--state", "done"}, code: 2, contains: []string{"unknown state"}},
		{name: "no study", args: []string{"trials"}, code: 2, contains: []string{"one study id or name"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := cgxCLI(t, db, tc.args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.code, out, errs)
			}
			for _, w := range tc.contains {
				if !strings.Contains(out+errs, w) {
					t.Errorf("output lacks %q:\n%s%s", w, out, errs)
				}
			}
			for _, w := range tc.excludes {
				if strings.Contains(out, w) {
					t.Errorf("output has %q:\n%s", w, out)
				}
			}
			if tc.code != 0 && strings.Count(strings.TrimSpace(errs), "\n") > 0 {
				t.Errorf("error is not one line:\n%s", errs)
			}
		})
	}
}

func TestTrialsJSON(t *testing.T) {
	db, img := makeFixtureDB(t)
	code, out, errs := cgxCLI(t, db, "trials", "1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var trials []struct {
		Number        int                        `json:"number"`
		State         string                     `json:"state"`
		Value         any                        `json:"value"`
		Duration      *float64                   `json:"duration_s"`
		Params        map[string]any             `json:"params"`
		Distributions map[string]json.RawMessage `json:"distributions"`
		Intermediate  map[string]any             `json:"intermediate_values"`
		UserAttrs     map[string]string          `json:"user_attrs"`
	}
	if err := json.Unmarshal([]byte(out), &trials); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(trials) != 5 {
		t.Fatalf("%d trials, want 5", len(trials))
	}
	tr := trials[2]
	if tr.Value != "NaN" || tr.Intermediate["1"] != "NaN" || tr.State != "COMPLETE" || *tr.Duration != 1.5 {
		t.Errorf("trial 2 = %+v", tr)
	}
	if trials[1].Params["level"] != "bottom|50%" || trials[1].Params["product"] != 2.0 || trials[1].UserAttrs["result"] != img.String() {
		t.Errorf("trial 1 = %+v", trials[1])
	}
	if !strings.Contains(string(trials[0].Distributions["level"]), "CategoricalDistribution") {
		t.Errorf("distribution = %s", trials[0].Distributions["level"])
	}
	if trials[4].Value != nil || trials[4].State != "FAIL" {
		t.Errorf("failed trial = %+v", trials[4])
	}
}

func TestReadVerbsOnMissingDatabase(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "nothing", "cgx.db")
	for _, args := range [][]string{
		{"studies"}, {"trials", "1"}, {"export", "1", "--format", "csv"}, {"check"},
		{"artifact", "ls"}, {"study", "fail-stale", "--all"},
	} {
		code, out, errs := cgxCLI(t, db, args...)
		if code != 1 || out != "" || !strings.Contains(errs, db) || !strings.Contains(errs, "does not exist") ||
			strings.Count(strings.TrimSpace(errs), "\n") > 0 {
			t.Errorf("%v: exit %d\nstdout %q\nstderr %q", args, code, out, errs)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("read-only verbs created %v", entries)
	}
}

func TestReadVerbsOnForeignFile(t *testing.T) {
	db := filepath.Join(t.TempDir(), "notes.txt")
	content := bytes.Repeat([]byte("hello\n"), 2000)
	os.WriteFile(db, content, 0o644)
	for _, args := range [][]string{{"studies"}, {"check"}, {"study", "fail-stale", "1"}} {
		code, _, errs := cgxCLI(t, db, args...)
		if code != 1 || !strings.Contains(errs, "not a cgx database") || !strings.Contains(errs, db) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	if b, _ := os.ReadFile(db); !bytes.Equal(b, content) {
		t.Error("the file was changed")
	}
}

// normalizeVolatile blanks what differs between runs: creation times and
// temporary paths.
var volatile = regexp.MustCompile(`"created": ?"[^"]*"`)

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	got = volatile.ReplaceAll(got, []byte(`"created":"<time>"`))
	path := filepath.Join("testdata", name)
	if *updateGolden {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/cgx -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", path, got)
	}
}

// BenchmarkTrialsListing lists a 10,000-trial study (six parameters, five
// attributes, 20 intermediate values per trial), as a table and as JSON,
// from a closed database (the path a second process takes).
func BenchmarkTrialsListing(b *testing.B) {
	path := filepath.Join(b.TempDir(), "cgx.db")
	s, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		b.Fatal(err)
	}
	sid, _ := s.CreateNewStudy("run-2/fit/brightness-contrast/cg-to-real")
	names := []string{"brightness_r", "brightness_g", "brightness_b", "contrast_r", "contrast_g", "contrast_b"}
	trials := make([]goptuna.FrozenTrial, 10000)
	for i := range trials {
		tr := goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: float64(i%97) / 97,
			DatetimeStart: fixtureT0, DatetimeComplete: fixtureT0.Add(time.Second),
			InternalParams: map[string]float64{}, Distributions: map[string]any{}, IntermediateValues: map[int]float64{},
			UserAttrs: map[string]string{"success": "true", "confidence": "0.61", "image": strconv.Itoa(i),
				"source": strings.Repeat("ab", 32), "result": strings.Repeat("cd", 32)}}
		for j, n := range names {
			tr.InternalParams[n] = float64((i+j)%40)/100 - 0.2
			tr.Distributions[n] = goptuna.UniformDistribution{Low: -0.5, High: 0.5}
		}
		for k := 0; k < 20; k++ {
			tr.IntermediateValues[k] = float64(k)
		}
		trials[i] = tr
	}
	if _, err := s.AddFinishedTrials(sid, trials); err != nil {
		b.Fatal(err)
	}
	s.Close()
	for _, args := range [][]string{{"trials", "1"}, {"trials", "1", "--json"}, {"export", "1", "--format", "csv"}} {
		b.Run(strings.Join(args, " "), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if code := run(context.Background(), append([]string{"--db", path}, args...), io.Discard, io.Discard); code != 0 {
					b.Fatalf("exit %d", code)
				}
			}
		})
	}
}

func TestTrialsTableManyParameters(t *testing.T) {
	tr := goptuna.FrozenTrial{Number: 0, State: goptuna.TrialStateRunning, Params: map[string]any{}}
	for _, n := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		tr.Params[n] = 0.5
	}
	other := goptuna.FrozenTrial{Number: 1, State: goptuna.TrialStateComplete, Value: 2, Params: map[string]any{"z": "x"}}
	var b bytes.Buffer
	if err := printTrialsTable(&b, []goptuna.FrozenTrial{tr, other}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, w := range []string{"a  ", "f  ", "(3 more parameters not shown: g, ...", "RUNNING   -", "COMPLETE  2"} {
		if !strings.Contains(out, w) {
			t.Errorf("table lacks %q:\n%s", w, out)
		}
	}
	if strings.Contains(out, " g ") || strings.Contains(out, "  z") {
		t.Errorf("table shows more than %d parameter columns:\n%s", maxParamColumns, out)
	}
}

// The trial table orders channels r, g, b as the report and dashboard do.
func TestTrialsTableChannelOrder(t *testing.T) {
	tr := goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Params: map[string]any{
		"brightness_b": 0.1, "brightness_g": 0.2, "brightness_r": 0.3, "contrast_b": 0.4}}
	var b bytes.Buffer
	if err := printTrialsTable(&b, []goptuna.FrozenTrial{tr}); err != nil {
		t.Fatal(err)
	}
	head, _, _ := strings.Cut(b.String(), "\n")
	r, g, bl, c := strings.Index(head, "brightness_r"), strings.Index(head, "brightness_g"),
		strings.Index(head, "brightness_b"), strings.Index(head, "contrast_b")
	if r < 0 || !(r < g && g < bl && bl < c) {
		t.Errorf("header %q: want brightness_r, _g, _b, then contrast_b", head)
	}
}

// Short trials show their duration at µs/ms precision, not "0s".
func TestTrialDuration(t *testing.T) {
	for _, c := range []struct {
		name string
		d    time.Duration
		want string
	}{
		{"microseconds", 1234567 * time.Nanosecond, "1.2ms"},
		{"sub-millisecond", 345678 * time.Nanosecond, "346µs"},
		{"seconds", 2345 * time.Millisecond, "2.35s"},
		{"zero", 0, "0s"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tr := goptuna.FrozenTrial{DatetimeStart: fixtureT0, DatetimeComplete: fixtureT0.Add(c.d)}
			if got := trialDuration(&tr); got != c.want {
				t.Errorf("trialDuration(%v) = %q, want %q", c.d, got, c.want)
			}
		})
	}
	if got := trialDuration(&goptuna.FrozenTrial{DatetimeStart: fixtureT0}); got != "-" {
		t.Errorf("running trial duration = %q, want -", got)
	}
}
