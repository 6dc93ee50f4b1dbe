package main

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
)

func TestWriteDiffFitsATerminal(t *testing.T) {
	a := tracker.Run{ID: 3, Profile: "default", SpecSHA256: strings.Repeat("a", 64),
		Metrics: map[string]float64{"fit/brightness_contrast/cg-to-real/mean_final_loss": 0.000180612345678, "x": 1}}
	b := tracker.Run{ID: 4, Profile: "smoke", SpecSHA256: strings.Repeat("b", 64),
		Metrics: map[string]float64{"fit/brightness_contrast/cg-to-real/mean_final_loss": 9.03e-05, "x": 1}}
	a.Metrics["tiny"], b.Metrics["tiny"] = 0.040797702968120575, 8.732233254704624e-06
	var out bytes.Buffer
	if err := writeDiff(&out, experiments.DiffRuns(a, b, false)); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"RUN 3", "RUN 4", "CHANGE", "9.03e-05", "0.000180612345678", "changed", "/mean_final_loss", "METRICS"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "  x ") {
		t.Errorf("equal metric x listed:\n%s", text)
	}
	for _, line := range strings.Split(text, "\n") {
		if n := utf8.RuneCountInString(line); n > 100 {
			t.Errorf("line of %d columns: %q", n, line)
		}
	}
}
