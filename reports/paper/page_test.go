package paper

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestWritePage: the page opens with the findings table, links each row's
// run to that run's report, lists reused stages and escapes what comes
// from the database.
func TestWritePage(t *testing.T) {
	rows := Evaluate(nil, nil)
	rows[0].Run, rows[0].Reason = 3, `<script>alert(1)</script>`
	p := Page{Profile: "smoke", Started: time.Date(2021, 6, 1, 9, 0, 0, 0, time.UTC), Wall: 90 * time.Second, Rows: rows,
		Specs: []SpecRun{{Spec: "style/<b>all", Run: 3, Status: "succeeded", Wall: 5 * time.Second, PeakRSS: 80 << 20,
			Computed: []string{"dataset/cg"}, Reused: []string{"fit/blur/cg-to-real (run 1)"}, Report: "run-3/index.html"}}}
	var b bytes.Buffer
	if err := WritePage(&b, p); err != nil {
		t.Fatal(err)
	}
	s := b.String()
	for _, want := range []string{`id="paper-findings"`, `<a href="run-3/index.html">3</a>`, "fit/blur/cg-to-real (run 1)", "80 MiB",
		"0 reproduced, 0 not reproduced, 15 not comparable", "&lt;script&gt;", "style/&lt;b&gt;all", "incomplete", "99.7% held-out accuracy"} {
		if !strings.Contains(s, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if strings.Contains(s, "<script>") {
		t.Error("page holds an unescaped script")
	}
	if i, j := strings.Index(s, `id="findings"`), strings.Index(s, `id="specs"`); i < 0 || j < i {
		t.Error("the findings table does not come first")
	}
}
