// Package gradcheck tests gorgonia ops: it builds a graph of one op on
// random float32 inputs, runs it on a TapeMachine with symbolic gradients,
// and compares the forward value with a float64 reference and each gradient
// with central finite differences of that reference. For an op whose output
// is not a scalar, the gradient checked is that of Σ r·op(x) for a fixed
// random r drawn after the inputs.
//
// It is a test helper shared by the ml packages; it imports none of them,
// so package nn's own tests can use it.
package gradcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Case is one op under test.
type Case struct {
	Name   string
	Shapes [][]int
	Wrt    []bool // inputs whose gradient is checked; others are plain data
	// Gen fills input i (nil: uniform in [-1, 1]).
	Gen   func(rng *rand.Rand, i int, v []float32)
	Build func(in []*gorgonia.Node) (*gorgonia.Node, error)
	Ref   func(in [][]float64) []float64
}

// Tolerance says how close is close enough.
type Tolerance struct {
	// Forward bounds |got-want| by Forward times the largest |want| (at
	// least 1e-6) when OfLargest is set, or times max(1, |want|) of the
	// element otherwise.
	Forward   float64
	OfLargest bool
	// A gradient element passes when |analytic-numeric| <= GradAbs +
	// GradRel·|numeric|; Eps is the finite-difference step.
	GradAbs, GradRel, Eps float64
	// SkipKinks skips elements where the one-sided differences disagree (a
	// ReLU or max-pool kink within Eps, where the derivative is not
	// defined), failing if more than 1 in 20 elements do.
	SkipKinks bool
}

// Run checks c, drawing inputs and r from rng in that order.
func Run(t *testing.T, c Case, rng *rand.Rand, tol Tolerance) {
	t.Helper()
	g := gorgonia.NewGraph()
	vals := make([][]float32, len(c.Shapes))
	nodes := make([]*gorgonia.Node, len(c.Shapes))
	var wrt []*gorgonia.Node
	var wrtIdx []int
	for i, s := range c.Shapes {
		vals[i] = make([]float32, tensor.Shape(s).TotalSize())
		if c.Gen != nil {
			c.Gen(rng, i, vals[i])
		} else {
			for j := range vals[i] {
				u := rng.Float64()
				vals[i][j] = float32(u + u - 1) // 2u−1 with no product to fuse
			}
		}
		v := tensor.New(tensor.WithShape(s...), tensor.WithBacking(append([]float32(nil), vals[i]...)))
		nodes[i] = gorgonia.NewTensor(g, tensor.Float32, len(s), gorgonia.WithShape(s...), gorgonia.WithValue(v), gorgonia.WithName(fmt.Sprintf("in%d", i)))
		if c.Wrt[i] {
			wrt, wrtIdx = append(wrt, nodes[i]), append(wrtIdx, i)
		}
	}
	out, err := c.Build(nodes)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	cost := out
	var r []float64
	if !out.IsScalar() {
		os := out.Shape()
		rv := make([]float32, os.TotalSize())
		r = make([]float64, len(rv))
		for j := range rv {
			u := rng.Float64()
			rv[j] = float32(u + u - 1)
			r[j] = float64(rv[j])
		}
		rn := gorgonia.NewTensor(g, tensor.Float32, os.Dims(), gorgonia.WithShape(os...), gorgonia.WithValue(tensor.New(tensor.WithShape(os...), tensor.WithBacking(rv))), gorgonia.WithName("r"))
		cost = gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(out, rn))))
	}
	grads, err := gorgonia.Grad(cost, wrt...)
	if err != nil {
		t.Fatalf("grad: %v", err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}

	in64 := make([][]float64, len(vals))
	for i, v := range vals {
		in64[i] = make([]float64, len(v))
		for j, x := range v {
			in64[i][j] = float64(x)
		}
	}
	want := c.Ref(in64)
	got, err := values(out.Value())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("forward has %d values, reference %d", len(got), len(want))
	}
	largest := 1e-6
	for _, w := range want {
		largest = math.Max(largest, math.Abs(w))
	}
	for j := range want {
		scale := math.Max(1, math.Abs(want[j]))
		if tol.OfLargest {
			scale = largest
		}
		if d := math.Abs(float64(got[j]) - want[j]); d > tol.Forward*scale {
			t.Fatalf("forward[%d] = %v, reference %v (diff %.3g)", j, got[j], want[j], d)
		}
	}

	refCost := func(in [][]float64) float64 {
		y := c.Ref(in)
		if r == nil {
			return y[0]
		}
		var s float64
		for j := range y {
			s += float64(r[j] * y[j])
		}
		return s
	}
	f0 := refCost(in64)
	eps := tol.Eps
	for k, i := range wrtIdx {
		ag := grads[k].Value().Data().([]float32)
		if len(ag) != len(vals[i]) {
			t.Fatalf("input %d: gradient has %d values, input %d", i, len(ag), len(vals[i]))
		}
		kinks := 0
		for j := range in64[i] {
			orig := in64[i][j]
			in64[i][j] = orig + eps
			fp := refCost(in64)
			in64[i][j] = orig - eps
			fm := refCost(in64)
			in64[i][j] = orig
			num := (fp - fm) / (2 * eps)
			if dp, dm := (fp-f0)/eps, (f0-fm)/eps; tol.SkipKinks && math.Abs(dp-dm) > 1e-2*(1+math.Abs(num)) {
				kinks++
				continue
			}
			if d := math.Abs(float64(ag[j]) - num); d > tol.GradAbs+float64(tol.GradRel*math.Abs(num)) {
				t.Fatalf("d cost / d in%d[%d] = %v, finite difference %v", i, j, ag[j], num)
			}
		}
		if kinks*20 > len(ag) {
			t.Fatalf("input %d: %d of %d elements sit on a kink; change the test data", i, kinks, len(ag))
		}
	}
}

// values returns an op's output as float32s, a scalar as one value.
func values(v gorgonia.Value) ([]float32, error) {
	switch s := v.(type) {
	case *gorgonia.F32:
		return []float32{float32(*s)}, nil
	case tensor.Tensor:
		switch d := s.Data().(type) {
		case []float32:
			return d, nil
		case float32:
			return []float32{d}, nil
		}
	}
	return nil, fmt.Errorf("read output: want float32 values, got %T", v)
}
