package seg

import (
	"fmt"
	"hash"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/ml/nn"
)

// Upsample2x adds nearest-neighbour upsampling by two to x's graph:
// [N, C, H, W] -> [N, C, 2H, 2W], every input pixel copied to a 2x2 block.
// Its gradient sums each 2x2 block of the output gradient.
func Upsample2x(x *gorgonia.Node) (*gorgonia.Node, error) {
	s, err := shape4(x, "upsample2x input")
	if err != nil {
		return nil, err
	}
	y, err := gorgonia.ApplyOp(&upsampleOp{in: s.Clone()}, x)
	if err != nil {
		return nil, fmt.Errorf("apply upsample2x: %w", err)
	}
	return y, nil
}

type upsampleOp struct {
	nn.OpBase
	in  tensor.Shape
	out nn.OutBuf
}

func (op *upsampleOp) Arity() int    { return 1 }
func (op *upsampleOp) Type() hm.Type { return hm.NewFnType(nn.TensorType(4), nn.TensorType(4)) }
func (op *upsampleOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.in[0], op.in[1], 2 * op.in[2], 2 * op.in[3]}, nil
}

func (op *upsampleOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	x, err := value4(in[0], op.in, "upsample2x")
	if err != nil {
		return nil, err
	}
	planes, h, w := op.in[0]*op.in[1], op.in[2], op.in[3]
	t, y := op.out.Get(op.in[0], op.in[1], 2*h, 2*w)
	for p := 0; p < planes; p++ {
		src := x[p*h*w : (p+1)*h*w]
		dst := y[p*4*h*w : (p+1)*4*h*w]
		for r := 0; r < h; r++ {
			row := dst[2*r*2*w : (2*r+1)*2*w]
			for c, v := range src[r*w : (r+1)*w] {
				row[2*c], row[2*c+1] = v, v
			}
			copy(dst[(2*r+1)*2*w:(2*r+2)*2*w], row)
		}
	}
	return t, nil
}

func (op *upsampleOp) WriteHash(h hash.Hash) { nn.OpHash(h, "seg.upsample2x", op) }
func (op *upsampleOp) Hashcode() uint32      { return nn.OpHashcode("seg.upsample2x", op) }
func (op *upsampleOp) String() string        { return "Upsample2x" }
func (op *upsampleOp) DiffWRT(int) []bool    { return []bool{true} }

func (op *upsampleOp) SymDiff(_ gorgonia.Nodes, _, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	dx, err := gorgonia.ApplyOp(&blockSumOp{in: op.in}, grad)
	if err != nil {
		return nil, fmt.Errorf("upsample2x grad: %w", err)
	}
	return gorgonia.Nodes{dx}, nil
}

// blockSumOp is Upsample2x's gradient: [N, C, 2H, 2W] -> [N, C, H, W], each
// output the sum of its 2x2 block (top-left, top-right, bottom-left,
// bottom-right, in that order).
type blockSumOp struct {
	nn.OpBase
	in  tensor.Shape // the upsample's input shape, this op's output shape
	out nn.OutBuf
}

func (op *blockSumOp) Arity() int    { return 1 }
func (op *blockSumOp) Type() hm.Type { return hm.NewFnType(nn.TensorType(4), nn.TensorType(4)) }
func (op *blockSumOp) InferShape(...gorgonia.DimSizer) (tensor.Shape, error) {
	return op.in.Clone(), nil
}

func (op *blockSumOp) Do(in ...gorgonia.Value) (gorgonia.Value, error) {
	n, c, h, w := op.in[0], op.in[1], op.in[2], op.in[3]
	g, err := value4(in[0], tensor.Shape{n, c, 2 * h, 2 * w}, "upsample2x grad")
	if err != nil {
		return nil, err
	}
	t, dx := op.out.Get(n, c, h, w)
	for p := 0; p < n*c; p++ {
		src := g[p*4*h*w : (p+1)*4*h*w]
		dst := dx[p*h*w : (p+1)*h*w]
		for r := 0; r < h; r++ {
			top, bot := src[2*r*2*w:(2*r+1)*2*w], src[(2*r+1)*2*w:(2*r+2)*2*w]
			for col := 0; col < w; col++ {
				dst[r*w+col] = ((top[2*col] + top[2*col+1]) + bot[2*col]) + bot[2*col+1]
			}
		}
	}
	return t, nil
}

func (op *blockSumOp) WriteHash(h hash.Hash) { nn.OpHash(h, "seg.block-sum", op) }
func (op *blockSumOp) Hashcode() uint32      { return nn.OpHashcode("seg.block-sum", op) }
func (op *blockSumOp) String() string        { return "BlockSum2x2" }

var (
	_ gorgonia.SDOp = (*upsampleOp)(nil)
	_ gorgonia.Op   = (*blockSumOp)(nil)
)
