package scene

import (
	"errors"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestExp2Pairs checks what experiment 2 requires of its two sets: the same
// base positions, object count and product set for each index, and the
// shelf rule in the shelf set.
func TestExp2Pairs(t *testing.T) {
	for i := range 20 {
		shelf, _ := Generate("exp2-shelf", 11, i, 64)
		random, _ := Generate("exp2-random", 11, i, 64)
		if len(shelf.Objects) != 6 || len(random.Objects) != 6 {
			t.Fatalf("index %d: %d and %d objects, want 6", i, len(shelf.Objects), len(random.Objects))
		}
		kinds := func(s Scene) []string {
			var k []string
			for _, o := range s.Objects {
				k = append(k, o.Product)
			}
			sort.Strings(k)
			return k
		}
		if d := cmp.Diff(kinds(shelf), kinds(random)); d != "" {
			t.Errorf("index %d: product sets differ:\n%s", i, d)
		}
		for k := range 6 {
			a, b := shelf.Objects[k].Position, random.Objects[k].Position
			if a[0] != b[0] || a[1] != b[1] {
				t.Errorf("index %d object %d: base position %v vs %v", i, k, a, b)
			}
			p := productKinds[shelf.Objects[k].Product]
			top := exp2Level(k) == 1
			tilt := shelf.Objects[k].Rotation[0]
			if top && (!p.Small() || tilt != 0) || !top && (p.Small() || tilt != 90) {
				t.Errorf("index %d object %d (%s, tilt %v, top %v) breaks the shelf rule", i, k, p.Name, tilt, top)
			}
			if err := shelf.Validate(); err != nil {
				t.Fatal(err)
			}
			if err := random.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestExp1Pairs(t *testing.T) {
	for i := range 20 {
		l, _ := Generate("exp1-lying", 5, i, 64)
		s, _ := Generate("exp1-standing", 5, i, 64)
		lo, so := l.Objects[0], s.Objects[0]
		if lo.Position[0] != so.Position[0] || lo.Position[1] != so.Position[1] || lo.Rotation[2] != so.Rotation[2] {
			t.Errorf("index %d: lying and standing bottles do not share position and heading", i)
		}
		if lo.Rotation[0] != 90 || so.Rotation[0] != 0 {
			t.Errorf("index %d: tilts %v and %v", i, lo.Rotation[0], so.Rotation[0])
		}
		// Both rest on the table: the lowest point touches its surface.
		for _, o := range []Object{lo, so} {
			if z := RestingZ(o, StandardTable.LevelZ(0)); math.Abs(z-o.Position[2]) > 1e-12 {
				t.Errorf("index %d: bottle floats (z %v, resting %v)", i, o.Position[2], z)
			}
		}
	}
}

func TestGeneratorsDeterministic(t *testing.T) {
	for _, g := range Generators {
		a, _ := Generate(g, 9, 3, 64)
		b, _ := Generate(g, 9, 3, 64)
		c, _ := Generate(g, 9, 4, 64)
		if a.Digest() != b.Digest() || a.Digest() == c.Digest() {
			t.Errorf("%s: scenes not a function of (seed, index)", g)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("%s: %v", g, err)
		}
	}
	if _, err := Generate("nope", 1, 0, 64); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("unknown generator: %v", err)
	}
	if !slices.Equal(Generators, []string{"products", "exp1-lying", "exp1-standing", "exp2-shelf", "exp2-random"}) {
		t.Errorf("generator names changed: %v (experiments depend on them)", Generators)
	}
}
