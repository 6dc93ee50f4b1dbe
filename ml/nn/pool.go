package nn

import (
	"fmt"
	"hash"

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
	y, err := gorgonia.ApplyOp(&maxPoolOp{k: k}, x)
	if err != nil {
		return nil, fmt.Errorf("apply maxpool2d: %w", err)
	}
	return y, nil
}

type maxPoolOp struct {
	opBase
	k   int
	out outBuf
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
	forEach(n*c, func(p, _ int) {
		maxPoolPlane(x[p*h*w:(p+1)*h*w], y[p*oh*ow:(p+1)*oh*ow], w, oh, ow, k)
	})
	return out, nil
}

func maxPoolPlane(x, y []float32, w, oh, ow, k int) {
	if k == 2 {
		for oy := 0; oy < oh; oy++ {
			r0 := x[2*oy*w : 2*oy*w+2*ow]
			r1 := x[(2*oy+1)*w : (2*oy+1)*w+2*ow]
			dst := y[oy*ow : (oy+1)*ow]
			for ox := range dst {
				m := r0[2*ox]
				if v := r0[2*ox+1]; v > m {
					m = v
				}
				if v := r1[2*ox]; v > m {
					m = v
				}
				if v := r1[2*ox+1]; v > m {
					m = v
				}
				dst[ox] = m
			}
		}
		return
	}
	for oy := 0; oy < oh; oy++ {
		for ox := 0; ox < ow; ox++ {
			m := x[oy*k*w+ox*k]
			for dy := 0; dy < k; dy++ {
				for _, v := range x[(oy*k+dy)*w+ox*k : (oy*k+dy)*w+ox*k+k] {
					if v > m {
						m = v
					}
				}
			}
			y[oy*ow+ox] = m
		}
	}
}

func (op *maxPoolOp) WriteHash(h hash.Hash) { hashOp(h, "maxpool2d", op) }
func (op *maxPoolOp) Hashcode() uint32      { return hashcode("maxpool2d", op) }
func (op *maxPoolOp) String() string        { return fmt.Sprintf("MaxPool2D(%d)", op.k) }
func (op *maxPoolOp) DiffWRT(int) []bool    { return []bool{true} }
func (op *maxPoolOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(&maxPoolGradOp{k: op.k}, in[0], out, grad)
	if err != nil {
		return nil, fmt.Errorf("maxpool2d grad: %w", err)
	}
	return gorgonia.Nodes{dx}, nil
}

// maxPoolGradOp routes dy to the first maximum of each window. Inputs
// (x, y, dy); the maximum is found again by comparing x with y, so the op
// keeps no state between the forward and backward passes.
type maxPoolGradOp struct {
	opBase
	k   int
	out outBuf
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
	n, c, h, w, k := s[0], s[1], s[2], s[3], op.k
	oh, ow := h/k, w/k
	want := tensor.Shape{n, c, oh, ow}
	if !ys.Eq(want) || !ds.Eq(want) {
		return nil, fmt.Errorf("maxpool2d grad: %w: output %v and gradient %v for input %v", ErrShape, ys, ds, s)
	}
	out, dx := op.out.get(s...)
	forEach(n*c, func(p, _ int) {
		xp, dxp := x[p*h*w:(p+1)*h*w], dx[p*h*w:(p+1)*h*w]
		yp, dyp := y[p*oh*ow:(p+1)*oh*ow], dy[p*oh*ow:(p+1)*oh*ow]
		clear(dxp)
		for oy := 0; oy < oh; oy++ {
			for ox := 0; ox < ow; ox++ {
				m := yp[oy*ow+ox]
				g := dyp[oy*ow+ox]
			window:
				for wy := 0; wy < k; wy++ {
					base := (oy*k+wy)*w + ox*k
					for wx := 0; wx < k; wx++ {
						if xp[base+wx] == m {
							dxp[base+wx] = g
							break window
						}
					}
				}
			}
		}
	})
	return out, nil
}

func (op *maxPoolGradOp) WriteHash(h hash.Hash) { hashOp(h, "maxpool2d-grad", op) }
func (op *maxPoolGradOp) Hashcode() uint32      { return hashcode("maxpool2d-grad", op) }
func (op *maxPoolGradOp) String() string        { return fmt.Sprintf("MaxPool2DGrad(%d)", op.k) }

var (
	_ gorgonia.SDOp = (*maxPoolOp)(nil)
	_ gorgonia.Op   = (*maxPoolGradOp)(nil)
)
