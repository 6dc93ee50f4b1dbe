package fit

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// crossEntropy returns the per-image cross-entropy of two logits against
// the target class, -log softmax(l)[target], and the target-class
// probability, exp(-cross-entropy), computed stably in float64.
func crossEntropy(l0, l1 float64, target int) (ce, prob float64) {
	lt, lo := l1, l0
	if target == 0 {
		lt, lo = l0, l1
	}
	// -log(e^lt / (e^lt + e^lo)) = log(1 + e^(lo-lt)) = softplus(lo-lt).
	d := lo - lt
	ce = math.Max(d, 0) + fmath.Log1p(fmath.Exp(-math.Abs(d)))
	return ce, fmath.Exp(-ce)
}

// xentOp sums the per-image cross-entropies of logits [N,2] against one
// target class into a scalar. With grad set it is the backward op:
// (logits, dL/dloss) -> dL/dlogits = dL/dloss * (softmax - onehot).
type xentOp struct {
	n, target int
	grad      bool
}

var (
	_ gorgonia.Op   = (*xentOp)(nil)
	_ gorgonia.SDOp = (*xentOp)(nil)
)

func (op *xentOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}

func (op *xentOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 2, Of: a}
	if op.grad {
		return hm.NewFnType(t, a, t)
	}
	return hm.NewFnType(t, a)
}

func (op *xentOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	if op.grad {
		return tensor.Shape{op.n, 2}, nil
	}
	return tensor.ScalarShape(), nil
}

func (op *xentOp) ReturnsPtr() bool     { return false }
func (op *xentOp) CallsExtern() bool    { return false }
func (op *xentOp) OverwritesInput() int { return -1 }

func (op *xentOp) String() string {
	if op.grad {
		return fmt.Sprintf("fit.xentGrad(target=%d)", op.target)
	}
	return fmt.Sprintf("fit.xent(target=%d)", op.target)
}

func (op *xentOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s[%d]", op, op.n) }

func (op *xentOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (op *xentOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("%s: %d inputs, want %d", op, len(inputs), op.Arity())
	}
	lv, ok := inputs[0].(*tensor.Dense)
	if !ok || !lv.Shape().Eq(tensor.Shape{op.n, 2}) {
		return nil, fmt.Errorf("%s: %w: logits %v, want a [%d,2] tensor", op, ErrClassifier, inputs[0].Shape(), op.n)
	}
	if lv.IsView() {
		lv = lv.Materialize().(*tensor.Dense)
	}
	logits, err := float64s(lv.Data())
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	if !op.grad {
		var sum float64
		for i := range op.n {
			ce, _ := crossEntropy(logits[2*i], logits[2*i+1], op.target)
			sum += ce
		}
		if lv.Dtype() == tensor.Float32 {
			return gorgonia.NewF32(float32(sum)), nil
		}
		return gorgonia.NewF64(sum), nil
	}
	gs, err := scalar(inputs[1])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	g := make([]float64, 2*op.n)
	for i := range op.n {
		_, p := crossEntropy(logits[2*i], logits[2*i+1], op.target)
		// d ce/d l_target = p - 1, d ce/d l_other = 1 - p.
		g[2*i+op.target] = gs * (p - 1)
		g[2*i+1-op.target] = gs * (1 - p)
	}
	if lv.Dtype() == tensor.Float32 {
		g32 := make([]float32, len(g))
		for i, v := range g {
			g32[i] = float32(v)
		}
		return tensor.New(tensor.WithShape(op.n, 2), tensor.WithBacking(g32)), nil
	}
	return tensor.New(tensor.WithShape(op.n, 2), tensor.WithBacking(g)), nil
}

func (op *xentOp) DiffWRT(int) []bool {
	if op.grad {
		return []bool{false, false}
	}
	return []bool{true}
}

func (op *xentOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("%s: second derivatives are not supported", op)
	}
	g, err := gorgonia.ApplyOp(&xentOp{n: op.n, target: op.target, grad: true}, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("%s: differentiate: %w", op, err)
	}
	return gorgonia.Nodes{g}, nil
}

// float64s copies float32 or float64 data into float64s.
func float64s(d any) ([]float64, error) {
	switch d := d.(type) {
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out, nil
	case []float64:
		return append([]float64(nil), d...), nil
	}
	return nil, fmt.Errorf("%w: data of type %T, want float32 or float64", ErrClassifier, d)
}

// scalar reads a scalar gorgonia value.
func scalar(v gorgonia.Value) (float64, error) {
	switch d := v.Data().(type) {
	case float32:
		return float64(d), nil
	case float64:
		return d, nil
	case []float32:
		if len(d) == 1 {
			return float64(d[0]), nil
		}
	case []float64:
		if len(d) == 1 {
			return d[0], nil
		}
	}
	return 0, fmt.Errorf("%w: gradient %v is not a scalar", ErrClassifier, v)
}
