package seg

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/ml/nn"
)

// ConcatChannels adds channel concatenation to the graph: a [N, Ca, H, W]
// and b [N, Cb, H, W] give [N, Ca+Cb, H, W], a's channels first. Its
// gradient splits the output gradient back into the two channel ranges.
func ConcatChannels(a, b *gorgonia.Node) (*gorgonia.Node, error) {
	as, err := shape4(a, "concat first input")
	if err != nil {
		return nil, err
	}
	bs, err := shape4(b, "concat second input")
	if err != nil {
		return nil, err
	}
	if as[0] != bs[0] || as[2] != bs[2] || as[3] != bs[3] {
		return nil, fmt.Errorf("concat: %w: %v and %v differ outside the channel axis", ErrTensor, as, bs)
	}
	y, err := gorgonia.ApplyOp(&concatOp{a: as.Clone(), b: bs.Clone()}, a, b)
	if err != nil {
		return nil, fmt.Errorf("apply concat: %w", err)
	}
	return y, nil
}

type concatOp struct {
	nn.OpBase
	a, b tensor.Shape
	out  nn.OutBuf
}

func (op *concatOp) Arity() int { return 2 }
func (op *concatOp) Type() hm.Type {
	return hm.NewFnType(nn.TensorType(4), nn.TensorType(4), nn.TensorType(4))
}
func (op *concatOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.a[0], op.a[1] + op.b[1], op.a[2], op.a[3]}, nil
}

func (op *concatOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	a, err := value4(in[0], op.a, "concat first input")
	if err != nil {
		return nil, err
	}
	b, err := value4(in[1], op.b, "concat second input")
	if err != nil {
		return nil, err
	}
	n, ca, cb, hw := op.a[0], op.a[1], op.b[1], op.a[2]*op.a[3]
	t, y := op.out.Get(n, ca+cb, op.a[2], op.a[3])
	for i := 0; i < n; i++ {
		dst := y[i*(ca+cb)*hw:]
		copy(dst[:ca*hw], a[i*ca*hw:(i+1)*ca*hw])
		copy(dst[ca*hw:(ca+cb)*hw], b[i*cb*hw:(i+1)*cb*hw])
	}
	return t, nil
}

func (op *concatOp) WriteHash(h hash.Hash) { nn.OpHash(h, "seg.concat", op) }
func (op *concatOp) Hashcode() uint32      { return nn.OpHashcode("seg.concat", op) }
func (op *concatOp) String() string        { return "ConcatChannels" }
func (op *concatOp) DiffWRT(int) []bool    { return []bool{true, true} }

func (op *concatOp) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	total := op.a[1] + op.b[1]
	da, err := gorgonia.ApplyOp(&channelSliceOp{from: 0, to: op.a[1], in: tensor.Shape{op.a[0], total, op.a[2], op.a[3]}}, grad)
	if err != nil {
		return nil, fmt.Errorf("concat grad: %w", err)
	}
	db, err := gorgonia.ApplyOp(&channelSliceOp{from: op.a[1], to: total, in: tensor.Shape{op.a[0], total, op.a[2], op.a[3]}}, grad)
	if err != nil {
		return nil, fmt.Errorf("concat grad: %w", err)
	}
	return gorgonia.Nodes{da, db}, nil
}

// channelSliceOp copies channels [from, to) of a [N, C, H, W] tensor.
type channelSliceOp struct {
	nn.OpBase
	from, to int
	in       tensor.Shape
	out      nn.OutBuf
}

func (op *channelSliceOp) Arity() int    { return 1 }
func (op *channelSliceOp) Type() hm.Type { return hm.NewFnType(nn.TensorType(4), nn.TensorType(4)) }
func (op *channelSliceOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.in[0], op.to - op.from, op.in[2], op.in[3]}, nil
}

func (op *channelSliceOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := value4(in[0], op.in, "channel slice")
	if err != nil {
		return nil, err
	}
	n, c, hw, k := op.in[0], op.in[1], op.in[2]*op.in[3], op.to-op.from
	t, y := op.out.Get(n, k, op.in[2], op.in[3])
	for i := 0; i < n; i++ {
		copy(y[i*k*hw:(i+1)*k*hw], x[(i*c+op.from)*hw:(i*c+op.to)*hw])
	}
	return t, nil
}

func (op *channelSliceOp) WriteHash(h hash.Hash) { nn.OpHash(h, "seg.channel-slice", op) }
func (op *channelSliceOp) Hashcode() uint32      { return nn.OpHashcode("seg.channel-slice", op) }
func (op *channelSliceOp) String() string {
	return fmt.Sprintf("ChannelSlice[%d:%d]", op.from, op.to)
}

var (
	_ gorgonia.SDOp = (*concatOp)(nil)
	_ gorgonia.Op   = (*channelSliceOp)(nil)
)
