package study

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
)

func TestNewSpaceErrors(t *testing.T) {
	tests := []struct {
		name   string
		params []Param
		want   []string // substrings every one of which must appear
	}{
		{"empty", nil, []string{"no parameters"}},
		{"low not below high", []Param{Float("x", 1, 1)}, []string{`parameter "x": low 1 must be below high 1`}},
		{"reversed int", []Param{Int("n", 5, 2)}, []string{`parameter "n": low 5 must be below high 2`}},
		{"nan bound", []Param{Float("x", math.NaN(), 1)}, []string{`parameter "x": bounds must be finite`}},
		{"inf bound", []Param{Float("x", 0, math.Inf(1))}, []string{"bounds must be finite"}},
		{"log non-positive", []Param{LogFloat("lr", 0, 1)}, []string{`parameter "lr": log-uniform low must be above 0`}},
		{"log int", []Param{{Name: "n", Kind: KindInt, Low: 1, High: 4, Log: true}}, []string{"log sampling applies to float"}},
		{"fractional int", []Param{{Name: "n", Kind: KindInt, Low: 0.5, High: 4}}, []string{"int bound 0.5 must be a whole number"}},
		{"huge int", []Param{{Name: "n", Kind: KindInt, Low: 0, High: 1e17}}, []string{"at most 2^53"}},
		{"no choices", []Param{Categorical("kind")}, []string{`parameter "kind": categorical needs at least one choice`}},
		{"duplicate choice", []Param{Categorical("kind", "a", "b", "a")}, []string{`choice "a" appears twice`}},
		{"choices on float", []Param{{Name: "x", Kind: KindFloat, Low: 0, High: 1, Choices: []string{"a"}}}, []string{"choices apply to categorical"}},
		{"bounds on categorical", []Param{{Name: "k", Kind: KindCategorical, High: 2, Choices: []string{"a"}}}, []string{"low, high and log apply"}},
		{"unknown kind", []Param{{Name: "x", Kind: "complex"}}, []string{`unknown kind "complex"`, `"float"`}},
		{"empty name", []Param{Float("", 0, 1)}, []string{"empty name"}},
		{"duplicate name", []Param{Float("x", 0, 1), Int("x", 0, 3)}, []string{`parameter "x" (#2): name used twice`}},
		{"every problem listed", []Param{Float("a", 2, 1), Categorical("b")}, []string{`"a": low 2`, `"b": categorical needs`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewSpace(tc.params...)
			if !errors.Is(err, ErrInvalidSpace) {
				t.Fatalf("NewSpace error = %v, want ErrInvalidSpace", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestSpaceDistributionsAndCopies(t *testing.T) {
	choices := []string{"bottle", "can"}
	s, err := NewSpace(Float("x", -1, 1), LogFloat("lr", 1e-4, 1), Int("n", 0, 9), Categorical("kind", choices...))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"x":    goptuna.UniformDistribution{Low: -1, High: 1},
		"lr":   goptuna.LogUniformDistribution{Low: 1e-4, High: 1},
		"n":    goptuna.IntUniformDistribution{Low: 0, High: 9},
		"kind": goptuna.CategoricalDistribution{Choices: []string{"bottle", "can"}},
	}
	if d := cmp.Diff(want, s.Distributions()); d != "" {
		t.Errorf("Distributions (-want +got):\n%s", d)
	}
	choices[0] = "mutated"
	ps := s.Params()
	ps[3].Choices[1] = "mutated"
	if got := s.Params()[3].Choices; !cmp.Equal(got, []string{"bottle", "can"}) {
		t.Errorf("space shares choices with callers: %v", got)
	}
	got := s.externalParams(map[string]float64{"x": 0.25, "lr": 0.01, "n": 7, "kind": 1})
	wantExt := map[string]any{"x": 0.25, "lr": 0.01, "n": 7, "kind": "can"}
	if d := cmp.Diff(wantExt, got); d != "" {
		t.Errorf("externalParams (-want +got):\n%s", d)
	}
}

func TestClampInternal(t *testing.T) {
	tests := []struct {
		name string
		p    Param
		in   float64
		want float64
	}{
		{"float inside", Float("x", 0, 1), 0.3, 0.3},
		{"float above", Float("x", 0, 1), 1.5, 1},
		{"int rounds", Int("n", -3, 3), 1.6, 2},
		{"int below low rounds away", Int("n", -3, 3), -3.5, -3},
		{"categorical index", Categorical("k", "a", "b"), 7, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.p.clampInternal(tc.in); got != tc.want {
				t.Errorf("clampInternal(%v) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestDeriveSeed(t *testing.T) {
	// Golden values, cross-checked with Python's hashlib: SHA-256 of the
	// parent's 8 little-endian bytes and the name, first 8 bytes little
	// endian with the top bit cleared (seeds.Int63). Changing the derivation
	// changes every stored study.
	tests := []struct {
		parent int64
		name   string
		want   int64
	}{
		{1, "trial/0", 1498831909655116396},
		{-7, "objective", 8117608124669816569},
		{0, "", 8794265229978523055},
	}
	for _, tc := range tests {
		if got := DeriveSeed(tc.parent, tc.name); got != tc.want {
			t.Errorf("DeriveSeed(%d, %q) = %d, want %d", tc.parent, tc.name, got, tc.want)
		}
	}
	if TrialSeed(1, 0) != 1498831909655116396 {
		t.Errorf("TrialSeed(1, 0) = %d, want DeriveSeed(1, \"trial/0\")", TrialSeed(1, 0))
	}
	if TrialSeed(1, 0) == TrialSeed(1, 1) {
		t.Error("slots 0 and 1 share a seed")
	}
}

func FuzzNewSpace(f *testing.F) {
	f.Add("x", "float", 0.0, 1.0, false, "a,b")
	f.Add("", "categorical", 0.0, 0.0, false, "")
	f.Add("n", "int", -3.0, 3.5, true, "a")
	f.Fuzz(func(t *testing.T, name, kind string, low, high float64, log bool, choices string) {
		var cs []string
		if choices != "" {
			cs = strings.Split(choices, ",")
		}
		p := Param{Name: name, Kind: Kind(kind), Low: low, High: high, Log: log, Choices: cs}
		s, err := NewSpace(p)
		if err != nil {
			if !errors.Is(err, ErrInvalidSpace) {
				t.Fatalf("error %v does not wrap ErrInvalidSpace", err)
			}
			return
		}
		if _, err := s.canonical(); err != nil {
			t.Fatalf("valid space does not encode: %v", err)
		}
		q := s.Params()[0]
		lo, hi := q.clampInternal(math.Inf(-1)), q.clampInternal(math.Inf(1))
		ext := q.external(lo)
		_ = q.external(hi)
		if _, err := goptuna.ToExternalRepresentation(q.Distribution(), lo); err != nil {
			t.Fatalf("goptuna rejects the distribution: %v", err)
		}
		if q.Kind == KindCategorical && ext != q.Choices[0] {
			t.Fatalf("lowest categorical = %v, want %q", ext, q.Choices[0])
		}
	})
}
