package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// goldenCase is a ground truth / results pair whose COCOeval figures were
// computed with pycocotools' algorithm (see ml/coco/testdata/golden).
const goldenCase = "../../ml/coco/testdata/golden/case03"

func runCgx(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestEvalAPJSONMatchesPycocotools(t *testing.T) {
	code, out, errs := runCgx(t, "eval", "ap", "--gt", goldenCase+".gt.json", "--dt", goldenCase+".dt.json", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var rep struct {
		Stats []float64 `json:"stats"`
		AP    float64   `json:"AP"`
		AP75  float64   `json:"AP75"`
		ARl   float64   `json:"ARl"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	b, err := os.ReadFile(goldenCase + ".stats.json")
	if err != nil {
		t.Fatal(err)
	}
	var want []float64
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	if len(rep.Stats) != 12 {
		t.Fatalf("stats has %d numbers, want 12", len(rep.Stats))
	}
	for i := range want {
		if math.Float64bits(rep.Stats[i]) != math.Float64bits(want[i]) {
			t.Errorf("stats[%d] = %v, pycocotools %v", i, rep.Stats[i], want[i])
		}
	}
	if rep.AP != want[0] || rep.AP75 != want[2] || rep.ARl != want[11] {
		t.Errorf("named fields AP %v AP75 %v ARl %v disagree with stats %v", rep.AP, rep.AP75, rep.ARl, want)
	}
}

func TestEvalAPHumanOutput(t *testing.T) {
	code, out, errs := runCgx(t, "eval", "ap", "--gt", goldenCase+".gt.json", "--dt", goldenCase+".dt.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 12 {
		t.Fatalf("%d lines, want 12:\n%s", len(lines), out)
	}
	// pycocotools prints 0.050, 0.111, 0.038 for case03's AP, AP50, AP75
	for i, want := range []string{
		" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.050",
		" Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 0.111",
		" Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.038",
	} {
		if lines[i] != want {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], want)
		}
	}
	if !strings.Contains(lines[5], "area= large") || !strings.HasSuffix(lines[5], "= -1.000") {
		t.Errorf("APl line %q: want -1.000 (no large objects)", lines[5])
	}
	if !strings.Contains(errs, "detections") {
		t.Errorf("stderr %q: want a one-line summary of what was evaluated", errs)
	}
}

func TestEvalAPErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	gt := write("gt.json", `{"images":[{"id":1,"width":4,"height":4}],"annotations":[],"categories":[{"id":1,"name":"product"}]}`)
	badJSON := write("broken.json", `{"images": [`)
	results := write("res.json", "[{\"image_id\":9,\"category_id\":1,\"segmentation\":{\"size\":[4,4],\"counts\":\"`0\"},\"score\":0.5}]")
	missing := filepath.Join(dir, "nope.json")
	syntax := write("syntax.json", "{\"images\": [\n  {\"id\": 1,, \"width\": 4}]}")
	typed := write("typed.json", "[\n {\"image_id\": \"one\"}]")
	noCats := write("nocats.json", `{"images":[{"id":1,"width":4,"height":4}],"annotations":[]}`)
	tests := []struct {
		name     string
		args     []string
		code     int
		mentions []string
	}{
		{"missing gt", []string{"--gt", missing, "--dt", results}, 1, []string{missing, "no such file"}},
		{"malformed gt", []string{"--gt", badJSON, "--dt", results}, 1, []string{badJSON, "invalid COCO ground truth"}},
		{"malformed results", []string{"--gt", gt, "--dt", badJSON}, 1, []string{badJSON, "invalid COCO results"}},
		{"image not in gt", []string{"--gt", gt, "--dt", results}, 1, []string{results, gt, "image_id 9"}},
		{"no --dt", []string{"--gt", gt}, 2, []string{"needs both --gt"}},
		{"syntax error position", []string{"--gt", syntax, "--dt", results}, 1, []string{syntax + ":2:12:", "invalid character ','"}},
		{"type error position", []string{"--gt", gt, "--dt", typed}, 1, []string{typed + ":2:20:", "image_id"}},
		{"cut short position", []string{"--gt", badJSON, "--dt", results}, 1, []string{badJSON + ":1:13:"}},
		{"no categories", []string{"--gt", noCats, "--dt", results}, 1, []string{noCats, `no "categories"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errs := runCgx(t, append([]string{"eval", "ap"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errs)
			}
			for _, m := range tc.mentions {
				if !strings.Contains(errs, m) {
					t.Errorf("stderr %q does not mention %q", errs, m)
				}
			}
		})
	}
}

func TestEvalUnknownSubject(t *testing.T) {
	code, _, errs := runCgx(t, "eval", "map")
	if code != 2 || !strings.Contains(errs, "'ap'") {
		t.Errorf("exit %d, stderr %q: want usage error naming 'ap'", code, errs)
	}
}
