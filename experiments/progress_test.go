package experiments

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// fakeClock advances by step on every reading, so interval lines print.
func fakeClock(step time.Duration) func() time.Time {
	t := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { t = t.Add(step); return t }
}

func TestProgressUnits(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, false)
	p.now = fakeClock(10 * time.Second)
	p.StartUnits("discriminator/main: training", 240, "steps")
	p.Add(0) // nothing done: no "0/240" line
	p.Add(1)
	p.Finish("held-out accuracy 0.9")
	p.Start("plain", 4)
	p.Add(2)
	got := b.String()
	for _, w := range []string{"  discriminator/main: training: 1/240 steps\n", "  discriminator/main: training done in 30s: held-out accuracy 0.9\n", "  plain: 2/4\n"} {
		if !strings.Contains(got, w) {
			t.Errorf("output lacks %q:\n%s", w, got)
		}
	}
	if strings.Contains(got, "0/240") {
		t.Errorf("printed a count before any unit was done:\n%s", got)
	}
	var term bytes.Buffer
	q := NewProgress(&term, true)
	q.StartUnits("search", 8, "trials")
	q.Add(8)
	if !strings.Contains(term.String(), "] 8/8 trials") {
		t.Errorf("terminal bar lacks the unit: %q", term.String())
	}
}

// A task that finished without any unit done holds its line: Replace says
// what happened instead, any other output prints it first.
func TestProgressReplaceNoWork(t *testing.T) {
	var b bytes.Buffer
	p := NewProgress(&b, false)
	p.now = fakeClock(20 * time.Millisecond)
	p.StartUnits("dataset/cg: rendering 128 images", 128, "images")
	p.Finish("manifest abc")
	if b.Len() != 0 {
		t.Fatalf("no-work line printed before the caller could replace it: %q", b.String())
	}
	p.Replace("  dataset/cg: reused dataset abc")
	p.StartUnits("dataset/real: rendering 128 images", 128, "images")
	p.Finish("manifest def")
	p.Logf("run 1 succeeded")
	want := "  dataset/cg: reused dataset abc\n  dataset/real: rendering 128 images done in 20ms: manifest def\nrun 1 succeeded\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", b.String(), want)
	}
	p.Start("x", 1)
	p.Finish("")
	p.Flush()
	if !strings.HasSuffix(b.String(), "  x done in 20ms\n") {
		t.Errorf("Flush did not print the held line:\n%s", b.String())
	}
}

// TestReusedDatasetStage: a dataset already stored (rendered by another run)
// is reported as reused, not as rendered in milliseconds, and the stage is
// credited to the run that rendered it.
func TestReusedDatasetStage(t *testing.T) {
	ctx := context.Background()
	st := openStore(t, t.TempDir())
	origin, err := st.CreateRun(ctx, tracker.Run{Name: "dataset", Status: tracker.RunSucceeded})
	if err != nil {
		t.Fatal(err)
	}
	f, err := Open("style/blur")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := f.Resolve("smoke")
	if err != nil {
		t.Fatal(err)
	}
	ds := spec.Datasets.CG
	dom, err := style.DomainByName(ds.Domain)
	if err != nil {
		t.Fatal(err)
	}
	stored, err := datasets.Generate(ctx, st, datasets.Spec{Generator: ds.Generator, Count: ds.Count, Size: ds.Size,
		Seed: childSeed(spec.Seed, "dataset/pair"), Domain: dom}, datasets.GenerateOptions{Workers: 2, RunID: origin})
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	res := runSpec(t, st, "style/blur", Options{Workers: 2, Progress: NewProgress(&log, false)})
	cg, real := keys.DatasetStage("cg"), keys.DatasetStage("real")
	for _, s := range res.Stages {
		switch s.Name {
		case cg:
			if !s.Cached || s.RunID != origin {
				t.Errorf("stage %s: cached %v computed by run %d; want reused from run %d", s.Name, s.Cached, s.RunID, origin)
			}
		case real:
			if s.Cached || s.RunID != res.RunID {
				t.Errorf("stage %s: cached %v run %d; want computed by run %d", s.Name, s.Cached, s.RunID, res.RunID)
			}
		}
	}
	out := log.String()
	want := "  " + cg + ": reused dataset " + stored.ID.String()[:12] + " (rendered by run 1; nothing rendered)\n"
	if !strings.Contains(out, want) || strings.Contains(out, cg+": rendering") || !strings.Contains(out, real+": rendering") {
		t.Errorf("progress log: want %q and no %s rendering line:\n%s", want, cg, out)
	}
}

// TestProgressBarFitsTheTerminal: a bar line wider than the terminal would
// wrap, and a wrapped line cannot be redrawn with \r; the task is cut to fit.
func TestProgressBarFitsTheTerminal(t *testing.T) {
	var b strings.Builder
	p := NewProgress(&b, true)
	p.columns = func() int { return 60 }
	p.StartUnits("fit/patch-brightness-contrast-real-to-cg/round-3: fitting a long task name", 64, "images")
	p.Add(10)
	last := b.String()
	if i := strings.LastIndex(last, "\r\033[K"); i >= 0 {
		last = last[i+len("\r\033[K"):]
	}
	if n := utf8.RuneCountInString(last); n > 59 {
		t.Errorf("bar line is %d runes wide on a 60-column terminal: %q", n, last)
	}
	if !strings.Contains(last, "…") || !strings.Contains(last, "10/64 images") {
		t.Errorf("bar line should keep the count and mark the cut: %q", last)
	}
	for _, c := range []struct {
		task string
		room int
		want string
	}{{"abc", 0, "abc"}, {"abc", 3, "abc"}, {"abcd", 3, "ab…"}, {"abcd", 1, "…"}} {
		if got := fitTask(c.task, c.room); got != c.want {
			t.Errorf("fitTask(%q, %d) = %q, want %q", c.task, c.room, got, c.want)
		}
	}
}
