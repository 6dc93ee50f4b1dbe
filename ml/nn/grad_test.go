package nn

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// backends returns every BLAS backend available in this build: pure Go
// always, OpenBLAS when it loads. Every kernel test runs on each.
func backends(t *testing.T) []BLAS {
	t.Helper()
	bs := []BLAS{GoBLAS()}
	if ob, err := OpenBLAS(); err == nil {
		bs = append(bs, ob)
	} else {
		t.Logf("openblas not tested: %v", err)
	}
	for _, b := range bs {
		t.Logf("kernels: %s", b.Name())
	}
	return bs
}

func backendName(b BLAS) string {
	if _, ok := b.(goBLAS); ok {
		return "go"
	}
	return "openblas"
}

// gradCase checks one op: its forward value against a float64 reference and
// its gradients against central differences of that reference.
type gradCase struct {
	name   string
	shapes [][]int
	wrt    []bool // inputs whose gradient is checked; others are plain data
	// gen fills input i (nil: uniform in [-1, 1]).
	gen   func(rng *rand.Rand, i int, v []float32)
	build func(in []*gorgonia.Node, bl BLAS) (*gorgonia.Node, error)
	ref   func(in [][]float64) []float64
}

const (
	fdEps    = 1e-3
	fwdTol   = 2e-5 // relative to the largest |value|
	gradAbs  = 2e-3
	gradRel  = 2e-3
	gradSeed = 20260511
)

func runGradCase(t *testing.T, c gradCase, bl BLAS) {
	t.Helper()
	h := fnv.New64a()
	h.Write([]byte(c.name))
	rng := rand.New(rand.NewPCG(gradSeed, h.Sum64()))
	g := gorgonia.NewGraph()
	vals := make([][]float32, len(c.shapes))
	nodes := make([]*gorgonia.Node, len(c.shapes))
	var wrt []*gorgonia.Node
	var wrtIdx []int
	for i, s := range c.shapes {
		n := tensor.Shape(s).TotalSize()
		vals[i] = make([]float32, n)
		if c.gen != nil {
			c.gen(rng, i, vals[i])
		} else {
			for j := range vals[i] {
				vals[i][j] = float32(rng.Float64()*2 - 1)
			}
		}
		v := tensor.New(tensor.WithShape(s...), tensor.WithBacking(append([]float32(nil), vals[i]...)))
		nodes[i] = gorgonia.NewTensor(g, tensor.Float32, len(s), gorgonia.WithShape(s...), gorgonia.WithValue(v), gorgonia.WithName(fmt.Sprintf("in%d", i)))
		if c.wrt[i] {
			wrt = append(wrt, nodes[i])
			wrtIdx = append(wrtIdx, i)
		}
	}
	out, err := c.build(nodes, bl)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	var r []float64
	cost := out
	if !out.IsScalar() {
		os := out.Shape()
		rv := make([]float32, os.TotalSize())
		r = make([]float64, len(rv))
		for j := range rv {
			rv[j] = float32(rng.Float64()*2 - 1)
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
	want := c.ref(in64)
	var got []float32
	if out.IsScalar() {
		s, err := scalarF32(out.Value())
		if err != nil {
			t.Fatal(err)
		}
		got = []float32{s}
	} else {
		got = out.Value().Data().([]float32)
	}
	if len(got) != len(want) {
		t.Fatalf("forward: %d values, reference %d", len(got), len(want))
	}
	scale := 1e-6
	for _, w := range want {
		scale = math.Max(scale, math.Abs(w))
	}
	for j := range want {
		if d := math.Abs(float64(got[j]) - want[j]); d > fwdTol*scale {
			t.Fatalf("forward[%d] = %v, reference %v (diff %.3g, seed %d)", j, got[j], want[j], d, gradSeed)
		}
	}

	scalarOf := func(in [][]float64) float64 {
		y := c.ref(in)
		if r == nil {
			return y[0]
		}
		var s float64
		for j := range y {
			s += r[j] * y[j]
		}
		return s
	}
	f0 := scalarOf(in64)
	for gi, i := range wrtIdx {
		ag := grads[gi].Value().Data().([]float32)
		if len(ag) != len(vals[i]) {
			t.Fatalf("input %d: gradient has %d values, input %d", i, len(ag), len(vals[i]))
		}
		kinks := 0
		for j := range in64[i] {
			orig := in64[i][j]
			in64[i][j] = orig + fdEps
			fp := scalarOf(in64)
			in64[i][j] = orig - fdEps
			fm := scalarOf(in64)
			in64[i][j] = orig
			num := (fp - fm) / (2 * fdEps)
			// A ReLU or max-pool kink within eps makes the one-sided
			// differences disagree; the derivative is not defined there.
			if dp, dm := (fp-f0)/fdEps, (f0-fm)/fdEps; math.Abs(dp-dm) > 1e-2*(1+math.Abs(num)) {
				kinks++
				continue
			}
			if d := math.Abs(float64(ag[j]) - num); d > gradAbs+gradRel*math.Abs(num) {
				t.Fatalf("input %d element %d: gradient %v, finite difference %v (seed %d)", i, j, ag[j], num, gradSeed)
			}
		}
		if kinks*20 > len(ag) {
			t.Fatalf("input %d: %d of %d elements sit on a kink; change the test data", i, kinks, len(ag))
		}
	}
}

// distinct fills v with a shuffled grid of values 0.01 apart in [-1, 1) and
// beyond, so no two values (pooling candidates) lie within a finite
// difference step of each other or of zero.
func distinct(rng *rand.Rand, _ int, v []float32) {
	for j := range v {
		v[j] = float32(j-len(v)/2)*0.01 + 0.005
	}
	rng.Shuffle(len(v), func(a, b int) { v[a], v[b] = v[b], v[a] })
}

func TestGradients(t *testing.T) {
	convCase := func(name string, n, cin, h, w, cout, kh, kw, pad int, relu, noInputGrad bool) gradCase {
		return gradCase{
			name:   name,
			shapes: [][]int{{n, cin, h, w}, {cout, cin, kh, kw}, {cout}},
			wrt:    []bool{!noInputGrad, true, true},
			build: func(in []*gorgonia.Node, bl BLAS) (*gorgonia.Node, error) {
				return Conv2D(in[0], in[1], in[2], ConvOpts{Pad: pad, ReLU: relu, NoInputGrad: noInputGrad, BLAS: bl})
			},
			ref: func(in [][]float64) []float64 {
				return refConv(in[0], in[1], in[2], n, cin, h, w, cout, kh, kw, pad, relu)
			},
		}
	}
	frozenConvCase := func(name string, n, cin, h, w, cout, k, pad int) gradCase {
		rng := rand.New(rand.NewPCG(7, 7))
		wv := make([]float32, cout*cin*k*k)
		bv := make([]float32, cout)
		for j := range wv {
			wv[j] = float32(rng.Float64() - 0.5)
		}
		for j := range bv {
			bv[j] = float32(rng.Float64() - 0.5)
		}
		w64, b64 := to64(wv), to64(bv)
		return gradCase{
			name:   name,
			shapes: [][]int{{n, cin, h, w}},
			wrt:    []bool{true},
			build: func(in []*gorgonia.Node, bl BLAS) (*gorgonia.Node, error) {
				wt := tensor.New(tensor.WithShape(cout, cin, k, k), tensor.WithBacking(append([]float32(nil), wv...)))
				bt := tensor.New(tensor.WithShape(cout), tensor.WithBacking(append([]float32(nil), bv...)))
				return FrozenConv2D(in[0], wt, bt, ConvOpts{Pad: pad, ReLU: true, BLAS: bl})
			},
			ref: func(in [][]float64) []float64 {
				return refConv(in[0], w64, b64, n, cin, h, w, cout, k, k, pad, true)
			},
		}
	}
	blockCase := func(name string, n, cin, h, w, cout, k, pad, pool int, noInputGrad bool) gradCase {
		oh, ow := h+2*pad-k+1, w+2*pad-k+1
		return gradCase{
			name:   name,
			shapes: [][]int{{n, cin, h, w}, {cout, cin, k, k}, {cout}},
			wrt:    []bool{!noInputGrad, true, true},
			build: func(in []*gorgonia.Node, bl BLAS) (*gorgonia.Node, error) {
				return ConvReLUPool(in[0], in[1], in[2], ConvPoolOpts{Pad: pad, Pool: pool, NoInputGrad: noInputGrad, BLAS: bl})
			},
			ref: func(in [][]float64) []float64 {
				return refPool(refConv(in[0], in[1], in[2], n, cin, h, w, cout, k, k, pad, true), n, cout, oh, ow, pool)
			},
		}
	}
	frozenBlockCase := func(name string, n, cin, h, w, cout, k, pad int) gradCase {
		c := blockCase(name, n, cin, h, w, cout, k, pad, 2, false)
		rng := rand.New(rand.NewPCG(8, 8))
		wv := make([]float32, cout*cin*k*k)
		bv := make([]float32, cout)
		for j := range wv {
			wv[j] = float32(rng.Float64() - 0.5)
		}
		for j := range bv {
			bv[j] = float32(rng.Float64() - 0.3)
		}
		w64, b64 := to64(wv), to64(bv)
		c.shapes, c.wrt = c.shapes[:1], []bool{true}
		c.build = func(in []*gorgonia.Node, bl BLAS) (*gorgonia.Node, error) {
			wt := tensor.New(tensor.WithShape(cout, cin, k, k), tensor.WithBacking(append([]float32(nil), wv...)))
			bt := tensor.New(tensor.WithShape(cout), tensor.WithBacking(append([]float32(nil), bv...)))
			return FrozenConvReLUPool(in[0], wt, bt, ConvPoolOpts{Pad: pad, BLAS: bl})
		}
		ref := c.ref
		c.ref = func(in [][]float64) []float64 { return ref([][]float64{in[0], w64, b64}) }
		return c
	}
	cases := []gradCase{
		blockCase("conv block 3x3 pad1 pool2", 2, 3, 6, 6, 4, 3, 1, 2, false),
		blockCase("conv block 5 images, odd size, pool2", 5, 2, 7, 5, 3, 3, 1, 2, false),
		blockCase("conv block pool3 no padding", 2, 2, 8, 8, 3, 3, 0, 3, false),
		blockCase("conv block first layer", 3, 3, 4, 4, 2, 3, 1, 2, true),
		frozenBlockCase("frozen conv block", 2, 3, 6, 6, 4, 3, 1),
		convCase("conv3x3 pad1 relu", 2, 3, 6, 6, 4, 3, 3, 1, true, false),
		convCase("conv3x3 pad1 5 images (two grad chunks)", 5, 2, 5, 5, 3, 3, 3, 1, false, false),
		convCase("conv3x3 no padding", 2, 2, 6, 5, 3, 3, 3, 0, false, false),
		convCase("conv2x3 pad2", 1, 2, 4, 5, 2, 2, 3, 2, false, false),
		convCase("conv1x1 pointwise relu", 3, 4, 3, 3, 5, 1, 1, 0, true, false),
		convCase("conv first layer (no input grad)", 2, 3, 5, 5, 4, 3, 3, 1, true, true),
		frozenConvCase("frozen conv3x3", 2, 3, 6, 6, 4, 3, 1),
		{
			name:   "maxpool2",
			shapes: [][]int{{2, 3, 6, 6}},
			wrt:    []bool{true},
			gen:    distinct,
			build:  func(in []*gorgonia.Node, _ BLAS) (*gorgonia.Node, error) { return MaxPool2D(in[0], 2) },
			ref:    func(in [][]float64) []float64 { return refPool(in[0], 2, 3, 6, 6, 2) },
		},
		{
			name:   "maxpool3 odd size",
			shapes: [][]int{{1, 2, 7, 8}},
			wrt:    []bool{true},
			gen:    distinct,
			build:  func(in []*gorgonia.Node, _ BLAS) (*gorgonia.Node, error) { return MaxPool2D(in[0], 3) },
			ref:    func(in [][]float64) []float64 { return refPool(in[0], 1, 2, 7, 8, 3) },
		},
		{
			name:   "maxpool17 (argmax found again, not recorded)",
			shapes: [][]int{{1, 2, 17, 18}},
			wrt:    []bool{true},
			gen:    distinct,
			build:  func(in []*gorgonia.Node, _ BLAS) (*gorgonia.Node, error) { return MaxPool2D(in[0], 17) },
			ref:    func(in [][]float64) []float64 { return refPool(in[0], 1, 2, 17, 18, 17) },
		},
		{
			name:   "conv relu then maxpool (mask fused into pooling gradient)",
			shapes: [][]int{{2, 3, 6, 6}, {4, 3, 3, 3}, {4}},
			wrt:    []bool{true, true, true},
			build: func(in []*gorgonia.Node, bl BLAS) (*gorgonia.Node, error) {
				y, err := Conv2D(in[0], in[1], in[2], ConvOpts{Pad: 1, ReLU: true, BLAS: bl})
				if err != nil {
					return nil, err
				}
				return MaxPool2D(y, 2)
			},
			ref: func(in [][]float64) []float64 {
				return refPool(refConv(in[0], in[1], in[2], 2, 3, 6, 6, 4, 3, 3, 1, true), 2, 4, 6, 6, 2)
			},
		},
		{
			name:   "relu then maxpool",
			shapes: [][]int{{2, 2, 4, 6}},
			wrt:    []bool{true},
			gen:    distinct,
			build: func(in []*gorgonia.Node, _ BLAS) (*gorgonia.Node, error) {
				y, err := ReLU(in[0])
				if err != nil {
					return nil, err
				}
				return MaxPool2D(y, 2)
			},
			ref: func(in [][]float64) []float64 {
				r := make([]float64, len(in[0]))
				for j, v := range in[0] {
					r[j] = math.Max(v, 0)
				}
				return refPool(r, 2, 2, 4, 6, 2)
			},
		},
		{
			name:   "channel affine",
			shapes: [][]int{{2, 3, 4, 5}, {2, 3}, {2, 3}},
			wrt:    []bool{true, true, true},
			build: func(in []*gorgonia.Node, _ BLAS) (*gorgonia.Node, error) {
				return ChannelAffine(in[0], in[1], in[2])
			},
			ref: func(in [][]float64) []float64 {
				y := make([]float64, len(in[0]))
				for j, v := range in[0] {
					p := j / 20
					y[j] = v*in[1][p] + in[2][p]
				}
				return y
			},
		},
		{
			name:   "relu",
			shapes: [][]int{{3, 7}},
			wrt:    []bool{true},
			gen:    distinct,
			build:  func(in []*gorgonia.Node, _ BLAS) (*gorgonia.Node, error) { return ReLU(in[0]) },
			ref: func(in [][]float64) []float64 {
				y := make([]float64, len(in[0]))
				for j, v := range in[0] {
					y[j] = math.Max(v, 0)
				}
				return y
			},
		},
		{
			name:   "linear on 4-D input",
			shapes: [][]int{{3, 2, 2, 2}, {4, 8}, {4}},
			wrt:    []bool{true, true, true},
			build: func(in []*gorgonia.Node, bl BLAS) (*gorgonia.Node, error) {
				return Linear(in[0], in[1], in[2], LinearOpts{BLAS: bl})
			},
			ref: func(in [][]float64) []float64 { return refLinear(in[0], in[1], in[2], 3, 8, 4) },
		},
		{
			name:   "weighted cross-entropy",
			shapes: [][]int{{4, 3}, {4, 3}},
			wrt:    []bool{true, false},
			gen: func(rng *rand.Rand, i int, v []float32) {
				for j := range v {
					if i == 0 {
						v[j] = float32(rng.Float64()*6 - 3)
					} else {
						v[j] = float32(rng.Float64())
					}
				}
			},
			build: func(in []*gorgonia.Node, _ BLAS) (*gorgonia.Node, error) { return WeightedCrossEntropy(in[0], in[1]) },
			ref:   func(in [][]float64) []float64 { return []float64{refCE(in[0], in[1], 4, 3)} },
		},
	}
	for _, bl := range backends(t) {
		for _, c := range cases {
			t.Run(backendName(bl)+"/"+c.name, func(t *testing.T) { runGradCase(t, c, bl) })
		}
	}
}

func to64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
