package experiments

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func overrides(t *testing.T, sets ...string) []Override {
	t.Helper()
	var out []Override
	for _, s := range sets {
		o, err := ParseOverride(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, o)
	}
	return out
}

func TestWithOverridesApplies(t *testing.T) {
	f, err := Open("style/blur")
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.WithOverrides(overrides(t, "style.steps=300", "datasets.cg.count=1000", "style.optimizer=adam",
		"style.directions=[\"real-to-cg\"]"))
	if err != nil {
		t.Fatal(err)
	}
	for _, profile := range []string{"", "smoke", "default"} {
		s, err := g.Resolve(profile)
		if err != nil {
			t.Fatalf("profile %q: %v", profile, err)
		}
		// The overrides win over every profile, also those that set the same key (smoke: steps 40, count 128).
		if s.Style.Steps != 300 || s.Datasets.CG.Count != 1000 || s.Style.Optimizer != "adam" ||
			!cmp.Equal(s.Style.Directions, []string{"real-to-cg"}) {
			t.Errorf("profile %q: steps %d count %d optimizer %q directions %v", profile, s.Style.Steps,
				s.Datasets.CG.Count, s.Style.Optimizer, s.Style.Directions)
		}
	}
	// Untouched keys keep the file's values, profiles included.
	base, _ := f.Resolve("smoke")
	over, _ := g.Resolve("smoke")
	if over.Datasets.Real.Count != base.Datasets.Real.Count || over.Discriminator != base.Discriminator {
		t.Errorf("overrides changed other keys: real count %d -> %d", base.Datasets.Real.Count, over.Datasets.Real.Count)
	}
	if !strings.HasPrefix(g.Text, "# effective spec: builtin:style/blur with --set style.steps=300") {
		t.Errorf("effective text does not say where it came from:\n%.200s", g.Text)
	}
	if len(g.Overrides) != 4 || g.Overrides[0].String() != "style.steps=300" {
		t.Errorf("Overrides = %v", g.Overrides)
	}
	// The effective text parses on its own to the same spec (what verify and resume read back).
	h, err := Parse("run spec", []byte(g.Text))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := h.Resolve("smoke")
	if !cmp.Equal(flattenSettings(again), flattenSettings(over)) {
		t.Error("effective text resolves differently from the overridden file")
	}
}

func TestWithOverridesErrors(t *testing.T) {
	f, err := Open("style/blur")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		set  string
		want []string
	}{
		{"unknown key", "style.stepz=3", []string{"builtin:style/blur: --set style.stepz=3", `unknown key "stepz" in [style]`, `"steps"`}},
		{"unknown section", "styles.steps=3", []string{`unknown key "styles" at the top level`, `"style"`}},
		{"section not value", "datasets.cg=3", []string{"datasets.cg is a section", `"count"`}},
		{"wrong type", "style.steps=abc", []string{"builtin:style/blur (--set style.steps=abc): key style.steps: wrong type"}},
		{"wrong type number", "style.early_stop=3", []string{"(--set style.early_stop=3): key style.early_stop"}},
		{"out of range", "style.steps=-5", []string{"builtin:style/blur (--set style.steps=-5): style.steps:"}},
		{"out of range in profile", "datasets.cg.count=1", []string{"(--set datasets.cg.count=1): ", "datasets.cg.count"}},
		{"bad toml", "style.directions=[1,", []string{"--set style.directions=[1,", "not a TOML value"}},
		{"kind", "kind=content", []string{`cannot change "kind"`}},
		{"profiles", "profiles.smoke.style.steps=3", []string{"--profile"}},
		{"wrong section for kind", "content.trials=5", []string{"(--set content.trials=5)", "does not belong in a style spec"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.WithOverrides(overrides(t, c.set))
			if err == nil {
				t.Fatalf("--set %s accepted", c.set)
			}
			if !errors.Is(err, ErrSpec) {
				t.Errorf("error %v is not ErrSpec", err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// A key the override did not set is located at its line in the file, not in the effective text.
	seg, err := Open("segmentation/baseline-vs-proposals")
	if err != nil {
		t.Fatal(err)
	}
	line := 1 + strings.Count(seg.Text[:strings.Index(seg.Text, "\nimages = 400")+1], "\n")
	_, err = seg.WithOverrides(overrides(t, "datasets.cg.count=4"))
	if want := fmt.Sprintf("builtin:segmentation/baseline-vs-proposals:%d: segmentation.images: 400 is more than datasets.cg.count 4", line); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("--set datasets.cg.count=4: error %v, want %q", err, want)
	}
	if _, err := ParseOverride("style.steps"); err == nil || !strings.Contains(err.Error(), "KEY=VALUE") {
		t.Errorf("ParseOverride without = : %v", err)
	}
}

func TestSplitSweep(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []string
		err  bool
	}{
		{in: "style.steps=100,300", want: []string{"style.steps=100", "style.steps=300"}},
		{in: `style.manipulations=["blur","noise"],["hsv"]`, want: []string{`style.manipulations=["blur","noise"]`, `style.manipulations=["hsv"]`}},
		{in: `name="a,b",c`, want: []string{`name="a,b"`, "name=c"}},
		{in: "style.steps=100,", err: true},
		{in: "style.steps", err: true},
	} {
		got, err := SplitSweep(c.in)
		if c.err {
			if err == nil {
				t.Errorf("SplitSweep(%q) accepted", c.in)
			}
			continue
		}
		if err != nil {
			t.Fatalf("SplitSweep(%q): %v", c.in, err)
		}
		var s []string
		for _, o := range got {
			s = append(s, o.String())
		}
		if diff := cmp.Diff(c.want, s); diff != "" {
			t.Errorf("SplitSweep(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

// FuzzOverrides: any --set or --sweep text is accepted or refused with a
// spec error, never a panic, and an accepted override's effective text
// parses on its own.
func FuzzOverrides(f *testing.F) {
	for _, s := range []string{"style.steps=300", "datasets.cg.count=1000", "style.directions=[\"real-to-cg\"]",
		"style.steps=[1,", "a..b=1", "=", "style=1", "style.grid={a=1}", "name=\"x,y\",z", "seed=1e400"} {
		f.Add(s)
	}
	file, err := Open("style/blur")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if sw, err := SplitSweep(s); err == nil && len(sw) == 0 {
			t.Fatalf("SplitSweep(%q) returned no values and no error", s)
		}
		o, err := ParseOverride(s)
		if err != nil {
			return
		}
		g, err := file.WithOverrides([]Override{o})
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("--set %q: error %v is not ErrSpec", s, err)
			}
			return
		}
		if _, err := Parse("effective", []byte(g.Text)); err != nil {
			t.Fatalf("--set %q accepted, but its effective text does not parse: %v\n%s", s, err, g.Text)
		}
	})
}
