package manip

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

// softplus(r) = log(1+e^r), computed without overflow.
func softplus(r float64) float64 {
	return math.Max(r, 0) + fmath.Log1p(fmath.Exp(-math.Abs(r)))
}

// sigmoid(r) = 1/(1+e^-r), the derivative of softplus.
func sigmoid(r float64) float64 {
	if r >= 0 {
		return 1 / (1 + fmath.Exp(-r))
	}
	e := fmath.Exp(r)
	return e / (1 + e)
}

// Reparam maps raw optimiser variables raw [N,k] to parameter values [N,k]
// with each parameter's Value (softplus where Param.Softplus, else the raw
// variable unchanged). When no parameter uses softplus it returns raw itself.
func Reparam(raw *gorgonia.Node, params []Param) (*gorgonia.Node, error) {
	s := raw.Shape()
	if s.Dims() != 2 || s[1] != len(params) {
		return nil, fmt.Errorf("reparameterise: %w: raw variables have shape %v, want [N,%d]", ErrShape, s, len(params))
	}
	if raw.Dtype() != tensor.Float32 && raw.Dtype() != tensor.Float64 {
		return nil, fmt.Errorf("reparameterise: %w: dtype %v, want float32 or float64", ErrShape, raw.Dtype())
	}
	op := &reparamOp{n: s[0], softplus: make([]bool, len(params))}
	any := false
	for i, p := range params {
		op.softplus[i] = p.Softplus
		any = any || p.Softplus
	}
	if !any {
		return raw, nil
	}
	v, err := gorgonia.ApplyOp(op, raw)
	if err != nil {
		return nil, fmt.Errorf("reparameterise: %w", err)
	}
	return v, nil
}

// reparamOp applies softplus to the marked columns of an [N,k] matrix. With
// grad set it is the backward op instead: (raw, dL/dvalues) -> dL/draw.
type reparamOp struct {
	n        int
	softplus []bool
	grad     bool
}

var (
	_ gorgonia.SDOp = (*reparamOp)(nil)
	_ gorgonia.Op   = (*reparamOp)(nil)
)

func (op *reparamOp) Arity() int {
	if op.grad {
		return 2
	}
	return 1
}

func (op *reparamOp) Type() hm.Type {
	t := gorgonia.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	if op.grad {
		return hm.NewFnType(t, t, t)
	}
	return hm.NewFnType(t, t)
}

func (op *reparamOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.n, len(op.softplus)}, nil
}

func (op *reparamOp) ReturnsPtr() bool     { return false }
func (op *reparamOp) CallsExtern() bool    { return false }
func (op *reparamOp) OverwritesInput() int { return -1 }

func (op *reparamOp) String() string {
	if op.grad {
		return fmt.Sprintf("manip.reparamGrad%v", op.softplus)
	}
	return fmt.Sprintf("manip.reparam%v", op.softplus)
}

func (op *reparamOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "%s(%d)", op, op.n) }

func (op *reparamOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (op *reparamOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("%s: %w: %d inputs, want %d", op, ErrShape, len(inputs), op.Arity())
	}
	shape := tensor.Shape{op.n, len(op.softplus)}
	raw, err := dense(inputs[0], shape)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	var g *tensor.Dense
	if op.grad {
		if g, err = dense(inputs[1], shape); err != nil {
			return nil, fmt.Errorf("%s: %w", op, err)
		}
		if g.Dtype() != raw.Dtype() {
			return nil, fmt.Errorf("%s: %w: mixed dtypes %v and %v", op, ErrShape, raw.Dtype(), g.Dtype())
		}
	}
	out := tensor.New(tensor.Of(raw.Dtype()), tensor.WithShape(shape...))
	switch rd := raw.Data().(type) {
	case []float32:
		var gd []float32
		if g != nil {
			gd = g.Data().([]float32)
		}
		reparamRows(op, out.Data().([]float32), rd, gd)
	case []float64:
		var gd []float64
		if g != nil {
			gd = g.Data().([]float64)
		}
		reparamRows(op, out.Data().([]float64), rd, gd)
	default:
		return nil, fmt.Errorf("%s: %w: dtype %v", op, ErrShape, raw.Dtype())
	}
	return out, nil
}

func reparamRows[T float](op *reparamOp, out, raw, g []T) {
	k := len(op.softplus)
	for i, r := range raw {
		sp := op.softplus[i%k]
		switch {
		case op.grad && sp:
			out[i] = T(float64(g[i]) * sigmoid(float64(r)))
		case op.grad:
			out[i] = g[i]
		case sp:
			out[i] = T(softplus(float64(r)))
		default:
			out[i] = r
		}
	}
}

func (op *reparamOp) DiffWRT(int) []bool {
	if op.grad {
		return []bool{false, false}
	}
	return []bool{true}
}

func (op *reparamOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.grad {
		return nil, fmt.Errorf("%s: second derivatives are not supported", op)
	}
	back := &reparamOp{n: op.n, softplus: op.softplus, grad: true}
	g, err := gorgonia.ApplyOp(back, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("%s: differentiate: %w", op, err)
	}
	return gorgonia.Nodes{g}, nil
}
