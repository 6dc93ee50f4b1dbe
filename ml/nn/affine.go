package nn

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// ChannelAffine adds y[n,c,h,w] = x[n,c,h,w]·scale[n,c] + shift[n,c] to
// x's graph: a per-image, per-channel gain and offset (brightness/contrast
// per RGB channel is ChannelAffine(x, 1+contrast, brightness)). x is
// [N, C, H, W]; scale and shift are [N, C]; all float32. Gradients flow to
// all three; each plane is one task and its sums run in a fixed order, so
// results do not depend on GOMAXPROCS.
func ChannelAffine(x, scale, shift *gorgonia.Node) (*gorgonia.Node, error) {
	xs, err := shapeOf(x, 4, "channel affine input")
	if err != nil {
		return nil, err
	}
	for _, p := range []struct {
		n    *gorgonia.Node
		what string
	}{{scale, "channel affine scale"}, {shift, "channel affine shift"}} {
		s, err := shapeOf(p.n, 2, p.what)
		if err != nil {
			return nil, err
		}
		if s[0] != xs[0] || s[1] != xs[1] {
			return nil, fmt.Errorf("%s: %w: want [%d %d] for input %v, got %v", p.what, ErrShape, xs[0], xs[1], xs, s)
		}
	}
	y, err := gorgonia.ApplyOp(&channelAffineOp{}, x, scale, shift)
	if err != nil {
		return nil, fmt.Errorf("apply channel affine: %w", err)
	}
	return y, nil
}

type channelAffineOp struct {
	opBase
	out outBuf
}

func (op *channelAffineOp) Arity() int { return 3 }
func (op *channelAffineOp) Type() hm.Type {
	return fnT(tensorT(4), tensorT(2), tensorT(2), tensorT(4))
}
func (op *channelAffineOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("channel affine: %w: %v", ErrShape, in[0])
	}
	return s.Clone(), nil
}

// affineInputs reads x ([N, C, ...]) and two [N, C] tensors.
func affineInputs(in []gorgonia.Value, what string) (x, a, b []float32, xs tensor.Shape, err error) {
	if x, xs, err = f32(in[0], what+" input"); err != nil {
		return
	}
	if a, _, err = f32(in[1], what+" scale"); err != nil {
		return
	}
	if b, _, err = f32(in[2], what+" shift"); err != nil {
		return
	}
	if xs.Dims() != 4 || len(a) != xs[0]*xs[1] || len(b) != len(a) {
		err = fmt.Errorf("%s: %w: input %v with %d scales and %d shifts", what, ErrShape, xs, len(a), len(b))
	}
	return
}

func (op *channelAffineOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, a, b, xs, err := affineInputs(in, "channel affine")
	if err != nil {
		return nil, err
	}
	plane := xs[2] * xs[3]
	out, y := op.out.get(xs...)
	forEach(len(a), func(p, _ int) {
		s, t := a[p], b[p]
		dst := y[p*plane : (p+1)*plane]
		for i, v := range x[p*plane : (p+1)*plane] {
			dst[i] = float32(v*s) + t // rounded product: no fusion on any CPU
		}
	})
	return out, nil
}

func (op *channelAffineOp) WriteHash(h hash.Hash) { hashOp(h, "channel-affine", op) }
func (op *channelAffineOp) Hashcode() uint32      { return hashcode("channel-affine", op) }
func (op *channelAffineOp) String() string        { return "ChannelAffine" }
func (op *channelAffineOp) DiffWRT(int) []bool    { return []bool{true, true, true} }

func (op *channelAffineOp) SymDiff(in gorgonia.Nodes, out, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	// One pass computes all three gradients; the scale and shift gradient
	// nodes read the pass's results and depend on its node for ordering.
	gop := &channelAffineGradOp{}
	dx, err := gorgonia.ApplyOp(gop, in[0], in[1], grad)
	if err != nil {
		return nil, fmt.Errorf("channel affine grad: %w", err)
	}
	da, err := gorgonia.ApplyOp(&channelAffinePartOp{grad: gop, part: 0}, dx)
	if err != nil {
		return nil, fmt.Errorf("channel affine grad: %w", err)
	}
	db, err := gorgonia.ApplyOp(&channelAffinePartOp{grad: gop, part: 1}, dx)
	if err != nil {
		return nil, fmt.Errorf("channel affine grad: %w", err)
	}
	return gorgonia.Nodes{dx, da, db}, nil
}

// channelAffineGradOp computes dx = dy·scale and, per plane, Σ dy·x and
// Σ dy (float64 accumulation, in element order). Inputs (x, scale, dy).
type channelAffineGradOp struct {
	opBase
	out   outBuf
	da    outBuf
	db    outBuf
	fresh [2]bool
}

func (op *channelAffineGradOp) Arity() int { return 3 }
func (op *channelAffineGradOp) Type() hm.Type {
	return fnT(tensorT(4), tensorT(2), tensorT(4), tensorT(4))
}
func (op *channelAffineGradOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("channel affine grad: %w: %v", ErrShape, in[0])
	}
	return s.Clone(), nil
}

func (op *channelAffineGradOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, xs, err := f32(in[0], "channel affine grad input")
	if err != nil {
		return nil, err
	}
	a, _, err := f32(in[1], "channel affine grad scale")
	if err != nil {
		return nil, err
	}
	dy, _, err := f32(in[2], "channel affine grad")
	if err != nil {
		return nil, err
	}
	if xs.Dims() != 4 || len(a) != xs[0]*xs[1] || len(dy) != len(x) {
		return nil, fmt.Errorf("channel affine grad: %w: input %v, %d scales, %d gradient values", ErrShape, xs, len(a), len(dy))
	}
	plane := xs[2] * xs[3]
	out, dx := op.out.get(xs...)
	_, da := op.da.get(xs[0], xs[1])
	_, db := op.db.get(xs[0], xs[1])
	forEach(len(a), func(p, _ int) {
		s := a[p]
		xp, gp, dp := x[p*plane:(p+1)*plane], dy[p*plane:(p+1)*plane], dx[p*plane:(p+1)*plane]
		var sa, sb float64
		for i, g := range gp {
			dp[i] = g * s
			sa += float64(float64(g) * float64(xp[i]))
			sb += float64(g)
		}
		da[p], db[p] = float32(sa), float32(sb)
	})
	op.fresh = [2]bool{true, true}
	return out, nil
}

func (op *channelAffineGradOp) WriteHash(h hash.Hash) { hashOp(h, "channel-affine-grad", op) }
func (op *channelAffineGradOp) Hashcode() uint32      { return hashcode("channel-affine-grad", op) }
func (op *channelAffineGradOp) String() string        { return "ChannelAffineGrad" }

// channelAffinePartOp hands out the scale (part 0) or shift (part 1)
// gradient computed by its grad op in the same run. Input: the grad op's
// node (for ordering only).
type channelAffinePartOp struct {
	opBase
	grad *channelAffineGradOp
	part int
}

func (op *channelAffinePartOp) Arity() int    { return 1 }
func (op *channelAffinePartOp) Type() hm.Type { return fnT(tensorT(4), tensorT(2)) }
func (op *channelAffinePartOp) InferShape(in ...gorgonia.DimSizer) (tensor.Shape, error) {
	s, ok := in[0].(tensor.Shape)
	if !ok || s.Dims() != 4 {
		return nil, fmt.Errorf("channel affine grad: %w: %v", ErrShape, in[0])
	}
	return tensor.Shape{s[0], s[1]}, nil
}

func (op *channelAffinePartOp) Do(...gorgonia.Value) (gorgonia.Value, error) {
	if !op.grad.fresh[op.part] {
		return nil, fmt.Errorf("channel affine grad: the gradient pass has not run in this machine run")
	}
	op.grad.fresh[op.part] = false
	if op.part == 0 {
		return op.grad.da.t, nil
	}
	return op.grad.db.t, nil
}

func (op *channelAffinePartOp) WriteHash(h hash.Hash) { hashOp(h, "channel-affine-part", op) }
func (op *channelAffinePartOp) Hashcode() uint32      { return hashcode("channel-affine-part", op) }
func (op *channelAffinePartOp) String() string        { return fmt.Sprintf("ChannelAffineGrad[%d]", op.part) }

var (
	_ gorgonia.SDOp = (*channelAffineOp)(nil)
	_ gorgonia.Op   = (*channelAffineGradOp)(nil)
	_ gorgonia.Op   = (*channelAffinePartOp)(nil)
)
