package seg

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/gorgonia"

	"github.com/cgx-dev/cgx/ml/nn/gradcheck"
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
	gradcheck.Run(t, gradcheck.Case{Name: c.name, Shapes: c.shapes, Wrt: c.wrt, Gen: c.gen, Build: c.build, Ref: c.ref}, rng,
		gradcheck.Tolerance{Forward: 1e-5, GradAbs: 1e-3, GradRel: 1e-3, Eps: 1e-3})
}
