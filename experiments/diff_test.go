package experiments

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

type runMap map[int]tracker.Run

func (m runMap) GetRun(_ context.Context, id int) (tracker.Run, error) {
	r, ok := m[id]
	if !ok {
		return tracker.Run{}, tracker.ErrNotFound
	}
	return r, nil
}

func findRow(rows []DiffRow, section, key string) (DiffRow, bool) {
	for _, r := range rows {
		if r.Section == section && r.Key == key {
			return r, true
		}
	}
	return DiffRow{}, false
}

// A default and a smoke run of the same spec text differ in the settings the
// smoke profile overrides, although their spec texts are identical.
func TestDiffComparesResolvedSettings(t *testing.T) {
	text, err := BuiltinText("style/blur")
	if err != nil {
		t.Fatal(err)
	}
	runs := runMap{
		1: {ID: 1, Name: "style/blur", Spec: string(text), Profile: "default", Seed: 7, Status: tracker.RunSucceeded,
			Metrics: map[string]float64{"fit/blur/cg-to-real/success_rate": 0.5, "loss": 1.806e-4, "only_a": 1},
			Attrs:   map[string]string{"code_version": "v1", "blas": "go"}},
		2: {ID: 2, Name: "style/blur", Spec: string(text), Profile: "smoke", Seed: 7, Status: tracker.RunSucceeded,
			Metrics: map[string]float64{"fit/blur/cg-to-real/success_rate": 0.75, "loss": 9.03e-05},
			Attrs:   map[string]string{"code_version": "v2", "blas": "go"}},
	}
	res, err := Diff(context.Background(), runs, 1, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 0 {
		t.Errorf("notes %q, want none", res.Notes)
	}
	tests := []struct {
		section, key, a, b, change string
	}{
		{DiffRun, "profile", "default", "smoke", "changed"},
		{DiffEnvironment, "code_version", "v1", "v2", "changed"},
		{DiffSettings, "datasets.cg.count", "600", "128", "-472 (-78.7%)"},
		{DiffMetrics, "loss", "0.0001806", "9.03e-05", "-9.03e-05 (-50%)"},
		{DiffMetrics, "fit/blur/cg-to-real/success_rate", "0.5", "0.75", "+0.25 (+50%)"},
		{DiffMetrics, "only_a", "1", "-", "removed"},
	}
	for _, tc := range tests {
		r, ok := findRow(res.Rows, tc.section, tc.key)
		if !ok {
			t.Errorf("no row %s %s", tc.section, tc.key)
			continue
		}
		if r.A != tc.a || r.B != tc.b || r.Change != tc.change || r.Same {
			t.Errorf("%s %s = %q | %q | %q (same %v), want %q | %q | %q", tc.section, tc.key, r.A, r.B, r.Change, r.Same, tc.a, tc.b, tc.change)
		}
	}
	for _, r := range res.Rows {
		if r.Same {
			t.Errorf("row %s %s is equal but listed without all", r.Section, r.Key)
		}
		if r.Section == DiffSettings && (r.Key == "profile" || r.Key == "seed") {
			t.Errorf("settings row %s repeats the run section", r.Key)
		}
	}
	if _, ok := findRow(res.Rows, DiffRun, "spec_sha256"); ok {
		t.Error("identical spec texts listed as different")
	}
	all, err := Diff(context.Background(), runs, 1, 2, true)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := findRow(all.Rows, DiffSettings, "datasets.real.count")
	if !ok || r.Change != "-472 (-78.7%)" {
		t.Errorf("--all datasets.real.count = %+v, %v", r, ok)
	}
	r, ok = findRow(all.Rows, DiffEnvironment, "blas")
	if !ok || !r.Same || r.Change != "" {
		t.Errorf("--all blas = %+v, %v; want an equal row", r, ok)
	}
}

// A run without a resolvable spec (an imported one) is compared as written,
// and the result says so.
func TestDiffUnresolvableSpec(t *testing.T) {
	runs := runMap{
		1: {ID: 1, Spec: "[a]\nx = 1 # c\n"},
		2: {ID: 2, Spec: "[a]\nx = 2\n"},
	}
	res, err := Diff(context.Background(), runs, 1, 2, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Notes) != 2 || !strings.Contains(res.Notes[0], "run 1") {
		t.Errorf("notes %q, want one per run", res.Notes)
	}
	r, ok := findRow(res.Rows, DiffSettings, "a.x")
	if !ok || r.A != "1" || r.B != "2" || r.Change != "+1 (+100%)" {
		t.Errorf("a.x = %+v, %v", r, ok)
	}
	if _, err := Diff(context.Background(), runs, 1, 3, false); !errors.Is(err, ErrUnknownRun) || !strings.Contains(err.Error(), "cgx runs") {
		t.Errorf("unknown run: %v", err)
	}
}

func TestNumberChange(t *testing.T) {
	for _, tc := range []struct {
		x, y float64
		want string
	}{
		{600, 128, "-472 (-78.7%)"},
		{0, 3, "+3"},
		{1, 30, "+29 (+2900%)"},
		{-2, -1, "+1 (+50%)"},
		{0.1, 0.3, "+0.2 (+200%)"},
	} {
		if got := NumberChange(tc.x, tc.y); got != tc.want {
			t.Errorf("NumberChange(%v, %v) = %q, want %q", tc.x, tc.y, got, tc.want)
		}
	}
}
