package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// elemChunk is the number of elements per task of elementwise kernels.
const elemChunk = 1 << 15

// ReLU adds y = max(0, x) to x's graph (any shape, float32). Conv2D can fuse
// it instead (ConvOpts.ReLU), which saves a pass over memory.
func ReLU(x *gorgonia.Node) (*gorgonia.Node, error) {
	if x == nil || x.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("relu: %w", ErrDtype)
	}
	y, err := gorgonia.ApplyOp(&reluOp{dims: x.Dims()}, x)
	if err != nil {
		return nil, fmt.Errorf("apply relu: %w", err)
	}
	return y, nil
}

type reluOp struct {
	opBase
	dims int
	out  outBuf
}

func (op *reluOp) Arity() int    { return 1 }
func (op *reluOp) Type() hm.Type { return fnT(tensorT(op.dims), tensorT(op.dims)) }
func (op *reluOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("relu: %w: %v", ErrShape, in[0])
	}
	return s.Clone(), nil
}

func (op *reluOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, s, err := f32(in[0], "relu")
	if err != nil {
		return nil, err
	}
	out, y := op.out.get(s...)
	forChunks(len(x), func(lo, hi int) {
		for i, v := range x[lo:hi] {
			y[lo+i] = max(v, 0)
		}
	})
	return out, nil
}

func (op *reluOp) WriteHash(h hash.Hash) { hashOp(h, "relu", op) }
func (op *reluOp) Hashcode() uint32      { return hashcode("relu", op) }
func (op *reluOp) String() string        { return "ReLU" }
func (op *reluOp) DiffWRT(int) []bool    { return []bool{true} }
func (op *reluOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if reluMasked(out, grad) {
		return gorgonia.Nodes{grad}, nil
	}
	dx, err := gorgonia.ApplyOp(&reluGradOp{}, out, grad)
	if err != nil {
		return nil, fmt.Errorf("relu grad: %w", err)
	}
	return gorgonia.Nodes{dx}, nil
}

// reluGradOp computes dx = dy where y > 0, else 0. Inputs (y, dy).
type reluGradOp struct {
	opBase
	out outBuf
}

func (op *reluGradOp) Arity() int { return 2 }
func (op *reluGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return fnT(a, a, a)
}
func (op *reluGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[1].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("relu grad: %w: %v", ErrShape, in[1])
	}
	return s.Clone(), nil
}

func (op *reluGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	y, ys, err := f32(in[0], "relu grad output")
	if err != nil {
		return nil, err
	}
	dy, ds, err := f32(in[1], "relu grad")
	if err != nil {
		return nil, err
	}
	if err := sameShape(ds, ys, "relu grad"); err != nil {
		return nil, err
	}
	out, dx := op.out.get(ds...)
	forChunks(len(dy), func(lo, hi int) {
		yy := y[lo:hi]
		for i, g := range dy[lo:hi] {
			if yy[i] > 0 {
				dx[lo+i] = g
			} else {
				dx[lo+i] = 0
			}
		}
	})
	return out, nil
}

func (op *reluGradOp) WriteHash(h hash.Hash) { hashOp(h, "relu-grad", op) }
func (op *reluGradOp) Hashcode() uint32      { return hashcode("relu-grad", op) }
func (op *reluGradOp) String() string        { return "ReLUGrad" }

// forChunks runs f over [0, n) in pieces of elemChunk on the workers.
func forChunks(n int, f func(lo, hi int)) {
	chunks := (n + elemChunk - 1) / elemChunk
	forEach(chunks, func(c, _ int) {
		f(c*elemChunk, min(n, (c+1)*elemChunk))
	})
}

var (
	_ gorgonia.SDOp = (*reluOp)(nil)
	_ gorgonia.Op   = (*reluGradOp)(nil)
)
