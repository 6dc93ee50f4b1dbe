package experiments

import (
	"errors"
	"testing"
)

func TestBuiltinsParseAndResolveEveryProfile(t *testing.T) {
	bs, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"content/exp1", "content/exp2", "content/exp2.1", "content/samplers",
		"segmentation/baseline-vs-proposals", "style/all", "style/all-real-to-cg", "style/recovery"}
	for _, m := range Manipulations {
		want = append(want, "style/"+m, "style/"+m+"-real-to-cg")
	}
	got := map[string]bool{}
	for _, b := range bs {
		got[b.Name] = true
		f, err := Open(b.Name)
		if err != nil {
			t.Fatalf("%s: %v", b.Name, err)
		}
		for _, p := range ProfileNames {
			s, err := f.Resolve(p)
			if err != nil {
				t.Errorf("%s profile %s: %v", b.Name, p, err)
				continue
			}
			if s.Profile != p || s.Name != b.Name {
				t.Errorf("%s: resolved profile %q name %q", b.Name, s.Profile, s.Name)
			}
		}
		if b.Description == "" {
			t.Errorf("%s has no description", b.Name)
		}
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("built-in %s missing", w)
		}
	}
	if len(bs) != len(want) {
		t.Errorf("got %d built-ins, want %d", len(bs), len(want))
	}
}

func TestProfileOverlaysOnlyItsKeys(t *testing.T) {
	f, err := Open("style/blur")
	if err != nil {
		t.Fatal(err)
	}
	smoke, err := f.Resolve("smoke")
	if err != nil {
		t.Fatal(err)
	}
	if smoke.Datasets.CG.Count != 128 || smoke.Datasets.CG.Size != 32 || smoke.Style.Steps != 40 {
		t.Errorf("smoke overlay not applied: %+v", smoke.Datasets.CG)
	}
	if smoke.Datasets.CG.Domain != "cg" || smoke.Style.Threshold != 0.5 {
		t.Errorf("smoke overlay lost base values: %+v %+v", smoke.Datasets.CG, smoke.Style)
	}
	base, _ := f.Resolve("")
	if base.Datasets.CG.Count != 600 {
		t.Errorf("resolving a profile changed the base: count %d", base.Datasets.CG.Count)
	}
	smoke.Style.Grid[0] = 99
	again, _ := f.Resolve("smoke")
	if again.Style.Grid[0] == 99 {
		t.Error("resolved specs share slices")
	}
	if _, err := f.Resolve("huge"); !errors.Is(err, ErrUnknownProfile) {
		t.Errorf("unknown profile: got %v", err)
	}
}
