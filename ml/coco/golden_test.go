package coco

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGoldenStats evaluates every testdata/golden/caseNN pair and compares
// the twelve figures bit for bit with the ones pycocotools' algorithm gave
// (caseNN.stats.json; see testdata/golden/README.md).
func TestGoldenStats(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "golden", "case*.gt.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden cases found: %v", err)
	}
	for _, gtPath := range paths {
		name := strings.TrimSuffix(filepath.Base(gtPath), ".gt.json")
		t.Run(name, func(t *testing.T) {
			gt, err := LoadDataset(gtPath)
			if err != nil {
				t.Fatal(err)
			}
			dt, err := LoadResults(strings.Replace(gtPath, ".gt.json", ".dt.json", 1))
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(strings.Replace(gtPath, ".gt.json", ".stats.json", 1))
			if err != nil {
				t.Fatal(err)
			}
			var want Stats
			if err := json.Unmarshal(b, &want); err != nil {
				t.Fatal(err)
			}
			ev, err := Evaluate(gt, dt)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if math.Float64bits(ev.Stats[i]) != math.Float64bits(want[i]) {
					t.Errorf("%s = %v (%#x), pycocotools %v (%#x)", StatNames[i], ev.Stats[i], math.Float64bits(ev.Stats[i]), want[i], math.Float64bits(want[i]))
				}
			}
		})
	}
}

// TestGoldenPolygons rasterises every polygon list of
// testdata/golden/polygons.json and compares the merged mask's compressed
// counts with pycocotools' frPyObjects + merge.
func TestGoldenPolygons(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "golden", "polygons.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []polygonCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no polygon cases")
	}
	for i, c := range cases {
		r, err := FromPolygons(c.Polygons, c.H, c.W)
		if err != nil {
			t.Errorf("case %d: %v", i, err)
			continue
		}
		if got := r.CountsString(); got != c.Counts {
			t.Errorf("case %d (%dx%d, %v): counts %q, pycocotools %q", i, c.H, c.W, c.Polygons, got, c.Counts)
		}
		if err := r.Validate(); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
}
