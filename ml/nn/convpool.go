package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ConvPoolOpts configures ConvReLUPool and FrozenConvReLUPool.
type ConvPoolOpts struct {
	Pad         int  // zero padding of the convolution on every side
	Pool        int  // pooling window and stride (default 2)
	NoInputGrad bool // no gradient with respect to x (first layer)
	BLAS        BLAS // nil means DefaultBLAS()
}

// ConvReLUPool adds the block y = maxpool(relu(conv(x, w) + b)) to x's
// graph as one Op: the same result as Conv2D with ReLU followed by
// MaxPool2D, but each image's convolution output stays in cache and is
// pooled at once, never written out; the backward pass rebuilds each
// image's pre-activation gradient from the pooled gradient and the recorded
// window maxima. x is [N, C, H, W], w is [Cout, C, KH, KW], b is [Cout]; y is
// [N, Cout, OH/k, OW/k] with OH, OW the convolution's output size and k the
// pooling window.
func ConvReLUPool(x, w, b *gorgonia.Node, opts ConvPoolOpts) (*gorgonia.Node, error) {
	ws, err := shapeOf(w, 4, "conv block weights")
	if err != nil {
		return nil, err
	}
	op, err := newConvPoolOp(x, ws, opts)
	if err != nil {
		return nil, err
	}
	if _, err := shapeOf(b, 1, "conv block bias"); err != nil {
		return nil, err
	}
	if b.Shape()[0] != op.conv.cout {
		return nil, fmt.Errorf("conv block bias: %w: want [%d], got %v", ErrShape, op.conv.cout, b.Shape())
	}
	y, err := gorgonia.ApplyOp(op, x, w, b)
	if err != nil {
		return nil, fmt.Errorf("apply conv block: %w", err)
	}
	return y, nil
}

// FrozenConvReLUPool is ConvReLUPool with w and b copied into the Op as
// constants; gradients flow to x only.
func FrozenConvReLUPool(x *gorgonia.Node, w, b *tensor.Dense, opts ConvPoolOpts) (*gorgonia.Node, error) {
	if w == nil || b == nil {
		return nil, fmt.Errorf("frozen conv block: nil weights")
	}
	wd, ws, err := f32(w, "frozen conv block weights")
	if err != nil {
		return nil, err
	}
	if ws.Dims() != 4 {
		return nil, fmt.Errorf("frozen conv block weights: %w: want 4 dimensions, got %v", ErrShape, ws)
	}
	op, err := newConvPoolOp(x, ws, opts)
	if err != nil {
		return nil, err
	}
	bd, bs, err := f32(b, "frozen conv block bias")
	if err != nil {
		return nil, err
	}
	if !bs.Eq(tensor.Shape{op.conv.cout}) {
		return nil, fmt.Errorf("frozen conv block bias: %w: want [%d], got %v", ErrShape, op.conv.cout, bs)
	}
	op.conv.frozen = true
	op.conv.w = append([]float32(nil), wd...)
	op.conv.b = append([]float32(nil), bd...)
	y, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("apply frozen conv block: %w", err)
	}
	return y, nil
}

// convPoolOp is the fused forward block. It reuses convOp for the
// convolution's geometry, weights and BLAS.
type convPoolOp struct {
	opBase
	conv   *convOp
	batch  int // N of the input node
	k      int // pooling window
	ph, pw int // pooled height and width
	out    outBuf
	// arg holds, per pooled value, the offset of its window's first maximum
	// (row-major within the window), for the output whose data starts at
	// argFor.
	arg    []uint8
	argFor *float32
	ys     scratch // per-worker convolution output of one image
	cols   scratch
}

func newConvPoolOp(x *gorgonia.Node, ws tensor.Shape, opts ConvPoolOpts) (*convPoolOp, error) {
	k := opts.Pool
	if k == 0 {
		k = 2
	}
	conv, err := newConvOp(x, ws, ConvOpts{Pad: opts.Pad, ReLU: true, NoInputGrad: opts.NoInputGrad, BLAS: opts.BLAS})
	if err != nil {
		return nil, err
	}
	g := conv.geom
	if k < 1 || k*k > 256 || g.oh < k || g.ow < k {
		return nil, fmt.Errorf("conv block: %w: pooling window %d does not fit the %dx%d convolution output (window 1..16)", ErrShape, k, g.oh, g.ow)
	}
	conv.geom = g.withBandAlign(k)
	return &convPoolOp{conv: conv, batch: x.Shape()[0], k: k, ph: g.oh / k, pw: g.ow / k}, nil
}

func (op *convPoolOp) Arity() int    { return op.conv.Arity() }
func (op *convPoolOp) Type() hm.Type { return op.conv.Type() }

func (op *convPoolOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	xs, ok := in[0].(tensor.Shape)
	if !ok || xs.Dims() != 4 {
		return nil, fmt.Errorf("conv block: %w: input shape %v", ErrShape, in[0])
	}
	return tensor.Shape{xs[0], op.conv.cout, op.ph, op.pw}, nil
}

// pooledSize is the number of output values of one image.
func (op *convPoolOp) pooledSize() int { return op.conv.cout * op.ph * op.pw }

func (op *convPoolOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	c := op.conv
	if len(in) != c.Arity() {
		return nil, fmt.Errorf("conv block: want %d inputs, got %d", c.Arity(), len(in))
	}
	x, xs, err := f32(in[0], "conv block input")
	if err != nil {
		return nil, err
	}
	g := c.geom
	n, err := g.batchOf(x, xs, "conv block input")
	if err != nil {
		return nil, err
	}
	w, b, err := c.weights(in)
	if err != nil {
		return nil, err
	}
	out, y := op.out.get(n, c.cout, op.ph, op.pw)
	op.arg = growU8(op.arg, len(y))
	workers := workerCount(n)
	op.cols.prepare(workers, g.colSize())
	op.ys.prepare(workers, g.outSize())
	in1, out1 := g.inSize(), op.pooledSize()
	ohw, phw := g.oh*g.ow, op.ph*op.pw
	forEach(n, func(i, worker int) {
		conv := op.ys.get(worker)
		g.gemmForward(c.blas, x[i*in1:(i+1)*in1], w, conv, op.cols.get(worker))
		for co := 0; co < g.cout; co++ {
			o := i*out1 + co*phw
			pooled, arg := y[o:o+phw], op.arg[o:o+phw]
			maxPoolPlane(conv[co*ohw:(co+1)*ohw], pooled, arg, g.ow, op.ph, op.pw, op.k)
			bias := b[co]
			for j, v := range pooled {
				pooled[j] = max(v+bias, 0)
			}
		}
	})
	op.argFor = nil
	if len(y) > 0 {
		op.argFor = &y[0]
	}
	return out, nil
}

func growU8(b []uint8, n int) []uint8 {
	if cap(b) < n {
		return make([]uint8, n)
	}
	return b[:n]
}

// checkOutput verifies that out is the output of this op's last forward run,
// whose window maxima the backward kernels use.
func (op *convPoolOp) checkOutput(out []float32, os tensor.Shape, what string) (int, error) {
	if os.Dims() != 4 || os[1] != op.conv.cout || os[2] != op.ph || os[3] != op.pw {
		return 0, fmt.Errorf("%s: %w: output shape %v", what, ErrShape, os)
	}
	if len(out) == 0 || &out[0] != op.argFor || len(op.arg) != len(out) {
		return 0, fmt.Errorf("%s: the block's forward pass has not run on this output (gradients need the same machine run)", what)
	}
	return os[0], nil
}

// preGrad writes image i's gradient with respect to the convolution's
// pre-activation: each pooled gradient goes to its window's maximum when
// the pooled output is positive (the ReLU passed it), zeros elsewhere.
// When db is not nil it also adds, per channel, the sum of the passed
// gradients (the bias gradient), each channel's sum taken in window order.
func (op *convPoolOp) preGrad(i int, out, dout, dpre []float32, db []float64) {
	g := op.conv.geom
	ohw, phw := g.oh*g.ow, op.ph*op.pw
	k := op.k
	if k != 2 {
		clear(dpre[:g.outSize()])
	}
	for co := 0; co < g.cout; co++ {
		o := i*op.pooledSize() + co*phw
		po, pd, pa := out[o:o+phw], dout[o:o+phw], op.arg[o:o+phw]
		pd, pa = pd[:len(po)], pa[:len(po)]
		plane := dpre[co*ohw : (co+1)*ohw]
		var sum float32
		if k == 2 {
			sum = simd.planes.preGrad2(po, pd, pa, plane, g.oh, g.ow, op.ph, op.pw)
		} else {
			for oy := 0; oy < op.ph; oy++ {
				for ox := 0; ox < op.pw; ox++ {
					j := oy*op.pw + ox
					gv := passed(po[j], pd[j])
					sum += gv
					a := int(pa[j])
					plane[(oy*k+a/k)*g.ow+ox*k+a%k] = gv
				}
			}
		}
		if db != nil {
			db[co] += float64(sum)
		}
	}
}

// passed returns gradient d when the ReLU output y (never negative) is
// positive, else 0, without a branch: the mask is all ones exactly when y's
// bits are not zero.
func passed(y, d float32) float32 {
	b := math.Float32bits(y)
	mask := uint32(int32(b|-b) >> 31)
	return math.Float32frombits(math.Float32bits(d) & mask)
}

func (op *convPoolOp) WriteHash(h hash.Hash) { hashOp(h, "conv-relu-pool", op) }
func (op *convPoolOp) Hashcode() uint32      { return hashcode("conv-relu-pool", op) }
func (op *convPoolOp) String() string {
	g := op.conv.geom
	s := fmt.Sprintf("ConvReLUPool(%d→%d, %dx%d, pad %d, pool %d", g.cin, g.cout, g.kh, g.kw, g.pad, op.k)
	if op.conv.frozen {
		s += ", frozen"
	}
	return s + ")"
}

func (op *convPoolOp) DiffWRT(inputs int) []bool { return op.conv.DiffWRT(inputs) }

func (op *convPoolOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("conv block grad: want %d inputs, got %d", op.Arity(), len(inputs))
	}
	if op.conv.frozen {
		dx, err := gorgonia.ApplyOp(&convPoolInputGradOp{block: op}, output, grad)
		if err != nil {
			return nil, fmt.Errorf("conv block grad: input: %w", err)
		}
		return gorgonia.Nodes{dx}, nil
	}
	wg := &convPoolWeightGradOp{block: op}
	if !op.conv.noInputGrad {
		wg.dx = &convPoolInputGradOp{block: op}
	}
	dw, err := gorgonia.ApplyOp(wg, inputs[0], inputs[1], output, grad)
	if err != nil {
		return nil, fmt.Errorf("conv block grad: weights: %w", err)
	}
	var dx *gorgonia.Node
	if wg.dx != nil {
		if dx, err = gorgonia.ApplyOp(wg.dx, dw); err != nil {
			return nil, fmt.Errorf("conv block grad: input: %w", err)
		}
	}
	db, err := gorgonia.ApplyOp(&convPoolBiasGradOp{wg: wg}, dw)
	if err != nil {
		return nil, fmt.Errorf("conv block grad: bias: %w", err)
	}
	return gorgonia.Nodes{dx, dw, db}, nil
}

var (
	_ gorgonia.Op   = (*convPoolOp)(nil)
	_ gorgonia.SDOp = (*convPoolOp)(nil)
)
