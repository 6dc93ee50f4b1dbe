package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LinearOpts configures Linear and FrozenLinear.
type LinearOpts struct {
	// NoInputGrad declares that no gradient is needed with respect to x.
	NoInputGrad bool
	// BLAS runs the matrix products; nil means DefaultBLAS().
	BLAS BLAS
}

// Linear adds y = flatten(x)·wᵀ + b to x's graph. x is [N, ...] and is read
// as N rows of F features (F the product of the other dimensions, so a
// [N, C, H, W] activation is flattened in C, H, W order without a copy);
// w is [M, F], b is [M], y is [N, M]. Gradients flow to x (unless
// NoInputGrad), w and b.
func Linear(x, w, b *gorgonia.Node, opts LinearOpts) (*gorgonia.Node, error) {
	ws, err := shapeOf(w, 2, "linear weights")
	if err != nil {
		return nil, err
	}
	op, err := newLinearOp(x, ws, opts)
	if err != nil {
		return nil, err
	}
	if _, err := shapeOf(b, 1, "linear bias"); err != nil {
		return nil, err
	}
	if b.Shape()[0] != op.m {
		return nil, fmt.Errorf("linear bias: %w: want [%d], got %v", ErrShape, op.m, b.Shape())
	}
	y, err := gorgonia.ApplyOp(op, x, w, b)
	if err != nil {
		return nil, fmt.Errorf("apply linear: %w", err)
	}
	return y, nil
}

// FrozenLinear is Linear with fixed weights, copied into the op; gradients
// flow to x only.
func FrozenLinear(x *gorgonia.Node, w, b *tensor.Dense, opts LinearOpts) (*gorgonia.Node, error) {
	if w == nil || b == nil {
		return nil, fmt.Errorf("frozen linear: nil weights")
	}
	wd, ws, err := f32(w, "frozen linear weights")
	if err != nil {
		return nil, err
	}
	if ws.Dims() != 2 {
		return nil, fmt.Errorf("frozen linear weights: %w: want 2 dimensions, got %v", ErrShape, ws)
	}
	op, err := newLinearOp(x, ws, opts)
	if err != nil {
		return nil, err
	}
	bd, bs, err := f32(b, "frozen linear bias")
	if err != nil {
		return nil, err
	}
	if !bs.Eq(tensor.Shape{op.m}) {
		return nil, fmt.Errorf("frozen linear bias: %w: want [%d], got %v", ErrShape, op.m, bs)
	}
	op.frozen = true
	op.w = append([]float32(nil), wd...)
	op.b = append([]float32(nil), bd...)
	y, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("apply frozen linear: %w", err)
	}
	return y, nil
}

type linearOp struct {
	opBase
	xshape      tensor.Shape // the input's shape, batch included
	f, m        int
	noInputGrad bool
	frozen      bool
	w, b        []float32
	blas        BLAS
	out         outBuf
}

func newLinearOp(x *gorgonia.Node, ws tensor.Shape, opts LinearOpts) (*linearOp, error) {
	if x == nil || x.Dims() < 2 || x.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("linear input: %w: want float32 [N, ...]", ErrShape)
	}
	xs := x.Shape()
	f := xs.TotalSize() / xs[0]
	if ws[1] != f || ws[0] < 1 {
		return nil, fmt.Errorf("linear: %w: weights %v do not take %d features of input %v", ErrShape, ws, f, xs)
	}
	bl, err := resolveBLAS(opts.BLAS)
	if err != nil {
		return nil, fmt.Errorf("linear: %w", err)
	}
	return &linearOp{xshape: xs, f: f, m: ws[0], noInputGrad: opts.NoInputGrad, blas: bl}, nil
}

func (op *linearOp) Arity() int {
	if op.frozen {
		return 1
	}
	return 3
}

func (op *linearOp) Type() hm.Type {
	if op.frozen {
		return fnT(tensorT(op.xshape.Dims()), tensorT(2))
	}
	return fnT(tensorT(op.xshape.Dims()), tensorT(2), tensorT(1), tensorT(2))
}

func (op *linearOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() < 2 {
		return nil, fmt.Errorf("linear: %w: %v", ErrShape, in[0])
	}
	return tensor.Shape{s[0], op.m}, nil
}

func (op *linearOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("linear: want %d inputs, got %d", op.Arity(), len(in))
	}
	x, xs, err := f32(in[0], "linear input")
	if err != nil {
		return nil, err
	}
	if xs.Dims() < 2 || xs.TotalSize() != xs[0]*op.f {
		return nil, fmt.Errorf("linear input: %w: %v has not %d features", ErrShape, xs, op.f)
	}
	w, b := op.w, op.b
	if !op.frozen {
		if w, _, err = f32(in[1], "linear weights"); err != nil {
			return nil, err
		}
		if b, _, err = f32(in[2], "linear bias"); err != nil {
			return nil, err
		}
		if len(w) != op.m*op.f || len(b) != op.m {
			return nil, fmt.Errorf("linear: %w: weights or bias", ErrShape)
		}
	}
	n := xs[0]
	out, y := op.out.get(n, op.m)
	for i := 0; i < n; i++ {
		copy(y[i*op.m:(i+1)*op.m], b)
	}
	op.blas.Sgemm(false, true, n, op.m, op.f, 1, x, op.f, w, op.f, 1, y, op.m)
	return out, nil
}

func (op *linearOp) WriteHash(h hash.Hash) { hashOp(h, "linear", op) }
func (op *linearOp) Hashcode() uint32      { return hashcode("linear", op) }
func (op *linearOp) String() string {
	if op.frozen {
		return fmt.Sprintf("Linear(%d→%d, frozen)", op.f, op.m)
	}
	return fmt.Sprintf("Linear(%d→%d)", op.f, op.m)
}

func (op *linearOp) DiffWRT(int) []bool {
	if op.frozen {
		return []bool{true}
	}
	return []bool{!op.noInputGrad, true, true}
}

func (op *linearOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if op.frozen {
		dx, err := gorgonia.ApplyOp(&linearInputGradOp{lin: op}, grad)
		if err != nil {
			return nil, fmt.Errorf("linear grad: input: %w", err)
		}
		return gorgonia.Nodes{dx}, nil
	}
	var dx *gorgonia.Node
	if !op.noInputGrad {
		var err error
		if dx, err = gorgonia.ApplyOp(&linearInputGradOp{lin: op}, in[1], grad); err != nil {
			return nil, fmt.Errorf("linear grad: input: %w", err)
		}
	}
	dw, err := gorgonia.ApplyOp(&linearWeightGradOp{lin: op}, in[0], grad)
	if err != nil {
		return nil, fmt.Errorf("linear grad: weights: %w", err)
	}
	db, err := gorgonia.ApplyOp(&channelSumOp{dims: 2}, grad)
	if err != nil {
		return nil, fmt.Errorf("linear grad: bias: %w", err)
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

// linearInputGradOp computes dx = dy·w, shaped like x. Inputs (w, dy), or
// (dy) when frozen.
type linearInputGradOp struct {
	opBase
	lin *linearOp
	out outBuf
}

func (op *linearInputGradOp) Arity() int {
	if op.lin.frozen {
		return 1
	}
	return 2
}

func (op *linearInputGradOp) Type() hm.Type {
	xt := tensorT(op.lin.xshape.Dims())
	if op.lin.frozen {
		return fnT(tensorT(2), xt)
	}
	return fnT(tensorT(2), tensorT(2), xt)
}

func (op *linearInputGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	ds, ok := in[len(in)-1].(tensor.Shape)
	if !ok || ds.Dims() != 2 {
		return nil, fmt.Errorf("linear input grad: %w: %v", ErrShape, in[len(in)-1])
	}
	s := op.lin.xshape.Clone()
	s[0] = ds[0]
	return s, nil
}

func (op *linearInputGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	w := op.lin.w
	if !op.lin.frozen {
		var err error
		if w, _, err = f32(in[0], "linear input grad weights"); err != nil {
			return nil, err
		}
	}
	dy, ds, err := f32(in[len(in)-1], "linear input grad")
	if err != nil {
		return nil, err
	}
	if ds.Dims() != 2 || ds[1] != op.lin.m || len(w) != op.lin.m*op.lin.f {
		return nil, fmt.Errorf("linear input grad: %w: gradient %v", ErrShape, ds)
	}
	s := op.lin.xshape.Clone()
	s[0] = ds[0]
	out, dx := op.out.get(s...)
	op.lin.blas.Sgemm(false, false, ds[0], op.lin.f, op.lin.m, 1, dy, op.lin.m, w, op.lin.f, 0, dx, op.lin.f)
	return out, nil
}

func (op *linearInputGradOp) WriteHash(h hash.Hash) { hashOp(h, "linear-dx", op) }
func (op *linearInputGradOp) Hashcode() uint32      { return hashcode("linear-dx", op) }
func (op *linearInputGradOp) String() string        { return "LinearInputGrad" }

// linearWeightGradOp computes dw = dyᵀ·flatten(x). Inputs (x, dy).
type linearWeightGradOp struct {
	opBase
	lin *linearOp
	out outBuf
}

func (op *linearWeightGradOp) Arity() int { return 2 }
func (op *linearWeightGradOp) Type() hm.Type {
	return fnT(tensorT(op.lin.xshape.Dims()), tensorT(2), tensorT(2))
}
func (op *linearWeightGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.lin.m, op.lin.f}, nil
}

func (op *linearWeightGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, xs, err := f32(in[0], "linear weight grad input")
	if err != nil {
		return nil, err
	}
	dy, ds, err := f32(in[1], "linear weight grad")
	if err != nil {
		return nil, err
	}
	if ds.Dims() != 2 || ds[1] != op.lin.m || xs[0] != ds[0] || len(x) != ds[0]*op.lin.f {
		return nil, fmt.Errorf("linear weight grad: %w: input %v, gradient %v", ErrShape, xs, ds)
	}
	out, dw := op.out.get(op.lin.m, op.lin.f)
	op.lin.blas.Sgemm(true, false, op.lin.m, op.lin.f, ds[0], 1, dy, op.lin.m, x, op.lin.f, 0, dw, op.lin.f)
	return out, nil
}

func (op *linearWeightGradOp) WriteHash(h hash.Hash) { hashOp(h, "linear-dw", op) }
func (op *linearWeightGradOp) Hashcode() uint32      { return hashcode("linear-dw", op) }
func (op *linearWeightGradOp) String() string        { return "LinearWeightGrad" }

var (
	_ gorgonia.SDOp = (*linearOp)(nil)
	_ gorgonia.Op   = (*linearInputGradOp)(nil)
	_ gorgonia.Op   = (*linearWeightGradOp)(nil)
)
