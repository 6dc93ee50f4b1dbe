package scene

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestContentSpaceShape(t *testing.T) {
	tests := []struct {
		exp   string
		n     int
		first string
	}{{"exp1", 6, "x"}, {"exp2", 18, "o1_product"}}
	for _, tt := range tests {
		c, err := NewContentSpace(tt.exp, 64, 1)
		if err != nil {
			t.Fatal(err)
		}
		ps := c.Params()
		if len(ps) != tt.n || ps[0].Name != tt.first {
			t.Errorf("%s: %d params starting %q, want %d starting %q", tt.exp, len(ps), ps[0].Name, tt.n, tt.first)
		}
		ps[0].Name = "mutated"
		if len(ps[0].Choices) > 0 {
			ps[0].Choices[0] = "mutated"
		}
		if again := c.Params(); again[0].Name == "mutated" || (len(again[0].Choices) > 0 && again[0].Choices[0] == "mutated") {
			t.Errorf("%s: Params hands out internal state", tt.exp)
		}
	}
	if _, err := NewContentSpace("exp3", 64, 1); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("exp3: %v", err)
	}
}

// randomValues draws a trial from the space the way a sampler would.
func randomValues(c *ContentSpace, r *rand.Rand) map[string]any {
	v := map[string]any{}
	for _, p := range c.Params() {
		switch p.Kind {
		case ParamCategorical:
			if r.IntN(2) == 0 {
				v[p.Name] = p.Choices[r.IntN(len(p.Choices))]
			} else {
				v[p.Name] = float64(r.IntN(len(p.Choices)))
			}
		default:
			v[p.Name] = p.Low + (p.High-p.Low)*r.Float64()
		}
	}
	return v
}

func TestContentSpaceScenesValid(t *testing.T) {
	const seed = 2024
	r := rand.New(rand.NewPCG(seed, 1))
	for _, exp := range ContentExperiments {
		c, _ := NewContentSpace(exp, 64, 7)
		for i := range 200 {
			v := randomValues(c, r)
			s, err := c.Scene(v)
			if err != nil {
				t.Fatalf("%s seed %d trial %d: %v (values %v)", exp, seed, i, err, v)
			}
			a, _ := c.Scene(v)
			if a.Digest() != s.Digest() {
				t.Fatalf("%s: Scene not a function of its values", exp)
			}
		}
	}
}

func TestContentSpaceExp2Rule(t *testing.T) {
	c, _ := NewContentSpace("exp2", 64, 7)
	v := map[string]any{}
	for k, kind := range []string{"bottle-350ml", "can-330ml", "bottle-500ml", "bottle-2l", "carton-1l", "bottle-1.5l"} {
		p := "o" + string(rune('1'+k)) + "_"
		v[p+"product"] = kind
		v[p+"rot_x"] = 0.0
		if k >= 3 {
			v[p+"rot_x"] = 90.0
		}
		v[p+"rot_z"] = 0.0
	}
	s, err := c.Scene(v)
	if err != nil {
		t.Fatal(err)
	}
	base, _ := Generate("exp2-shelf", 7, 0, 64)
	for k, o := range s.Objects {
		if o.Position[0] != base.Objects[k].Position[0] || o.Position[1] != base.Objects[k].Position[1] {
			t.Errorf("object %d not at experiment 2's base position", k+1)
		}
		if level := exp2Level(k); o.Position[2] != RestingZ(o, s.Shelf.LevelZ(level)) {
			t.Errorf("object %d does not rest on level %d", k+1, level)
		}
	}
	if s.Objects[3].Rotation != (Vec3{90, 0, 0}) || s.Objects[0].Product != "bottle-350ml" {
		t.Errorf("values not applied: %+v", s.Objects)
	}
}

func TestContentSpaceErrors(t *testing.T) {
	c, _ := NewContentSpace("exp1", 64, 1)
	good := map[string]any{"x": 0.0, "y": 0.0, "z": 0.1, "rot_x": 0.0, "rot_y": 0.0, "rot_z": 0.0}
	if _, err := c.Scene(good); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(map[string]any)
		want string
	}{
		{"missing", func(v map[string]any) { delete(v, "rot_y") }, "rot_y missing"},
		{"unknown", func(v map[string]any) { v["scale"] = 2.0 }, "scale is not a parameter of exp1"},
		{"range", func(v map[string]any) { v["x"] = 3.0 }, "x = 3: want [-0.15, 0.15]"},
		{"type", func(v map[string]any) { v["z"] = "high" }, "z = high (string): want a number"},
		{"int ok", func(v map[string]any) { v["rot_z"] = 45 }, ""},
	}
	for _, tt := range tests {
		v := map[string]any{}
		for k, x := range good {
			v[k] = x
		}
		tt.edit(v)
		_, err := c.Scene(v)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
			continue
		}
		if !errors.Is(err, ErrUnknownParam) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want ErrUnknownParam containing %q", tt.name, err, tt.want)
		}
	}
	c2, _ := NewContentSpace("exp2", 64, 1)
	v := randomValues(c2, rand.New(rand.NewPCG(1, 2)))
	v["o2_product"] = 8.0
	if _, err := c2.Scene(v); err == nil || !strings.Contains(err.Error(), "o2_product = 8: a choice index must be an integer in [0, 7]") {
		t.Errorf("categorical index out of range: %v", err)
	}
	v["o2_product"] = "bottle-9l"
	if _, err := c2.Scene(v); err == nil || !strings.Contains(err.Error(), `o2_product = "bottle-9l"`) {
		t.Errorf("unknown choice: %v", err)
	}
}
