package nn

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestBandsMatchWholeImage checks that splitting a convolution into bands
// of output rows (layers whose im2col matrix exceeds colBudget) computes
// what the whole-image computation does: the finite-difference tests use
// small images that fit in one band.
func TestBandsMatchWholeImage(t *testing.T) {
	type result struct{ vals [][]float32 }
	run := func(t *testing.T, bl BLAS, block, whole bool) result {
		rng := rand.New(rand.NewPCG(3, 4))
		g := gorgonia.NewGraph()
		param := func(name string, s ...int) *gorgonia.Node {
			v := make([]float32, tensor.Shape(s).TotalSize())
			for i := range v {
				v[i] = float32(rng.Float64() - 0.5)
			}
			return gorgonia.NewTensor(g, tensor.Float32, len(s), gorgonia.WithShape(s...), gorgonia.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(v))), gorgonia.WithName(name))
		}
		x, w, b := param("x", 3, 40, 20, 20), param("w", 6, 40, 3, 3), param("b", 6)
		var y *gorgonia.Node
		var geom *convGeom
		var err error
		if block {
			y, err = ConvReLUPool(x, w, b, ConvPoolOpts{Pad: 1, BLAS: bl})
			if err == nil {
				geom = &y.Op().(*convPoolOp).conv.geom
			}
		} else {
			y, err = Conv2D(x, w, b, ConvOpts{Pad: 1, ReLU: true, BLAS: bl})
			if err == nil {
				geom = &y.Op().(*convOp).geom
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		if geom.band >= geom.oh {
			t.Fatalf("test geometry fits one band (%d rows); enlarge it", geom.band)
		}
		if whole {
			geom.band = geom.oh
		}
		r := param("r", y.Shape()...)
		cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(y, r))))
		grads, err := gorgonia.Grad(cost, x, w, b)
		if err != nil {
			t.Fatal(err)
		}
		vm := gorgonia.NewTapeMachine(g)
		defer vm.Close()
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		res := result{vals: [][]float32{append([]float32(nil), y.Value().Data().([]float32)...)}}
		for _, gn := range grads {
			res.vals = append(res.vals, append([]float32(nil), gn.Value().Data().([]float32)...))
		}
		return res
	}
	for _, bl := range backends(t) {
		for _, block := range []bool{true, false} {
			name := backendName(bl) + "/conv"
			if block {
				name = backendName(bl) + "/conv block"
			}
			t.Run(name, func(t *testing.T) {
				banded, whole := run(t, bl, block, false), run(t, bl, block, true)
				for i := range whole.vals {
					scale := 1e-6
					for _, v := range whole.vals[i] {
						scale = math.Max(scale, math.Abs(float64(v)))
					}
					for j, v := range whole.vals[i] {
						if d := math.Abs(float64(banded.vals[i][j] - v)); d > 1e-5*scale {
							t.Fatalf("output %d value %d: banded %v, whole image %v", i, j, banded.vals[i][j], v)
						}
					}
				}
			})
		}
	}
}
