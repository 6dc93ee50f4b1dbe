package seg

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opBase carries what every Op of this package shares. Like ml/nn's ops,
// each Op value is applied to exactly one node, owns that node's output
// buffer and hashes by its own address so the graph never merges two of
// them.
type opBase struct{}

func (*opBase) ReturnsPtr() bool     { return false }
func (*opBase) CallsExtern() bool    { return false }
func (*opBase) OverwritesInput() int { return -1 }

func hashOp(h hash.Hash, kind string, p any) { fmt.Fprintf(h, "cgx.seg.%s@%p", kind, p) }

func hashcode(kind string, p any) uint32 {
	h := fnv.New32a()
	hashOp(h, kind, p)
	return h.Sum32()
}

// tensorT is the type of a float tensor with dims dimensions.
func tensorT(dims int) gorgonia.TensorType {
	return gorgonia.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

// f32 returns v's float32 data and shape.
func f32(v gorgonia.Value, what string) ([]float32, tensor.Shape, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %w: got %T", what, ErrTensor, v)
	}
	d, ok := t.Data().([]float32)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %w: got %v", what, ErrTensor, t.Dtype())
	}
	if !t.IsNativelyAccessible() || t.RequiresIterator() {
		return nil, nil, fmt.Errorf("%s: %w: tensor must be dense and contiguous", what, ErrTensor)
	}
	return d, t.Shape(), nil
}

// scalarF32 reads a float32 scalar value (the gradient of a scalar output).
func scalarF32(v gorgonia.Value) (float32, error) {
	switch s := v.(type) {
	case *gorgonia.F32:
		return float32(*s), nil
	case tensor.Tensor:
		if d, ok := s.Data().([]float32); ok && len(d) == 1 {
			return d[0], nil
		}
		if d, ok := s.Data().(float32); ok {
			return d, nil
		}
	}
	return 0, fmt.Errorf("read scalar: %w: got %T", ErrTensor, v)
}

// outBuf is an op's output tensor, reused while the shape stays the same.
type outBuf struct{ t *tensor.Dense }

// get returns a float32 tensor of the given shape; contents unspecified.
func (o *outBuf) get(shape ...int) (*tensor.Dense, []float32) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if o.t != nil && o.t.Shape().Eq(tensor.Shape(shape)) {
		return o.t, o.t.Data().([]float32)
	}
	data := make([]float32, n)
	o.t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	return o.t, data
}

// shape4 checks that n is a float32 [N, C, H, W] node.
func shape4(n *gorgonia.Node, what string) (tensor.Shape, error) {
	if n == nil {
		return nil, fmt.Errorf("%s: %w: nil node", what, ErrTensor)
	}
	s := n.Shape()
	if s.Dims() != 4 || n.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%s: %w: want a float32 [N C H W] tensor, got %v %v", what, ErrTensor, n.Dtype(), s)
	}
	return s, nil
}

// value4 checks a runtime value against the [N, C, H, W] shape it must have.
func value4(v gorgonia.Value, want tensor.Shape, what string) ([]float32, error) {
	d, s, err := f32(v, what)
	if err != nil {
		return nil, err
	}
	if !s.Eq(want) {
		return nil, fmt.Errorf("%s: %w: value has shape %v, want %v", what, ErrTensor, s, want)
	}
	return d, nil
}
