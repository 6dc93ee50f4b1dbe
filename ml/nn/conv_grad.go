package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convInputGradOp computes dL/dx of a convolution from dL/d(pre-activation).
// Inputs (w, dpre), or (dpre) for a frozen convolution.
type convInputGradOp struct {
	opBase
	conv *convOp
	out  outBuf
	cols scratch
}

func (op *convInputGradOp) Arity() int {
	if op.conv.frozen {
		return 1
	}
	return 2
}

func (op *convInputGradOp) Type() hm.Type {
	if op.conv.frozen {
		return fnT(tensorT(4), tensorT(4))
	}
	return fnT(tensorT(4), tensorT(4), tensorT(4))
}

func (op *convInputGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	ds, ok := in[len(in)-1].(tensor.Shape)
	if !ok || ds.Dims() != 4 {
		return nil, fmt.Errorf("conv2d input grad: %w: %v", ErrShape, in[len(in)-1])
	}
	g := op.conv.geom
	return tensor.Shape{ds[0], g.cin, g.h, g.w}, nil
}

func (op *convInputGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("conv2d input grad: want %d inputs, got %d", op.Arity(), len(in))
	}
	g := op.conv.geom
	w := op.conv.w
	if !op.conv.frozen {
		var err error
		if w, _, err = f32(in[0], "conv2d input grad weights"); err != nil {
			return nil, err
		}
		if len(w) != g.cout*g.k() {
			return nil, fmt.Errorf("conv2d input grad weights: %w: %d values", ErrShape, len(w))
		}
	}
	dpre, ds, err := f32(in[len(in)-1], "conv2d input grad")
	if err != nil {
		return nil, err
	}
	if ds.Dims() != 4 || ds[1] != g.cout || ds[2] != g.oh || ds[3] != g.ow {
		return nil, fmt.Errorf("conv2d input grad: %w: gradient shape %v", ErrShape, ds)
	}
	n := ds[0]
	out, dx := op.out.get(n, g.cin, g.h, g.w)
	op.cols.prepare(workerCount(n), g.colSize())
	in1, out1 := g.inSize(), g.outSize()
	forEach(n, func(i, worker int) {
		g.inputGrad(op.conv.blas, w, dpre[i*out1:(i+1)*out1], dx[i*in1:(i+1)*in1], op.cols.get(worker))
	})
	return out, nil
}

func (op *convInputGradOp) WriteHash(h hash.Hash) { hashOp(h, "conv2d-dx", op) }
func (op *convInputGradOp) Hashcode() uint32      { return hashcode("conv2d-dx", op) }
func (op *convInputGradOp) String() string        { return "Conv2DInputGrad" }

// convWeightGradOp computes dL/dw = Σ_images dpre·im2col(x)ᵀ. Inputs (x, dpre).
// Images are summed in fixed chunks of gradChunk, then the chunk sums in
// chunk order, so the bits do not depend on the number of workers.
type convWeightGradOp struct {
	opBase
	conv     *convOp
	out      outBuf
	cols     scratch
	partials [][]float32
}

func (op *convWeightGradOp) Arity() int    { return 2 }
func (op *convWeightGradOp) Type() hm.Type { return fnT(tensorT(4), tensorT(4), tensorT(4)) }
func (op *convWeightGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	g := op.conv.geom
	return tensor.Shape{g.cout, g.cin, g.kh, g.kw}, nil
}

func (op *convWeightGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != 2 {
		return nil, fmt.Errorf("conv2d weight grad: want 2 inputs, got %d", len(in))
	}
	g := op.conv.geom
	x, xs, err := f32(in[0], "conv2d weight grad input")
	if err != nil {
		return nil, err
	}
	n, err := g.batchOf(x, xs, "conv2d weight grad input")
	if err != nil {
		return nil, err
	}
	dpre, ds, err := f32(in[1], "conv2d weight grad")
	if err != nil {
		return nil, err
	}
	if !ds.Eq(tensor.Shape{n, g.cout, g.oh, g.ow}) {
		return nil, fmt.Errorf("conv2d weight grad: %w: gradient shape %v", ErrShape, ds)
	}
	size := g.cout * g.k()
	out, dw := op.out.get(g.cout, g.cin, g.kh, g.kw)
	chunks := (n + gradChunk - 1) / gradChunk
	for len(op.partials) < chunks {
		op.partials = append(op.partials, nil)
	}
	for c := 0; c < chunks; c++ {
		op.partials[c] = grow(op.partials[c], size)
	}
	op.cols.prepare(workerCount(chunks), g.colSize())
	in1, out1 := g.inSize(), g.outSize()
	forEach(chunks, func(c, worker int) {
		part := op.partials[c]
		for i := c * gradChunk; i < min(n, (c+1)*gradChunk); i++ {
			beta := float32(1)
			if i == c*gradChunk {
				beta = 0
			}
			g.weightGradT(op.conv.blas, x[i*in1:(i+1)*in1], dpre[i*out1:(i+1)*out1], part, op.cols.get(worker), beta)
		}
	})
	sumInOrderT(dw, op.partials[:chunks], g.cout, g.k())
	return out, nil
}

func (op *convWeightGradOp) WriteHash(h hash.Hash) { hashOp(h, "conv2d-dw", op) }
func (op *convWeightGradOp) Hashcode() uint32      { return hashcode("conv2d-dw", op) }
func (op *convWeightGradOp) String() string        { return "Conv2DWeightGrad" }

// channelSumOp sums a [N, C, ...] tensor over every axis but C: the bias
// gradient of a convolution or linear layer. Each channel is summed by one task, images in
// order, in float64.
type channelSumOp struct {
	opBase
	dims int // of the input
	out  outBuf
}

func (op *channelSumOp) Arity() int    { return 1 }
func (op *channelSumOp) Type() hm.Type { return fnT(tensorT(op.dims), tensorT(1)) }
func (op *channelSumOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() < 2 {
		return nil, fmt.Errorf("channel sum: %w: %v", ErrShape, in[0])
	}
	return tensor.Shape{s[1]}, nil
}

func (op *channelSumOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	d, s, err := f32(in[0], "channel sum")
	if err != nil {
		return nil, err
	}
	if s.Dims() < 2 {
		return nil, fmt.Errorf("channel sum: %w: %v", ErrShape, s)
	}
	n, c := s[0], s[1]
	plane := s.TotalSize() / max(1, n*c)
	out, sums := op.out.get(c)
	forEach(c, func(ch, _ int) {
		var acc float64
		for i := 0; i < n; i++ {
			acc += sum32(d[(i*c+ch)*plane : (i*c+ch+1)*plane])
		}
		sums[ch] = float32(acc)
	})
	return out, nil
}

func (op *channelSumOp) WriteHash(h hash.Hash) { hashOp(h, "channel-sum", op) }
func (op *channelSumOp) Hashcode() uint32      { return hashcode("channel-sum", op) }
func (op *channelSumOp) String() string        { return "ChannelSum" }

var (
	_ gorgonia.Op = (*convInputGradOp)(nil)
	_ gorgonia.Op = (*convWeightGradOp)(nil)
	_ gorgonia.Op = (*channelSumOp)(nil)
)

// sum32 adds v with eight float32 accumulators (so the additions pipeline)
// that are then combined in a fixed order in float64.
func sum32(v []float32) float64 {
	var a [8]float32
	i := 0
	for ; i+8 <= len(v); i += 8 {
		a[0] += v[i]
		a[1] += v[i+1]
		a[2] += v[i+2]
		a[3] += v[i+3]
		a[4] += v[i+4]
		a[5] += v[i+5]
		a[6] += v[i+6]
		a[7] += v[i+7]
	}
	var s float64
	for _, x := range a {
		s += float64(x)
	}
	for ; i < len(v); i++ {
		s += float64(v[i])
	}
	return s
}
