package nn

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// gradsAt builds a graph using every Op of the package, runs it twice at the
// given GOMAXPROCS and returns the loss and all gradients as bits.
func gradsAt(t *testing.T, bl BLAS, procs int) [][]uint32 {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	rng := rand.New(rand.NewPCG(5, 6))
	g := gorgonia.NewGraph()
	param := func(name string, s ...int) *gorgonia.Node {
		v := make([]float32, tensor.Shape(s).TotalSize())
		for i := range v {
			v[i] = float32(rng.Float64() - 0.5)
		}
		return gorgonia.NewTensor(g, tensor.Float32, len(s), gorgonia.WithShape(s...), gorgonia.WithValue(tensor.New(tensor.WithShape(s...), tensor.WithBacking(v))), gorgonia.WithName(name))
	}
	const n = 11 // not a multiple of gradChunk
	x := param("x", n, 3, 12, 12)
	scale, shift := param("scale", n, 3), param("shift", n, 3)
	w1, b1 := param("w1", 8, 3, 3, 3), param("b1", 8)
	w2, b2 := param("w2", 6, 8, 3, 3), param("b2", 6)
	w3, b3 := param("w3", 4, 6, 1, 1), param("b3", 4)
	lw, lb := param("lw", 2, 4*3*3), param("lb", 2)
	tg := param("t", n, 2)
	must := func(n *gorgonia.Node, err error) *gorgonia.Node {
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	h := must(ChannelAffine(x, scale, shift))
	h = must(ConvReLUPool(h, w1, b1, ConvPoolOpts{Pad: 1, BLAS: bl}))
	h = must(Conv2D(h, w2, b2, ConvOpts{Pad: 1, ReLU: true, BLAS: bl}))
	h = must(MaxPool2D(h, 2))
	h = must(Conv2D(h, w3, b3, ConvOpts{BLAS: bl}))
	h = must(ReLU(h))
	z := must(Linear(h, lw, lb, LinearOpts{BLAS: bl}))
	loss := must(WeightedCrossEntropy(z, tg))
	wrt := gorgonia.Nodes{x, scale, shift, w1, b1, w2, b2, w3, b3, lw, lb}
	grads, err := gorgonia.Grad(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	var out [][]uint32
	for run := 0; run < 2; run++ {
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		l, _ := scalarF32(loss.Value())
		vals := [][]float32{{l}}
		for _, gn := range grads {
			vals = append(vals, gn.Value().Data().([]float32))
		}
		var bits [][]uint32
		for _, v := range vals {
			b := make([]uint32, len(v))
			for i, f := range v {
				b[i] = math.Float32bits(f)
			}
			bits = append(bits, b)
		}
		if run == 1 && fmt.Sprint(bits) != fmt.Sprint(out) {
			t.Fatalf("GOMAXPROCS=%d: a second run of the same machine differs", procs)
		}
		out = bits
		vm.Reset()
	}
	return out
}

func TestOpsDeterministicAcrossGOMAXPROCS(t *testing.T) {
	for _, bl := range backends(t) {
		t.Run(backendName(bl), func(t *testing.T) {
			ref := gradsAt(t, bl, 1)
			for _, procs := range []int{2, 4} {
				got := gradsAt(t, bl, procs)
				for i := range ref {
					for j := range ref[i] {
						if got[i][j] != ref[i][j] {
							t.Fatalf("GOMAXPROCS=%d: value %d of output %d differs from GOMAXPROCS=1", procs, j, i)
						}
					}
				}
			}
		})
	}
}
