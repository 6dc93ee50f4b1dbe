package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// WeightedCrossEntropy adds the scalar
//
//	L = Σ_n Σ_k targets[n,k] · (−log softmax(logits[n])_k)
//
// to the graph. logits and targets are [N, K] float32; targets is data (no
// gradient flows to it). Its weights choose the reduction: one-hot rows
// divided by N give the mean cross-entropy used for training; one-hot rows
// give the sum, whose gradient with respect to each image's inputs is that
// image's own loss gradient (per-image fitting); a zero row drops an image
// (one that already reached its target). The softmax is computed stably in
// float64, with portable exp and log (internal/fmath).
func WeightedCrossEntropy(logits, targets *gorgonia.Node) (*gorgonia.Node, error) {
	ls, err := shapeOf(logits, 2, "cross-entropy logits")
	if err != nil {
		return nil, err
	}
	ts, err := shapeOf(targets, 2, "cross-entropy targets")
	if err != nil {
		return nil, err
	}
	if !ls.Eq(ts) {
		return nil, fmt.Errorf("cross-entropy: %w: logits %v, targets %v", ErrShape, ls, ts)
	}
	y, err := gorgonia.ApplyOp(&crossEntropyOp{}, logits, targets)
	if err != nil {
		return nil, fmt.Errorf("apply cross-entropy: %w", err)
	}
	return y, nil
}

// LogSoftmax returns log softmax of each of the n rows of k logits, in
// float64.
func LogSoftmax(logits []float32, n, k int) []float64 {
	out := make([]float64, n*k)
	for i := 0; i < n; i++ {
		logSoftmaxRow(logits[i*k:(i+1)*k], out[i*k:(i+1)*k])
	}
	return out
}

func logSoftmaxRow(z []float32, out []float64) {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, float64(v))
	}
	var s float64
	for _, v := range z {
		s += fmath.Exp(float64(v) - m)
	}
	lse := m + fmath.Log(s)
	for j, v := range z {
		out[j] = float64(v) - lse
	}
}

type crossEntropyOp struct{ opBase }

func (op *crossEntropyOp) Arity() int { return 2 }
func (op *crossEntropyOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 2, Of: a}
	return fnT(t, t, a)
}
func (op *crossEntropyOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

func ceInputs(in []gorgonia.Value) (z, t []float32, n, k int, err error) {
	z, zs, err := f32(in[0], "cross-entropy logits")
	if err != nil {
		return nil, nil, 0, 0, err
	}
	t, ts, err := f32(in[1], "cross-entropy targets")
	if err != nil {
		return nil, nil, 0, 0, err
	}
	if zs.Dims() != 2 || !zs.Eq(ts) {
		return nil, nil, 0, 0, fmt.Errorf("cross-entropy: %w: logits %v, targets %v", ErrShape, zs, ts)
	}
	return z, t, zs[0], zs[1], nil
}

func (op *crossEntropyOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	z, t, n, k, err := ceInputs(in)
	if err != nil {
		return nil, err
	}
	ls := make([]float64, k)
	var loss float64
	for i := 0; i < n; i++ {
		logSoftmaxRow(z[i*k:(i+1)*k], ls)
		for j, w := range t[i*k : (i+1)*k] {
			if w != 0 {
				loss -= float64(float64(w) * ls[j])
			}
		}
	}
	return gorgonia.NewF32(float32(loss)), nil
}

func (op *crossEntropyOp) WriteHash(h hash.Hash) { hashOp(h, "cross-entropy", op) }
func (op *crossEntropyOp) Hashcode() uint32      { return hashcode("cross-entropy", op) }
func (op *crossEntropyOp) String() string        { return "WeightedCrossEntropy" }
func (op *crossEntropyOp) DiffWRT(int) []bool    { return []bool{true, false} }
func (op *crossEntropyOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dz, err := gorgonia.ApplyOp(&crossEntropyGradOp{}, in[0], in[1], grad)
	if err != nil {
		return nil, fmt.Errorf("cross-entropy grad: %w", err)
	}
	return gorgonia.Nodes{dz, nil}, nil
}

// crossEntropyGradOp computes dL/dz[n,j] = g·(p[n,j]·Σ_k t[n,k] − t[n,j]).
// Inputs (logits, targets, g).
type crossEntropyGradOp struct {
	opBase
	out outBuf
}

func (op *crossEntropyGradOp) Arity() int { return 3 }
func (op *crossEntropyGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := gorgonia.TensorType{Dims: 2, Of: a}
	return fnT(t, t, a, t)
}
func (op *crossEntropyGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("cross-entropy grad: %w: %v", ErrShape, in[0])
	}
	return s.Clone(), nil
}

func (op *crossEntropyGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	z, t, n, k, err := ceInputs(in)
	if err != nil {
		return nil, err
	}
	g, err := scalarF32(in[2])
	if err != nil {
		return nil, fmt.Errorf("cross-entropy grad: %w", err)
	}
	out, dz := op.out.get(n, k)
	ls := make([]float64, k)
	for i := 0; i < n; i++ {
		logSoftmaxRow(z[i*k:(i+1)*k], ls)
		tr := t[i*k : (i+1)*k]
		var tsum float64
		for _, w := range tr {
			tsum += float64(w)
		}
		for j := range tr {
			dz[i*k+j] = float32(float64(g) * (float64(fmath.Exp(ls[j])*tsum) - float64(tr[j])))
		}
	}
	return out, nil
}

func (op *crossEntropyGradOp) WriteHash(h hash.Hash) { hashOp(h, "cross-entropy-grad", op) }
func (op *crossEntropyGradOp) Hashcode() uint32      { return hashcode("cross-entropy-grad", op) }
func (op *crossEntropyGradOp) String() string        { return "WeightedCrossEntropyGrad" }

var (
	_ gorgonia.SDOp = (*crossEntropyOp)(nil)
	_ gorgonia.Op   = (*crossEntropyGradOp)(nil)
)
