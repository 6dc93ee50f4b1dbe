package seg

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/ml/nn"
)

// opCase checks one op of this package: its forward value against a float64
// reference, and its gradient (of Σ r·op(x) for a fixed random r, or of the
// op itself when it is scalar) against central finite differences of that
// reference.
type opCase struct {
	name   string
	shapes [][]int
	wrt    []bool // inputs whose gradient is checked; others are plain data
	gen    func(rng *rand.Rand, i int, v []float32)
	build  func(in []*gorgonia.Node) (*gorgonia.Node, error)
	ref    func(in [][]float64) []float64
}

func TestOpGradients(t *testing.T) {
	cases := []opCase{
		{
			name: "upsample2x", shapes: [][]int{{2, 3, 3, 4}}, wrt: []bool{true},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) { return Upsample2x(in[0]) },
			ref: func(in [][]float64) []float64 {
				x := in[0]
				out := make([]float64, 0, 4*len(x))
				for p := 0; p < 6; p++ {
					for r := 0; r < 6; r++ {
						for c := 0; c < 8; c++ {
							out = append(out, x[p*12+(r/2)*4+c/2])
						}
					}
				}
				return out
			},
		},
		{
			name: "concat", shapes: [][]int{{2, 2, 3, 3}, {2, 3, 3, 3}}, wrt: []bool{true, true},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) { return ConcatChannels(in[0], in[1]) },
			ref: func(in [][]float64) []float64 {
				var out []float64
				for i := 0; i < 2; i++ {
					out = append(out, in[0][i*18:(i+1)*18]...)
					out = append(out, in[1][i*27:(i+1)*27]...)
				}
				return out
			},
		},
		{
			name: "bce", shapes: [][]int{{2, 2, 3, 3}, {2, 2, 3, 3}, {2, 2, 3, 3}}, wrt: []bool{true, false, false},
			gen: func(rng *rand.Rand, i int, v []float32) {
				for j := range v {
					switch i {
					case 0:
						v[j] = float32(rng.Float64()*8 - 4) // logits, both signs
					case 1:
						v[j] = float32(rng.IntN(2)) // targets 0/1
					default:
						v[j] = float32(rng.Float64()) // weights
					}
				}
			},
			build: func(in []*gorgonia.Node) (*gorgonia.Node, error) { return SigmoidBCE(in[0], in[1], in[2]) },
			ref: func(in [][]float64) []float64 {
				var l float64
				for i, z := range in[0] {
					p := 1 / (1 + math.Exp(-z))
					t := in[1][i]
					l -= in[2][i] * (t*math.Log(p) + (1-t)*math.Log(1-p))
				}
				return []float64{l}
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { runOpCase(t, c) })
	}
}

func runOpCase(t *testing.T, c opCase) {
	const seed = 20260601
	rng := rand.New(rand.NewPCG(seed, uint64(len(c.name))))
	g := gorgonia.NewGraph()
	vals := make([][]float32, len(c.shapes))
	nodes := make([]*gorgonia.Node, len(c.shapes))
	var wrt []*gorgonia.Node
	var wrtIdx []int
	for i, s := range c.shapes {
		vals[i] = make([]float32, tensor.Shape(s).TotalSize())
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
			wrt, wrtIdx = append(wrt, nodes[i]), append(wrtIdx, i)
		}
	}
	out, err := c.build(nodes)
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
		s, err := nn.ScalarFloat32(out.Value())
		if err != nil {
			t.Fatal(err)
		}
		got = []float32{s}
	} else {
		got = out.Value().Data().([]float32)
	}
	if len(got) != len(want) {
		t.Fatalf("forward has %d values, reference %d", len(got), len(want))
	}
	for j := range want {
		if math.Abs(float64(got[j])-want[j]) > 1e-5*math.Max(1, math.Abs(want[j])) {
			t.Fatalf("forward[%d] = %v, reference %v", j, got[j], want[j])
		}
	}
	refCost := func(in [][]float64) float64 {
		v := c.ref(in)
		if r == nil {
			return v[0]
		}
		var s float64
		for j := range v {
			s += r[j] * v[j]
		}
		return s
	}
	const eps = 1e-3
	for k, i := range wrtIdx {
		gv := grads[k].Value().Data().([]float32)
		for j := range in64[i] {
			orig := in64[i][j]
			in64[i][j] = orig + eps
			up := refCost(in64)
			in64[i][j] = orig - eps
			down := refCost(in64)
			in64[i][j] = orig
			fd := (up - down) / (2 * eps)
			if math.Abs(float64(gv[j])-fd) > 1e-3+1e-3*math.Abs(fd) {
				t.Errorf("d cost / d in%d[%d] = %v, finite difference %v", i, j, gv[j], fd)
			}
		}
	}
}
