package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convPoolInputGradOp returns a block's dL/dx. Frozen blocks compute it
// here, inputs (out, dout). Trainable blocks compute it in the same pass
// over each image as the weight gradient (which builds the same
// pre-activation gradient and keeps it in cache); this op then takes the
// weight-gradient node as its only input, which orders it after that pass,
// and hands out the result.
type convPoolInputGradOp struct {
	opBase
	block *convPoolOp
	out   outBuf
	dpres scratch
	cols  scratch
	// fresh is set by the weight-gradient pass when it has written out for
	// the current run, and cleared when this op hands it out.
	fresh bool
}

func (op *convPoolInputGradOp) fused() bool { return !op.block.conv.frozen }

func (op *convPoolInputGradOp) Arity() int {
	if op.fused() {
		return 1
	}
	return 2
}

func (op *convPoolInputGradOp) Type() hm.Type {
	t := tensorT(4)
	if op.fused() {
		return fnT(t, t)
	}
	return fnT(t, t, t)
}

func (op *convPoolInputGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	g := op.block.conv.geom
	return tensor.Shape{op.block.batch, g.cin, g.h, g.w}, nil
}

// buffer returns the dx buffer for n images.
func (op *convPoolInputGradOp) buffer(n int) (*tensor.Dense, []float32) {
	g := op.block.conv.geom
	return op.out.get(n, g.cin, g.h, g.w)
}

func (op *convPoolInputGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != op.Arity() {
		return nil, fmt.Errorf("conv block input grad: want %d inputs, got %d", op.Arity(), len(in))
	}
	if op.fused() {
		if !op.fresh || op.out.t == nil {
			return nil, fmt.Errorf("conv block input grad: the weight-gradient pass has not run in this machine run")
		}
		op.fresh = false
		return op.out.t, nil
	}
	c := op.block.conv
	g := c.geom
	out, os, err := f32(in[0], "conv block input grad output")
	if err != nil {
		return nil, err
	}
	dout, ds, err := f32(in[1], "conv block input grad")
	if err != nil {
		return nil, err
	}
	if err := sameShape(ds, os, "conv block input grad"); err != nil {
		return nil, err
	}
	n, err := op.block.checkOutput(out, os, "conv block input grad")
	if err != nil {
		return nil, err
	}
	res, dx := op.buffer(n)
	workers := workerCount(n)
	op.dpres.prepare(workers, g.outSize())
	op.cols.prepare(workers, g.colSize())
	in1 := g.inSize()
	forEach(n, func(i, worker int) {
		dpre := op.dpres.get(worker)
		op.block.preGrad(i, out, dout, dpre, nil)
		g.inputGrad(c.blas, c.w, dpre, dx[i*in1:(i+1)*in1], op.cols.get(worker))
	})
	return res, nil
}

func (op *convPoolInputGradOp) WriteHash(h hash.Hash) { hashOp(h, "conv-relu-pool-dx", op) }
func (op *convPoolInputGradOp) Hashcode() uint32      { return hashcode("conv-relu-pool-dx", op) }
func (op *convPoolInputGradOp) String() string        { return "ConvReLUPoolInputGrad" }

// convPoolWeightGradOp computes a block's dL/dw, its bias gradient (handed
// out by convPoolBiasGradOp) and its dL/dx too when dx is set (see
// convPoolInputGradOp). Inputs (x, w, out, dout). Images are summed in
// fixed chunks of gradChunk, then the chunks in order.
type convPoolWeightGradOp struct {
	opBase
	block     *convPoolOp
	dx        *convPoolInputGradOp // nil: no input gradient wanted
	out       outBuf
	dpres     scratch
	cols      scratch
	partials  [][]float32
	bpartials [][]float64 // bias gradient per chunk
	db        outBuf
	dbFresh   bool
}

func (op *convPoolWeightGradOp) Arity() int { return 4 }
func (op *convPoolWeightGradOp) Type() hm.Type {
	t := tensorT(4)
	return fnT(t, t, t, t, t)
}
func (op *convPoolWeightGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	g := op.block.conv.geom
	return tensor.Shape{g.cout, g.cin, g.kh, g.kw}, nil
}

func (op *convPoolWeightGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	if len(in) != 4 {
		return nil, fmt.Errorf("conv block weight grad: want 4 inputs, got %d", len(in))
	}
	c := op.block.conv
	g := c.geom
	x, xs, err := f32(in[0], "conv block weight grad input")
	if err != nil {
		return nil, err
	}
	n, err := g.batchOf(x, xs, "conv block weight grad input")
	if err != nil {
		return nil, err
	}
	w, _, err := f32(in[1], "conv block weight grad weights")
	if err != nil {
		return nil, err
	}
	if len(w) != g.cout*g.k() {
		return nil, fmt.Errorf("conv block weight grad weights: %w: %d values", ErrShape, len(w))
	}
	out, os, err := f32(in[2], "conv block weight grad output")
	if err != nil {
		return nil, err
	}
	dout, ds, err := f32(in[3], "conv block weight grad")
	if err != nil {
		return nil, err
	}
	if err := sameShape(ds, os, "conv block weight grad"); err != nil {
		return nil, err
	}
	if m, err := op.block.checkOutput(out, os, "conv block weight grad"); err != nil {
		return nil, err
	} else if m != n {
		return nil, fmt.Errorf("conv block weight grad: %w: %d images in, %d out", ErrShape, n, m)
	}
	var dx []float32
	if op.dx != nil {
		_, dx = op.dx.buffer(n)
	}
	size := g.cout * g.k()
	res, dw := op.out.get(g.cout, g.cin, g.kh, g.kw)
	chunks := (n + gradChunk - 1) / gradChunk
	for len(op.partials) < chunks {
		op.partials = append(op.partials, nil)
	}
	for len(op.bpartials) < chunks {
		op.bpartials = append(op.bpartials, make([]float64, g.cout))
	}
	for ch := 0; ch < chunks; ch++ {
		op.partials[ch] = grow(op.partials[ch], size)
	}
	workers := workerCount(chunks)
	op.dpres.prepare(workers, g.outSize())
	op.cols.prepare(workers, g.colSize())
	in1 := g.inSize()
	forEach(chunks, func(ch, worker int) {
		part, dpre, col := op.partials[ch], op.dpres.get(worker), op.cols.get(worker)
		bpart := op.bpartials[ch]
		clear(bpart)
		for i := ch * gradChunk; i < min(n, (ch+1)*gradChunk); i++ {
			beta := float32(1)
			if i == ch*gradChunk {
				beta = 0
			}
			op.block.preGrad(i, out, dout, dpre, bpart)
			g.weightGradT(c.blas, x[i*in1:(i+1)*in1], dpre, part, col, beta)
			if dx != nil {
				g.inputGrad(c.blas, w, dpre, dx[i*in1:(i+1)*in1], col)
			}
		}
	})
	sumInOrderT(dw, op.partials[:chunks], g.cout, g.k())
	_, db := op.db.get(g.cout)
	for co := range db {
		var s float64
		for _, bp := range op.bpartials[:chunks] {
			s += bp[co]
		}
		db[co] = float32(s)
	}
	op.dbFresh = true
	if op.dx != nil {
		op.dx.fresh = true
	}
	return res, nil
}

func (op *convPoolWeightGradOp) WriteHash(h hash.Hash) { hashOp(h, "conv-relu-pool-dw", op) }
func (op *convPoolWeightGradOp) Hashcode() uint32      { return hashcode("conv-relu-pool-dw", op) }
func (op *convPoolWeightGradOp) String() string        { return "ConvReLUPoolWeightGrad" }

// convPoolBiasGradOp hands out the bias gradient its weight-gradient op
// computed in the same run. Input: that op's node (for ordering only).
type convPoolBiasGradOp struct {
	opBase
	wg *convPoolWeightGradOp
}

func (op *convPoolBiasGradOp) Arity() int    { return 1 }
func (op *convPoolBiasGradOp) Type() hm.Type { return fnT(tensorT(4), tensorT(1)) }
func (op *convPoolBiasGradOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.wg.block.conv.cout}, nil
}

func (op *convPoolBiasGradOp) Do(...gorgonia.Value) (gorgonia.Value, error) {
	if !op.wg.dbFresh || op.wg.db.t == nil {
		return nil, fmt.Errorf("conv block bias grad: the weight-gradient pass has not run in this machine run")
	}
	op.wg.dbFresh = false
	return op.wg.db.t, nil
}

func (op *convPoolBiasGradOp) WriteHash(h hash.Hash) { hashOp(h, "conv-relu-pool-db", op) }
func (op *convPoolBiasGradOp) Hashcode() uint32      { return hashcode("conv-relu-pool-db", op) }
func (op *convPoolBiasGradOp) String() string        { return "ConvReLUPoolBiasGrad" }

var (
	_ gorgonia.Op = (*convPoolInputGradOp)(nil)
	_ gorgonia.Op = (*convPoolWeightGradOp)(nil)
	_ gorgonia.Op = (*convPoolBiasGradOp)(nil)
)
