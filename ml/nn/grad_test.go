package nn

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/cgx-dev/cgx/ml/nn/gradcheck"
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
	if _, ok := b.(portableBLAS); ok {
		return "portable"
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

const gradSeed = 20260511

// gradTol: forward values relative to the largest |value|; gradients with
// ReLU and max-pool kinks skipped.
var gradTol = gradcheck.Tolerance{Forward: 2e-5, OfLargest: true, GradAbs: 2e-3, GradRel: 2e-3, Eps: 1e-3, SkipKinks: true}

func runGradCase(t *testing.T, c gradCase, bl BLAS) {
	t.Helper()
	h := fnv.New64a()
	h.Write([]byte(c.name))
	rng := rand.New(rand.NewPCG(gradSeed, h.Sum64()))
	gradcheck.Run(t, gradcheck.Case{
		Name: c.name, Shapes: c.shapes, Wrt: c.wrt, Gen: c.gen, Ref: c.ref,
		Build: func(in []*gorgonia.Node) (*gorgonia.Node, error) { return c.build(in, bl) },
	}, rng, gradTol)
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
