package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvOpts configures Conv2D and FrozenConv2D.
type ConvOpts struct {
	// Pad is the number of zero rows and columns added on every side
	// (1 keeps a 3×3 convolution's output the size of its input).
	Pad int
	// ReLU applies max(0, ·) to the output, fused into the kernel.
	ReLU bool
	// NoInputGrad declares that no gradient is needed with respect to x
	// (the first layer of a network being trained), which saves the
	// input-gradient kernel. Asking gorgonia.Grad for x then fails.
	NoInputGrad bool
	// BLAS runs the matrix products; nil means DefaultBLAS().
	BLAS BLAS
}

// Conv2D adds y = act(conv(x, w) + b) to x's graph, a stride-1 convolution
// (cross-correlation, as in PyTorch) with zero padding. x is [N, C, H, W],
// w is [Cout, C, KH, KW], b is [Cout]; y is [N, Cout, H+2·Pad-KH+1,
// W+2·Pad-KW+1]. All float32. Gradients flow to x (unless NoInputGrad),
// w and b.
func Conv2D(x, w, b *gorgonia.Node, opts ConvOpts) (*gorgonia.Node, error) {
	ws, err := shapeOf(w, 4, "conv2d weights")
	if err != nil {
		return nil, err
	}
	op, err := newConvOp(x, ws, opts)
	if err != nil {
		return nil, err
	}
	if _, err := shapeOf(b, 1, "conv2d bias"); err != nil {
		return nil, err
	}
	if b.Shape()[0] != op.cout {
		return nil, fmt.Errorf("conv2d bias: %w: want [%d], got %v", ErrShape, op.cout, b.Shape())
	}
	y, err := gorgonia.ApplyOp(op, x, w, b)
	if err != nil {
		return nil, fmt.Errorf("apply conv2d: %w", err)
	}
	return y, nil
}

// FrozenConv2D is Conv2D with fixed weights: w and b are copied into the op
// (later changes to them do not reach the graph) and no gradient is computed
// for them. Gradients flow to x only.
func FrozenConv2D(x *gorgonia.Node, w, b *tensor.Dense, opts ConvOpts) (*gorgonia.Node, error) {
	if w == nil || b == nil {
		return nil, fmt.Errorf("frozen conv2d: nil weights")
	}
	wd, ws, err := f32(w, "frozen conv2d weights")
	if err != nil {
		return nil, err
	}
	if ws.Dims() != 4 {
		return nil, fmt.Errorf("frozen conv2d weights: %w: want 4 dimensions, got %v", ErrShape, ws)
	}
	op, err := newConvOp(x, ws, opts)
	if err != nil {
		return nil, err
	}
	bd, bs, err := f32(b, "frozen conv2d bias")
	if err != nil {
		return nil, err
	}
	if !bs.Eq(tensor.Shape{op.cout}) {
		return nil, fmt.Errorf("frozen conv2d bias: %w: want [%d], got %v", ErrShape, op.cout, bs)
	}
	op.frozen = true
	op.w = append([]float32(nil), wd...)
	op.b = append([]float32(nil), bd...)
	y, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("apply frozen conv2d: %w", err)
	}
	return y, nil
}

// convOp is the forward convolution. Trainable: inputs (x, w, b). Frozen:
// input x, weights held in w and b.
type convOp struct {
	opBase
	geom        convGeom // batch-independent geometry for x's shape
	cout        int
	relu        bool
	noInputGrad bool
	frozen      bool
	w, b        []float32
	blas        BLAS
	out         outBuf
	cols        scratch
}

func newConvOp(x *gorgonia.Node, ws tensor.Shape, opts ConvOpts) (*convOp, error) {
	xs, err := shapeOf(x, 4, "conv2d input")
	if err != nil {
		return nil, err
	}
	if opts.Pad < 0 {
		return nil, fmt.Errorf("conv2d: negative padding %d", opts.Pad)
	}
	if ws[1] != xs[1] {
		return nil, fmt.Errorf("conv2d: %w: weights %v expect %d input channels, input %v has %d", ErrShape, ws, ws[1], xs, xs[1])
	}
	g := newConvGeom(xs[1], ws[0], ws[2], ws[3], opts.Pad, xs[2], xs[3])
	if g.oh < 1 || g.ow < 1 || g.kh < 1 || g.kw < 1 || g.cout < 1 {
		return nil, fmt.Errorf("conv2d: %w: kernel %dx%d with padding %d does not fit input %v", ErrShape, g.kh, g.kw, opts.Pad, xs)
	}
	bl, err := resolveBLAS(opts.BLAS)
	if err != nil {
		return nil, fmt.Errorf("conv2d: %w", err)
	}
	return &convOp{geom: g, cout: ws[0], relu: opts.ReLU, noInputGrad: opts.NoInputGrad, blas: bl}, nil
}

func (op *convOp) Arity() int {
	if op.frozen {
		return 1
	}
	return 3
}

func (op *convOp) Type() hm.Type {
	if op.frozen {
		return fnT(tensorT(4), tensorT(4))
	}
	return fnT(tensorT(4), tensorT(4), tensorT(1), tensorT(4))
}

func (op *convOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	xs, ok := in[0].(tensor.Shape)
	if !ok || xs.Dims() != 4 {
		return nil, fmt.Errorf("conv2d: %w: input shape %v", ErrShape, in[0])
	}
	return tensor.Shape{xs[0], op.cout, op.geom.oh, op.geom.ow}, nil
}

func (op *convOp) weights(in []gorgonia.Value) (w, b []float32, err error) {
	if op.frozen {
		return op.w, op.b, nil
	}
	w, ws, err := f32(in[1], "conv2d weights")
	if err != nil {
		return nil, nil, err
	}
	if len(w) != op.cout*op.geom.k() || ws.Dims() != 4 {
		return nil, nil, fmt.Errorf("conv2d weights: %w: got %v", ErrShape, ws)
	}
	b, _, err = f32(in[2], "conv2d bias")
	if err != nil {
		return nil, nil, err
	}
	if len(b) != op.cout {
		return nil, nil, fmt.Errorf("conv2d bias: %w: want %d values, got %d", ErrShape, op.cout, len(b))
	}
	return w, b, nil
}

// batchOf checks x against the geometry and returns its batch size.
func (g convGeom) batchOf(x []float32, xs tensor.Shape, what string) (int, error) {
	if xs.Dims() != 4 || xs[1] != g.cin || xs[2] != g.h || xs[3] != g.w || len(x) != xs.TotalSize() {
		return 0, fmt.Errorf("%s: %w: want [N %d %d %d], got %v", what, ErrShape, g.cin, g.h, g.w, xs)
	}
	return xs[0], nil
}

func (op *convOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("conv2d: want %d inputs, got %d", op.Arity(), len(in))
	}
	x, xs, err := f32(in[0], "conv2d input")
	if err != nil {
		return nil, err
	}
	g := op.geom
	n, err := g.batchOf(x, xs, "conv2d input")
	if err != nil {
		return nil, err
	}
	w, b, err := op.weights(in)
	if err != nil {
		return nil, err
	}
	out, y := op.out.get(n, op.cout, g.oh, g.ow)
	op.cols.prepare(workerCount(n), g.colSize())
	in1, out1 := g.inSize(), g.outSize()
	forEach(n, func(i, worker int) {
		g.forward(op.blas, x[i*in1:(i+1)*in1], w, b, y[i*out1:(i+1)*out1], op.cols.get(worker), op.relu)
	})
	return out, nil
}

func (op *convOp) WriteHash(h hash.Hash) { hashOp(h, "conv2d", op) }
func (op *convOp) Hashcode() uint32      { return hashcode("conv2d", op) }
func (op *convOp) String() string {
	s := fmt.Sprintf("Conv2D(%d→%d, %dx%d, pad %d", op.geom.cin, op.cout, op.geom.kh, op.geom.kw, op.geom.pad)
	if op.relu {
		s += ", ReLU"
	}
	if op.frozen {
		s += ", frozen"
	}
	return s + ")"
}

func (op *convOp) DiffWRT(inputs int) []bool {
	if op.frozen {
		return []bool{true}
	}
	return []bool{!op.noInputGrad, true, true}
}

func (op *convOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("conv2d grad: want %d inputs, got %d", op.Arity(), len(inputs))
	}
	dpre := grad
	if op.relu && !reluMasked(output, grad) {
		var err error
		if dpre, err = gorgonia.ApplyOp(&reluGradOp{}, output, grad); err != nil {
			return nil, fmt.Errorf("conv2d grad: relu: %w", err)
		}
	}
	x := inputs[0]
	if op.frozen {
		dx, err := gorgonia.ApplyOp(&convInputGradOp{conv: op}, dpre)
		if err != nil {
			return nil, fmt.Errorf("conv2d grad: input: %w", err)
		}
		return gorgonia.Nodes{dx}, nil
	}
	var dx *gorgonia.Node
	if !op.noInputGrad {
		var err error
		if dx, err = gorgonia.ApplyOp(&convInputGradOp{conv: op}, inputs[1], dpre); err != nil {
			return nil, fmt.Errorf("conv2d grad: input: %w", err)
		}
	}
	dw, err := gorgonia.ApplyOp(&convWeightGradOp{conv: op}, x, dpre)
	if err != nil {
		return nil, fmt.Errorf("conv2d grad: weights: %w", err)
	}
	db, err := gorgonia.ApplyOp(&channelSumOp{dims: 4}, dpre)
	if err != nil {
		return nil, fmt.Errorf("conv2d grad: bias: %w", err)
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

var (
	_ gorgonia.Op   = (*convOp)(nil)
	_ gorgonia.SDOp = (*convOp)(nil)
)
