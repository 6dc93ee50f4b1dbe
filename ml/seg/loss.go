package seg

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/ml/nn"
)

// SigmoidBCE adds the weighted binary cross-entropy of logits against
// targets to the graph:
//
//	L = Σ_i w_i · (max(z_i, 0) − z_i·t_i + log(1 + exp(−|z_i|)))
//
// which is −w·(t·log σ(z) + (1−t)·log(1−σ(z))) computed without overflow.
// logits, targets and weights have one shape; targets and weights are data
// (no gradient). Weights choose the reduction (1/count for a mean) and can
// drop or emphasise pixels. The sum runs in float64 in index order, so the
// result is the same whatever GOMAXPROCS is. dL/dz_i = w_i·(σ(z_i) − t_i).
func SigmoidBCE(logits, targets, weights *gorgonia.Node) (*gorgonia.Node, error) {
	ls, err := shape4(logits, "bce logits")
	if err != nil {
		return nil, err
	}
	for _, n := range []*gorgonia.Node{targets, weights} {
		s, err := shape4(n, "bce targets and weights")
		if err != nil {
			return nil, err
		}
		if !s.Eq(ls) {
			return nil, fmt.Errorf("bce: %w: logits %v, targets or weights %v", ErrTensor, ls, s)
		}
	}
	y, err := gorgonia.ApplyOp(&bceOp{shape: ls.Clone()}, logits, targets, weights)
	if err != nil {
		return nil, fmt.Errorf("apply bce: %w", err)
	}
	return y, nil
}

type bceOp struct {
	nn.OpBase
	shape tensor.Shape
}

func (op *bceOp) Arity() int { return 3 }
func (op *bceOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 4, Of: a}
	return hm.NewFnType(t, t, t, a)
}
func (op *bceOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func (op *bceOp) inputs(in []gorgonia.Value) (z, t, w []float32, err error) {
	if z, err = value4(in[0], op.shape, "bce logits"); err != nil {
		return
	}
	if t, err = value4(in[1], op.shape, "bce targets"); err != nil {
		return
	}
	w, err = value4(in[2], op.shape, "bce weights")
	return
}

// bceTerm is one pixel's unweighted loss, in float64.
func bceTerm(z, t float32) float64 {
	zf := float64(z)
	return math.Max(zf, 0) - float64(zf*float64(t)) + fmath.Log1p(fmath.Exp(-math.Abs(zf)))
}

func (op *bceOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	z, t, w, err := op.inputs(in)
	if err != nil {
		return nil, err
	}
	var loss float64
	for i := range z {
		if w[i] != 0 {
			loss += float64(float64(w[i]) * bceTerm(z[i], t[i]))
		}
	}
	return gorgonia.NewF32(float32(loss)), nil
}

func (op *bceOp) WriteHash(h hash.Hash) { nn.OpHash(h, "seg.bce", op) }
func (op *bceOp) Hashcode() uint32      { return nn.OpHashcode("seg.bce", op) }
func (op *bceOp) String() string        { return "SigmoidBCE" }
func (op *bceOp) DiffWRT(int) []bool    { return []bool{true, false, false} }

func (op *bceOp) SymDiff(in gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dz, err := gorgonia.ApplyOp(&bceGradOp{fwd: op}, in[0], in[1], in[2], grad)
	if err != nil {
		return nil, fmt.Errorf("bce grad: %w", err)
	}
	return gorgonia.Nodes{dz, nil, nil}, nil
}

// bceGradOp computes g·w·(σ(z) − t); inputs (logits, targets, weights, g).
type bceGradOp struct {
	nn.OpBase
	fwd *bceOp
	out nn.OutBuf
}

func (op *bceGradOp) Arity() int { return 4 }
func (op *bceGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 4, Of: a}
	return hm.NewFnType(t, t, t, a, t)
}
func (op *bceGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.fwd.shape.Clone(), nil
}

func (op *bceGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	z, t, w, err := op.fwd.inputs(in[:3])
	if err != nil {
		return nil, err
	}
	g, err := nn.ScalarFloat32(in[3])
	if err != nil {
		return nil, fmt.Errorf("bce grad: %w", err)
	}
	s := op.fwd.shape
	out, dz := op.out.Get(s[0], s[1], s[2], s[3])
	for i := range z {
		dz[i] = float32(float64(g) * float64(w[i]) * (sigmoid(float64(z[i])) - float64(t[i])))
	}
	return out, nil
}

func (op *bceGradOp) WriteHash(h hash.Hash) { nn.OpHash(h, "seg.bce-grad", op) }
func (op *bceGradOp) Hashcode() uint32      { return nn.OpHashcode("seg.bce-grad", op) }
func (op *bceGradOp) String() string        { return "SigmoidBCEGrad" }

// sigmoid is 1/(1+exp(−z)), computed without overflow.
func sigmoid(z float64) float64 {
	if z >= 0 {
		return 1 / (1 + fmath.Exp(-z))
	}
	e := fmath.Exp(z)
	return e / (1 + e)
}

var (
	_ gorgonia.SDOp = (*bceOp)(nil)
	_ gorgonia.Op   = (*bceGradOp)(nil)
)
