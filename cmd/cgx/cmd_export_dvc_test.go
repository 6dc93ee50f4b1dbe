package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// dvcFixture stores one run of the built-in style/blur spec with the smoke
// profile and seed 7, and three metrics (one NaN).
func dvcFixture(t *testing.T) string {
	t.Helper()
	text, err := experiments.BuiltinText("style/blur")
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(t.TempDir(), "cgx.db")
	st, err := bolt.Open(db, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	_, err = st.CreateRun(context.Background(), tracker.Run{Name: "blur", Spec: string(text), Profile: "smoke", Seed: 7,
		Status: tracker.RunSucceeded, Metrics: map[string]float64{"fit/blur/cg-to-real/success_rate": 0.75, "disc/accuracy": 1e-5, "gap": math.NaN()}})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestExportDVC(t *testing.T) {
	db := dvcFixture(t)
	out := filepath.Join(t.TempDir(), "run1")
	code, _, errs := cgxCLI(t, db, "export", "1", "--format", "dvc", "-o", out)
	if code != 0 || !strings.Contains(errs, "params.yaml, metrics.json") {
		t.Fatalf("exit %d: %s", code, errs)
	}
	params, err := os.ReadFile(filepath.Join(out, "params.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"profile: \"smoke\"\n", "seed: 7\n", "kind: \"style\"\n", "style:\n", "datasets:\n  cg:\n"} {
		if !strings.Contains(string(params), want) {
			t.Errorf("params.yaml lacks %q:\n%s", want, params)
		}
	}
	for _, absent := range []string{"content:", "segmentation:", "profiles", "  eval:"} {
		if strings.Contains(string(params), absent) {
			t.Errorf("params.yaml has %q, which a style run does not use", absent)
		}
	}
	var metrics map[string]any
	raw, _ := os.ReadFile(filepath.Join(out, "metrics.json"))
	if err := json.Unmarshal(raw, &metrics); err != nil {
		t.Fatalf("metrics.json: %v\n%s", err, raw)
	}
	if metrics["fit/blur/cg-to-real/success_rate"] != 0.75 || metrics["gap"] != nil || len(metrics) != 3 {
		t.Errorf("metrics.json: %v", metrics)
	}
	// The smoke profile's dataset size, not the base spec's, is what the run used.
	f, _ := experiments.Parse("blur", mustBuiltin(t, "style/blur"))
	spec, _ := f.Resolve("smoke")
	if want := "count: " + itoaTest(spec.Datasets.CG.Count) + "\n"; !strings.Contains(string(params), want) {
		t.Errorf("params.yaml lacks the smoke profile's %q", want)
	}
	// YAML parsers read the file back with the same types (PyYAML when present).
	if err := exec.Command("/usr/bin/python3", "-c", "import yaml").Run(); err == nil {
		cmd := exec.Command("/usr/bin/python3", "-c", `import sys, yaml; d = yaml.safe_load(open(sys.argv[1])); assert d["seed"] == 7 and d["profile"] == "smoke" and isinstance(d["style"], dict), d; print("ok")`, filepath.Join(out, "params.yaml"))
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("PyYAML: %v\n%s", err, b)
		}
	}
	for _, args := range [][]string{{"export", "1", "--format", "dvc"}, {"export", "x", "--format", "dvc", "-o", out}} {
		if code, _, _ := cgxCLI(t, db, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
	if code, _, errs := cgxCLI(t, db, "export", "9", "--format", "dvc", "-o", out); code != 1 || !strings.Contains(errs, "cgx runs") {
		t.Errorf("missing run: exit %d, %q", code, errs)
	}
}

func mustBuiltin(t *testing.T, name string) []byte {
	t.Helper()
	b, err := experiments.BuiltinText(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func itoaTest(n int) string { b, _ := json.Marshal(n); return string(b) }

func TestYAMLFloat(t *testing.T) {
	for in, want := range map[float64]string{1: "1.0", 1e-5: "1.0e-05", 0.25: "0.25", 1e21: "1.0e+21", math.Inf(-1): "-.inf", -2.5e-7: "-2.5e-07"} {
		if got := yamlFloat(in); got != want {
			t.Errorf("yamlFloat(%v) = %q, want %q", in, got, want)
		}
	}
}

// TestDVCParamsMatchResolvedSettings keeps params.yaml and 'cgx diff' on one
// resolution: the same keys with the same values.
func TestDVCParamsMatchResolvedSettings(t *testing.T) {
	for _, name := range []string{"style/blur", "style/patch-brightness-contrast", "content/exp2", "segmentation/baseline-vs-proposals"} {
		t.Run(name, func(t *testing.T) {
			text, err := experiments.BuiltinText(name)
			if err != nil {
				t.Fatalf("built-in spec %s: %v", name, err)
			}
			run := tracker.Run{ID: 1, Spec: string(text), Profile: "smoke", Seed: 11}
			want, err := experiments.ResolvedSettings(run)
			if err != nil {
				t.Fatal(err)
			}
			yamlText, err := dvcParams(1, run.Spec, run.Profile, run.Seed)
			if err != nil {
				t.Fatal(err)
			}
			// Re-read the typed values dvcParams wrote through the same path.
			m, err := dvcSettingsMap(run.Spec, run.Profile, run.Seed)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			flattenForTest(m, "", got)
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("params.yaml settings differ from experiments.ResolvedSettings (-diff +dvc):\n%s\n%s", d, yamlText)
			}
		})
	}
}

func flattenForTest(v any, prefix string, out map[string]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			flattenForTest(e, key, out)
		}
	case float64:
		out[prefix] = strconv.FormatFloat(x, 'g', -1, 64)
	case []any, []map[string]any:
		b, _ := json.Marshal(x)
		out[prefix] = string(b)
	default:
		out[prefix] = fmt.Sprint(x)
	}
}
