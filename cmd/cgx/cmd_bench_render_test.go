package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestBenchRenderVerb(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	code, out, errs := sceneCLI(t, db, "bench", "render", "--no-blender", "--json", "--rounds", "1", "--scenes", "8", "--size", "32")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if v, _ := rep["embedded_img_per_s"].(float64); v <= 0 || rep["subject"] != "render" || rep["objects_per_scene"] != 6.0 {
		t.Errorf("report %v", rep)
	}
	if _, ok := rep["blender_img_per_s"]; ok {
		t.Errorf("--no-blender still reports a Blender figure")
	}
	code, out, _ = sceneCLI(t, db, "bench", "render", "--no-blender", "--rounds", "1", "--scenes", "4", "--size", "32")
	if code != 0 || !strings.Contains(out, "embedded_img_per_s") || !strings.Contains(out, "blender_img_per_s            -  (not measured)") {
		t.Errorf("human output:\n%s", out)
	}
	if code, _, errs := sceneCLI(t, db, "bench", "render", "--size", "8"); code != 2 || !strings.Contains(errs, "--size must be 32..512") {
		t.Errorf("bad size: exit %d %q", code, errs)
	}
	if code, _, errs := sceneCLI(t, db, "bench", "--help"); code != 0 || !strings.Contains(errs, "render") {
		t.Errorf("bench --help lacks render: %q", errs)
	}
}
