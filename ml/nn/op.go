package nn

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// opBase carries what every Op in this package shares. Each Op value is
// applied to exactly one node: it owns that node's output buffer, reused from
// run to run, and hashes by its own address so the graph never merges two of
// them.
type opBase struct{}

func (*opBase) ReturnsPtr() bool     { return false }
func (*opBase) CallsExtern() bool    { return false }
func (*opBase) OverwritesInput() int { return -1 }

// hashOp writes the op's kind and identity; p is the op itself.
func hashOp(h hash.Hash, kind string, p any) { fmt.Fprintf(h, "cgx.nn.%s@%p", kind, p) }

func hashcode(kind string, p any) uint32 {
	h := fnv.New32a()
	hashOp(h, kind, p)
	return h.Sum32()
}

// tensorT is the type of a float tensor with dims dimensions.
func tensorT(dims int) gorgonia.TensorType {
	return gorgonia.TensorType{Dims: dims, Of: hm.TypeVariable('a')}
}

// fnT builds the type of an op taking the given argument types.
func fnT(ts ...hm.Type) hm.Type { return hm.NewFnType(ts...) }

// f32 returns v's float32 data and shape.
func f32(v gorgonia.Value, what string) ([]float32, tensor.Shape, error) {
	t, ok := v.(tensor.Tensor)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %w: got %T", what, ErrDtype, v)
	}
	d, ok := t.Data().([]float32)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %w: got %v", what, ErrDtype, t.Dtype())
	}
	if !t.IsNativelyAccessible() || t.RequiresIterator() {
		return nil, nil, fmt.Errorf("%s: tensor must be dense and contiguous", what)
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
	return 0, fmt.Errorf("read scalar: %w: got %T", ErrDtype, v)
}

// outBuf is an op's output tensor, reused while the shape stays the same.
type outBuf struct{ t *tensor.Dense }

// get returns a float32 tensor of the given shape backed by a reused slice.
// The contents are unspecified.
func (o *outBuf) get(shape ...int) (*tensor.Dense, []float32) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	if o.t != nil {
		data := o.t.Data().([]float32)
		if len(data) == n {
			if !o.t.Shape().Eq(tensor.Shape(shape)) {
				if err := o.t.Reshape(shape...); err != nil {
					o.t = nil
				}
			}
			if o.t != nil {
				return o.t, data
			}
		}
	}
	data := make([]float32, n)
	o.t = tensor.New(tensor.WithShape(shape...), tensor.WithBacking(data))
	return o.t, data
}

// shapeOf returns a node's shape, checking its rank.
func shapeOf(n *gorgonia.Node, dims int, what string) (tensor.Shape, error) {
	if n == nil {
		return nil, fmt.Errorf("%s: nil node", what)
	}
	s := n.Shape()
	if s.Dims() != dims {
		return nil, fmt.Errorf("%s: %w: want %d dimensions, got shape %v", what, ErrShape, dims, s)
	}
	if n.Dtype() != tensor.Float32 {
		return nil, fmt.Errorf("%s: %w: got %v", what, ErrDtype, n.Dtype())
	}
	return s, nil
}

// sameShape checks a value's shape against the one the node was built with.
func sameShape(got, want tensor.Shape, what string) error {
	if !got.Eq(want) {
		return fmt.Errorf("%s: %w: value has shape %v, node %v", what, ErrShape, got, want)
	}
	return nil
}

// The op toolkit for other ml packages that write their own gorgonia Ops
// (ml/seg): the same conventions as this package's Ops.

// OpBase is embedded by an Op applied to exactly one node: it owns that
// node's output buffer and hashes by its own address (OpHashcode), so the
// graph never merges two of them.
type OpBase = opBase

// OpHash writes an op's kind and identity into h; p is the op itself.
func OpHash(h hash.Hash, kind string, p any) { hashOp(h, kind, p) }

// OpHashcode is the Hashcode of an op of kind whose identity is p.
func OpHashcode(kind string, p any) uint32 { return hashcode(kind, p) }

// TensorType is the type of a float tensor with dims dimensions.
func TensorType(dims int) gorgonia.TensorType { return tensorT(dims) }

// Float32Data returns v's float32 data and shape; what names v in errors,
// which wrap ErrDtype.
func Float32Data(v gorgonia.Value, what string) ([]float32, tensor.Shape, error) { return f32(v, what) }

// ScalarFloat32 reads a float32 scalar value (the gradient of a scalar output).
func ScalarFloat32(v gorgonia.Value) (float32, error) { return scalarF32(v) }

// OutBuf is an op's output tensor, reused while its size stays the same.
type OutBuf struct{ b outBuf }

// Get returns a float32 tensor of the given shape backed by a reused slice;
// the contents are unspecified.
func (o *OutBuf) Get(shape ...int) (*tensor.Dense, []float32) { return o.b.get(shape...) }
