package experiments

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/fit"
	"github.com/cgx-dev/cgx/ml/manip"
	"github.com/cgx-dev/cgx/study"
)

// sameSet reports whether a and b hold the same names, in any order.
func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestSpecListsMatchRegistries ties every list of allowed spec values to the
// package that implements the values, so a spec can name exactly what the
// runner can run and a name added or removed there cannot be forgotten here,
// in the readers' names (internal/keys) or in the learning-rate table.
func TestSpecListsMatchRegistries(t *testing.T) {
	tests := []struct {
		name      string
		got, want []string
	}{
		{"manipulations", Manipulations, manip.Names()},
		{"keys.Manipulations", keys.Manipulations(), manip.Names()},
		{"default learning rates", mapKeys(DefaultLearningRates), manip.Names()},
		{"samplers", Samplers, study.Samplers()},
		{"keys.Samplers", keys.Samplers(), study.Samplers()},
		{"generators", Generators, scene.Generators},
		{"policies", Policies, datasets.Policies},
		{"directions", Directions, []string{string(fit.CGToReal), string(fit.RealToCG)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !sameSet(tc.got, tc.want) {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
	for _, m := range Manipulations {
		if _, err := manip.Lookup(m, manip.Options{}); err != nil {
			t.Errorf("manipulation %q: %v", m, err)
		}
	}
	for _, g := range Generators {
		if _, err := scene.Generate(g, 1, 0, 32); err != nil {
			t.Errorf("generator %q: %v", g, err)
		}
	}
	for _, d := range Domains {
		if _, err := style.DomainByName(d); err != nil {
			t.Errorf("domain %q: %v", d, err)
		}
	}
	for _, e := range Experiments {
		if _, err := scene.NewContentSpace(e, 64, 1); err != nil {
			t.Errorf("content experiment %q: %v", e, err)
		}
	}
}

func mapKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestSpecDocListsEveryValue requires docs/SPEC.md to name every allowed
// manipulation, sampler, generator, policy, domain and experiment.
func TestSpecDocListsEveryValue(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "docs", "SPEC.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]string{Manipulations, Samplers, Generators, Policies, Domains, Experiments, Directions, Sources} {
		for _, v := range list {
			if !strings.Contains(string(doc), "`"+v+"`") {
				t.Errorf("docs/SPEC.md does not mention `%s`", v)
			}
		}
	}
}
