package nn

import (
	"fmt"
	"hash"
	"math"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// MaxPool2D adds y = max over each k×k window of x, stride k, no padding, to
// x's graph. x is [N, C, H, W] float32; y is [N, C, H/k, W/k] (rows and
// columns past the last whole window are dropped, as in PyTorch). The
// gradient goes to the first maximum of each window in row-major order.
func MaxPool2D(x *gorgonia.Node, k int) (*gorgonia.Node, error) {
	xs, err := shapeOf(x, 4, "maxpool2d input")
	if err != nil {
		return nil, err
	}
	if k < 1 || xs[2] < k || xs[3] < k {
		return nil, fmt.Errorf("maxpool2d: %w: window %d does not fit input %v", ErrShape, k, xs)
	}
	op := &maxPoolOp{k: k, input: x}
	switch in := x.Op().(type) {
	case *convOp:
		op.afterReLU = in.relu
	case *reluOp:
		op.afterReLU = true
	}
	y, err := gorgonia.ApplyOp(op, x)
	if err != nil {
		return nil, fmt.Errorf("apply maxpool2d: %w", err)
	}
	return y, nil
}

type maxPoolOp struct {
	opBase
	k     int
	input *gorgonia.Node // the node pooled
	// afterReLU records that the input is a ReLU output (never negative),
	// so the gradient op can apply the ReLU's mask too (see reluMasked).
	afterReLU bool
	out       outBuf
	// argmax of each window (row-major offset within it) from the last
	// forward run, for the input whose data starts at argFor.
	arg    []uint8
	argFor *float32
}

func (op *maxPoolOp) Arity() int    { return 1 }
func (op *maxPoolOp) Type() hm.Type { return fnT(tensorT(4), tensorT(4)) }
func (op *maxPoolOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 4 {
		return nil, fmt.Errorf("maxpool2d: %w: %v", ErrShape, in[0])
	}
	return tensor.Shape{s[0], s[1], s[2] / op.k, s[3] / op.k}, nil
}

func (op *maxPoolOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, s, err := f32(in[0], "maxpool2d")
	if err != nil {
		return nil, err
	}
	if s.Dims() != 4 {
		return nil, fmt.Errorf("maxpool2d: %w: %v", ErrShape, s)
	}
	n, c, h, w, k := s[0], s[1], s[2], s[3], op.k
	oh, ow := h/k, w/k
	out, y := op.out.get(n, c, oh, ow)
	op.arg = op.arg[:0]
	op.argFor = nil
	if k*k <= 256 {
		if cap(op.arg) < len(y) {
			op.arg = make([]uint8, len(y))
		}
		op.arg = op.arg[:len(y)]
	}
	forEach(n*c, func(p, _ int) {
		var arg []uint8
		if len(op.arg) > 0 {
			arg = op.arg[p*oh*ow : (p+1)*oh*ow]
		}
		maxPoolPlane(x[p*h*w:(p+1)*h*w], y[p*oh*ow:(p+1)*oh*ow], arg, w, oh, ow, k)
	})
	if len(op.arg) > 0 && len(x) > 0 {
		op.argFor = &x[0]
	}
	return out, nil
}

// maxPoolPlane pools one plane into y and, when arg is not nil, records
// the row-major offset within its window of each first maximum.
func maxPoolPlane(x, y []float32, arg []uint8, w, oh, ow, k int) {
	if k == 2 && arg != nil {
		simd.planes.pool2(x, y, arg, w, oh, ow)
		return
	}
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			m, best := x[oy*k*w+ox*k], 0
			for dy := 0; dy < k; dy++ {
				for dx, v := range x[(oy*k+dy)*w+ox*k : (oy*k+dy)*w+ox*k+k] {
					if v > m {
						m, best = v, dy*k+dx
					}
				}
			}
			y[oy*ow+ox] = m
			if arg != nil {
				arg[oy*ow+ox] = uint8(best)
			}
		}
	}
}

func (op *maxPoolOp) WriteHash(h hash.Hash) { hashOp(h, "maxpool2d", op) }
func (op *maxPoolOp) Hashcode() uint32      { return hashcode("maxpool2d", op) }
func (op *maxPoolOp) String() string        { return fmt.Sprintf("MaxPool2D(%d)", op.k) }
func (op *maxPoolOp) DiffWRT(int) []bool    { return []bool{true} }
func (op *maxPoolOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(&maxPoolGradOp{pool: op}, in[0], out, grad)
	if err != nil {
		return nil, fmt.Errorf("maxpool2d grad: %w", err)
	}
	return gorgonia.Nodes{dx}, nil
}

// maxPoolGradOp routes dy to the first maximum of each window. Inputs
// (x, y, dy). It uses the argmax the forward pass recorded for this same
// input, or else finds the maximum again by comparing x with y. After a
// ReLU it also zeroes windows whose maximum is not positive, which is the
// ReLU's own gradient mask, so the ReLU's backward pass can be skipped
// (see reluMasked).
type maxPoolGradOp struct {
	opBase
	pool *maxPoolOp
	out  outBuf
}

// reluMasked reports whether grad, the gradient arriving at node out, was
// produced by a pooling gradient that already applied out's ReLU mask.
func reluMasked(out, grad *gorgonia.Node) bool {
	pg, ok := grad.Op().(*maxPoolGradOp)
	return ok && pg.pool.afterReLU && pg.pool.input == out
}

func (op *maxPoolGradOp) Arity() int    { return 3 }
func (op *maxPoolGradOp) Type() hm.Type { return fnT(tensorT(4), tensorT(4), tensorT(4), tensorT(4)) }
func (op *maxPoolGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("maxpool2d grad: %w: %v", ErrShape, in[0])
	}
	return s.Clone(), nil
}

func (op *maxPoolGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, s, err := f32(in[0], "maxpool2d grad input")
	if err != nil {
		return nil, err
	}
	y, ys, err := f32(in[1], "maxpool2d grad output")
	if err != nil {
		return nil, err
	}
	dy, ds, err := f32(in[2], "maxpool2d grad")
	if err != nil {
		return nil, err
	}
	if s.Dims() != 4 {
		return nil, fmt.Errorf("maxpool2d grad: %w: %v", ErrShape, s)
	}
	n, c, h, w, k := s[0], s[1], s[2], s[3], op.pool.k
	oh, ow := h/k, w/k
	want := tensor.Shape{n, c, oh, ow}
	if !ys.Eq(want) || !ds.Eq(want) {
		return nil, fmt.Errorf("maxpool2d grad: %w: output %v and gradient %v for input %v", ErrShape, ys, ds, s)
	}
	out, dx := op.out.get(s...)
	var arg []uint8
	if len(x) > 0 && op.pool.argFor == &x[0] && len(op.pool.arg) == len(y) {
		arg = op.pool.arg
	}
	relu := op.pool.afterReLU
	if arg != nil && k == 2 {
		forEach(n*c, func(p, _ int) {
			dxp := dx[p*h*w : (p+1)*h*w]
			yp, dyp := y[p*oh*ow:(p+1)*oh*ow], dy[p*oh*ow:(p+1)*oh*ow]
			ap := arg[p*oh*ow : (p+1)*oh*ow]
			clear(dxp)
			for oy := 0; oy < oh; oy++ {
				base := 2 * oy * w
				for ox := 0; ox < ow; ox++ {
					o := oy*ow + ox
					g := dyp[o]
					if relu && !(yp[o] > 0) {
						g = 0
					}
					i := int(ap[o])
					dxp[base+(i>>1)*w+2*ox+i&1] = g
				}
			}
		})
		return out, nil
	}
	forEach(n*c, func(p, _ int) {
		xp, dxp := x[p*h*w:(p+1)*h*w], dx[p*h*w:(p+1)*h*w]
		yp, dyp := y[p*oh*ow:(p+1)*oh*ow], dy[p*oh*ow:(p+1)*oh*ow]
		clear(dxp)
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				o := oy*ow + ox
				g := dyp[o]
				if relu && !(yp[o] > 0) {
					continue
				}
				var off int
				if arg != nil {
					a := int(arg[p*oh*ow+o])
					off = a/k*w + a%k
				} else {
					off = firstMax(xp[(oy*k)*w+ox*k:], yp[o], w, k)
				}
				dxp[(oy*k)*w+ox*k+off] = g
			}
		}
	})
	return out, nil
}

// firstMax returns the offset (row·w + column) within the window at the
// start of x of the first value equal to m, or 0 when none is (NaN).
func firstMax(x []float32, m float32, w, k int) int {
	for wy := 0; wy < k; wy++ {
		for wx := 0; wx < k; wx++ {
			if x[wy*w+wx] == m {
				return wy*w + wx
			}
		}
	}
	return 0
}

func (op *maxPoolGradOp) WriteHash(h hash.Hash) { hashOp(h, "maxpool2d-grad", op) }
func (op *maxPoolGradOp) Hashcode() uint32      { return hashcode("maxpool2d-grad", op) }
func (op *maxPoolGradOp) String() string        { return fmt.Sprintf("MaxPool2DGrad(%d)", op.pool.k) }

var (
	_ gorgonia.SDOp = (*maxPoolOp)(nil)
	_ gorgonia.Op   = (*maxPoolGradOp)(nil)
)

// orderKey maps a float32 to a uint32 that orders like the float: negative
// numbers have all bits flipped, others just the sign bit. (−0 sorts below
// +0 and NaNs sort at the ends; pooling then reports that value.)
func orderKey(v float32) uint32 {
	b := math.Float32bits(v)
	return b ^ (uint32(int32(b)>>31) | 0x80000000)
}

// fromOrderKey inverts orderKey.
func fromOrderKey(u uint32) float32 {
	return math.Float32frombits(u ^ (uint32(int32(^u)>>31) | 0x80000000))
}
