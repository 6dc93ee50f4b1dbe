package scene

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// ParamKind is the type of a searchable scene parameter.
type ParamKind string

// Parameter kinds, matching goptuna's distributions: float (uniform),
// int (inclusive integer range) and categorical.
const (
	ParamFloat       ParamKind = "float"
	ParamInt         ParamKind = "int"
	ParamCategorical ParamKind = "categorical"
)

// Param is one dimension of a content search space.
type Param struct {
	Name    string    `json:"name"`
	Kind    ParamKind `json:"kind"`
	Low     float64   `json:"low,omitempty"`  // float, int: inclusive
	High    float64   `json:"high,omitempty"` // float, int: inclusive
	Choices []string  `json:"choices,omitempty"`
	Doc     string    `json:"doc"`
}

// ContentExperiments lists the experiments NewContentSpace knows.
var ContentExperiments = []string{"exp1", "exp2"}

// ContentSpace is the black-box search space of a content experiment and
// the function from a trial's values to the scene to render.
//
//   - exp1 (6 parameters): the pose of the 500 ml bottle on the table:
//     x, y, z (metres, centre of its bounding box) and rot_x, rot_y, rot_z
//     (degrees, Euler XYZ). rot_x = 0 stands it up, 90 lays it down.
//   - exp2 (18 parameters): for each of the six objects k = 1..6 at the
//     base positions of experiment 2 (1..3 on the top level, 4..6 on the
//     bottom, left to right): o<k>_product (categorical, a product kind),
//     o<k>_rot_x (0 = standing .. 90 = lying with its top towards the
//     camera) and o<k>_rot_z (heading, ±45°). Each object rests on its level
//     whatever its rotation.
type ContentSpace struct {
	experiment string
	size       int
	base       exp2Base
	params     []Param
}

// NewContentSpace returns the space of experiment ("exp1" or "exp2") for
// scenes of size×size pixels; seed picks experiment 2's base positions (the
// base of image 0 of the exp2 datasets with that seed).
func NewContentSpace(experiment string, size int, seed int64) (*ContentSpace, error) {
	if size < MinResolution || size > MaxResolution {
		return nil, fmt.Errorf("%w: content space size %d: want %d..%d", ErrInvalidSpec, size, MinResolution, MaxResolution)
	}
	c := &ContentSpace{experiment: experiment, size: size}
	switch experiment {
	case "exp1":
		z0 := StandardTable.LevelZ(0)
		c.params = []Param{
			{Name: "x", Kind: ParamFloat, Low: -0.15, High: 0.15, Doc: "bottle centre across the table, metres"},
			{Name: "y", Kind: ParamFloat, Low: -0.12, High: 0.12, Doc: "bottle centre in depth (+ away from the camera), metres"},
			{Name: "z", Kind: ParamFloat, Low: z0 + 0.01, High: z0 + 0.23, Doc: "bottle centre height, metres (resting: lying 0.0525, standing 0.1225)"},
			{Name: "rot_x", Kind: ParamFloat, Low: -180, High: 180, Doc: "degrees; 0 standing, ±90 lying"},
			{Name: "rot_y", Kind: ParamFloat, Low: -180, High: 180, Doc: "degrees"},
			{Name: "rot_z", Kind: ParamFloat, Low: -180, High: 180, Doc: "degrees, heading"},
		}
	case "exp2":
		c.base = newExp2Base(seed, 0)
		kinds := ProductKindNames()
		for k := 1; k <= 6; k++ {
			level := "top"
			if exp2Level(k-1) == 0 {
				level = "bottom"
			}
			c.params = append(c.params,
				Param{Name: fmt.Sprintf("o%d_product", k), Kind: ParamCategorical, Choices: slices.Clone(kinds), Doc: fmt.Sprintf("object %d (%s level): product kind", k, level)},
				Param{Name: fmt.Sprintf("o%d_rot_x", k), Kind: ParamFloat, Low: 0, High: 90, Doc: fmt.Sprintf("object %d: tilt, 0 standing, 90 lying towards the camera", k)},
				Param{Name: fmt.Sprintf("o%d_rot_z", k), Kind: ParamFloat, Low: -45, High: 45, Doc: fmt.Sprintf("object %d: heading, degrees", k)},
			)
		}
	default:
		return nil, fmt.Errorf("%w: content experiment %q: want one of %s", ErrInvalidSpec, experiment, strings.Join(ContentExperiments, ", "))
	}
	return c, nil
}

// Experiment returns "exp1" or "exp2".
func (c *ContentSpace) Experiment() string { return c.experiment }

// Params returns the search space (a fresh copy), in a fixed order.
func (c *ContentSpace) Params() []Param {
	out := slices.Clone(c.params)
	for i := range out {
		out[i].Choices = slices.Clone(out[i].Choices)
	}
	return out
}

// Scene builds the scene for a trial. values maps every parameter name to
// its value: float64 (or any Go integer or float type) for float and int
// parameters; for categorical ones the choice string or its index as a
// float64 (goptuna's internal representation). Missing, unknown,
// mistyped or out-of-range values are errors wrapping ErrUnknownParam that
// name the parameter.
func (c *ContentSpace) Scene(values map[string]any) (Scene, error) {
	v, err := c.resolve(values)
	if err != nil {
		return Scene{}, err
	}
	switch c.experiment {
	case "exp1":
		s := stageScene(StandardTable, TableCamera(c.size))
		s.Objects = []Object{{Product: "bottle-500ml",
			Position: Vec3{v.f["x"], v.f["y"], v.f["z"]},
			Rotation: Vec3{v.f["rot_x"], v.f["rot_y"], v.f["rot_z"]}}}
		return s, s.Validate()
	default:
		s := stageScene(StandardShelf, ShelfCamera(c.size))
		for k := 1; k <= 6; k++ {
			p := fmt.Sprintf("o%d_", k)
			o := Object{Product: v.c[p+"product"], Position: c.base.pos[k-1], Rotation: Vec3{v.f[p+"rot_x"], 0, v.f[p+"rot_z"]}}
			o.Position[2] = RestingZ(o, s.Shelf.LevelZ(exp2Level(k-1)))
			s.Objects = append(s.Objects, o)
		}
		return s, s.Validate()
	}
}

type resolved struct {
	f map[string]float64
	c map[string]string
}

func (c *ContentSpace) resolve(values map[string]any) (resolved, error) {
	r := resolved{f: map[string]float64{}, c: map[string]string{}}
	known := map[string]bool{}
	var bad []string
	for _, p := range c.params {
		known[p.Name] = true
		raw, ok := values[p.Name]
		if !ok {
			bad = append(bad, fmt.Sprintf("%s missing", p.Name))
			continue
		}
		if p.Kind == ParamCategorical {
			switch x := raw.(type) {
			case string:
				if !slices.Contains(p.Choices, x) {
					bad = append(bad, fmt.Sprintf("%s = %q: want one of %s", p.Name, x, strings.Join(p.Choices, ", ")))
					continue
				}
				r.c[p.Name] = x
			case float64:
				i := int(x)
				if float64(i) != x || i < 0 || i >= len(p.Choices) {
					bad = append(bad, fmt.Sprintf("%s = %v: a choice index must be an integer in [0, %d]", p.Name, x, len(p.Choices)-1))
					continue
				}
				r.c[p.Name] = p.Choices[i]
			default:
				bad = append(bad, fmt.Sprintf("%s = %v (%T): want a choice string or index", p.Name, raw, raw))
			}
			continue
		}
		x, ok := toFloat(raw)
		switch {
		case !ok:
			bad = append(bad, fmt.Sprintf("%s = %v (%T): want a number", p.Name, raw, raw))
		case math.IsNaN(x) || x < p.Low-1e-9 || x > p.High+1e-9:
			bad = append(bad, fmt.Sprintf("%s = %v: want [%v, %v]", p.Name, x, p.Low, p.High))
		case p.Kind == ParamInt && x != math.Trunc(x):
			bad = append(bad, fmt.Sprintf("%s = %v: want an integer", p.Name, x))
		default:
			r.f[p.Name] = x
		}
	}
	var unknown []string
	for k := range values {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		bad = append(bad, fmt.Sprintf("%s is not a parameter of %s", k, c.experiment))
	}
	if len(bad) > 0 {
		return resolved{}, fmt.Errorf("%w: %s", ErrUnknownParam, strings.Join(bad, "; "))
	}
	return r, nil
}

func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}
