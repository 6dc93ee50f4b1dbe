package manip

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Build implements Manipulation.
func (m *manipulation) Build(x, values *gorgonia.Node, seeds []int64) (*gorgonia.Node, error) {
	xs, vs := x.Shape(), values.Shape()
	if xs.Dims() != 4 || xs[1] != 3 {
		return nil, fmt.Errorf("build %s: %w: images have shape %v, want [N,3,H,W]", m.name, ErrShape, xs)
	}
	n, h, w := xs[0], xs[2], xs[3]
	if vs.Dims() != 2 || vs[0] != n || vs[1] != len(m.params) {
		return nil, fmt.Errorf("build %s: %w: values have shape %v, want [%d,%d] (%s)", m.name, ErrShape, vs, n, len(m.params), paramNames(m.params))
	}
	if x.Dtype() != values.Dtype() || (x.Dtype() != tensor.Float32 && x.Dtype() != tensor.Float64) {
		return nil, fmt.Errorf("build %s: %w: images are %v and values %v, want both float32 or both float64", m.name, ErrShape, x.Dtype(), values.Dtype())
	}
	if len(seeds) != n {
		return nil, fmt.Errorf("build %s: %w: %d seeds for %d images", m.name, ErrShape, len(seeds), n)
	}
	if err := m.checkImage(h, w); err != nil {
		return nil, fmt.Errorf("build %s: %w", m.name, err)
	}
	op := &manipOp{m: m, n: n, h: h, w: w, seedsKey: seedsKey(seeds)}
	if m.noisy {
		op.noise = make([][]float64, n)
		forEachImage(n, func(i int, _ *workspace) { op.noise[i] = noiseSample(seeds[i], 3*h*w) })
	}
	out, err := gorgonia.ApplyOp(op, x, values)
	if err != nil {
		return nil, fmt.Errorf("build %s: %w", m.name, err)
	}
	return out, nil
}

// seedsKey digests the seeds so ops with different noise hash differently.
func seedsKey(seeds []int64) [32]byte {
	h := sha256.New()
	var b [8]byte
	for _, s := range seeds {
		binary.LittleEndian.PutUint64(b[:], uint64(s))
		h.Write(b[:])
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// manipOp is the forward gorgonia op: (x [N,3,H,W], values [N,k]) -> x'.
type manipOp struct {
	m        *manipulation
	n, h, w  int
	seedsKey [32]byte
	noise    [][]float64 // per image, when m.noisy; read-only after Build
}

var (
	_ gorgonia.Op              = (*manipOp)(nil)
	_ gorgonia.SDOp            = (*manipOp)(nil)
	_ gorgonia.UsePreallocDoer = (*manipOp)(nil)
	_ gorgonia.Op              = (*manipGradOp)(nil)
	_ gorgonia.UsePreallocDoer = (*manipGradOp)(nil)
)

func (op *manipOp) Arity() int { return 2 }

func (op *manipOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(gorgonia.TensorType{Dims: 4, Of: a}, gorgonia.TensorType{Dims: 2, Of: a}, gorgonia.TensorType{Dims: 4, Of: a})
}

func (op *manipOp) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.n, 3, op.h, op.w}, nil
}

func (op *manipOp) ReturnsPtr() bool     { return false }
func (op *manipOp) CallsExtern() bool    { return false }
func (op *manipOp) OverwritesInput() int { return -1 }
func (op *manipOp) String() string       { return "manip." + op.m.String() }

func (op *manipOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "manip.%s[%s](%dx3x%dx%d)seeds=%x", op.m.name, op.m.config, op.n, op.h, op.w, op.seedsKey)
}

func (op *manipOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (op *manipOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, inputs...)
}

func (op *manipOp) UsePreallocDo(prealloc gorgonia.Value, inputs ...gorgonia.Value) (gorgonia.Value, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%s: %w: %d inputs, want 2", op, ErrShape, len(inputs))
	}
	x, err := dense(inputs[0], tensor.Shape{op.n, 3, op.h, op.w})
	if err != nil {
		return nil, fmt.Errorf("%s images: %w", op, err)
	}
	v, err := dense(inputs[1], tensor.Shape{op.n, len(op.m.params)})
	if err != nil {
		return nil, fmt.Errorf("%s values: %w", op, err)
	}
	out := reuse(prealloc, x.Dtype(), x.Shape())
	switch xd := x.Data().(type) {
	case []float32:
		vd, ok := v.Data().([]float32)
		if !ok {
			return nil, fmt.Errorf("%s: %w: images float32, values %v", op, ErrShape, v.Dtype())
		}
		batchForward(op.m, out.Data().([]float32), xd, vd, op.n, op.h, op.w, op.noise)
	case []float64:
		vd, ok := v.Data().([]float64)
		if !ok {
			return nil, fmt.Errorf("%s: %w: images float64, values %v", op, ErrShape, v.Dtype())
		}
		batchForward(op.m, out.Data().([]float64), xd, vd, op.n, op.h, op.w, op.noise)
	default:
		return nil, fmt.Errorf("%s: %w: dtype %v", op, ErrShape, x.Dtype())
	}
	return out, nil
}

func (op *manipOp) DiffWRT(inputs int) []bool { return []bool{false, true} }

func (op *manipOp) SymDiff(inputs gorgonia.Nodes, output, grad *gorgonia.Node) (gorgonia.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("%s: differentiate: %w: %d inputs, want 2", op, ErrShape, len(inputs))
	}
	gv, err := gorgonia.ApplyOp(&manipGradOp{op}, inputs[0], inputs[1], grad)
	if err != nil {
		return nil, fmt.Errorf("%s: differentiate: %w", op, err)
	}
	return gorgonia.Nodes{nil, gv}, nil
}

// manipGradOp is the backward op: (x, values, dL/dx') -> dL/dvalues [N,k].
type manipGradOp struct{ fwd *manipOp }

func (op *manipGradOp) Arity() int { return 3 }

func (op *manipGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t4, t2 := gorgonia.TensorType{Dims: 4, Of: a}, gorgonia.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(t4, t2, t4, t2)
}

func (op *manipGradOp) InferShape(inputs ...gorgonia.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.fwd.n, len(op.fwd.m.params)}, nil
}

func (op *manipGradOp) ReturnsPtr() bool     { return false }
func (op *manipGradOp) CallsExtern() bool    { return false }
func (op *manipGradOp) OverwritesInput() int { return -1 }
func (op *manipGradOp) String() string       { return "manipGrad." + op.fwd.m.String() }

func (op *manipGradOp) WriteHash(h hash.Hash) {
	h.Write([]byte("grad:"))
	op.fwd.WriteHash(h)
}

func (op *manipGradOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (op *manipGradOp) Do(inputs ...gorgonia.Value) (gorgonia.Value, error) {
	return op.UsePreallocDo(nil, inputs...)
}

func (op *manipGradOp) UsePreallocDo(prealloc gorgonia.Value, inputs ...gorgonia.Value) (gorgonia.Value, error) {
	f := op.fwd
	if len(inputs) != 3 {
		return nil, fmt.Errorf("%s: %w: %d inputs, want 3", op, ErrShape, len(inputs))
	}
	imgShape, valShape := tensor.Shape{f.n, 3, f.h, f.w}, tensor.Shape{f.n, len(f.m.params)}
	x, err := dense(inputs[0], imgShape)
	if err != nil {
		return nil, fmt.Errorf("%s images: %w", op, err)
	}
	v, err := dense(inputs[1], valShape)
	if err != nil {
		return nil, fmt.Errorf("%s values: %w", op, err)
	}
	g, err := dense(inputs[2], imgShape)
	if err != nil {
		return nil, fmt.Errorf("%s output gradient: %w", op, err)
	}
	if v.Dtype() != x.Dtype() || g.Dtype() != x.Dtype() {
		return nil, fmt.Errorf("%s: %w: mixed dtypes %v, %v, %v", op, ErrShape, x.Dtype(), v.Dtype(), g.Dtype())
	}
	out := reuse(prealloc, x.Dtype(), valShape)
	switch xd := x.Data().(type) {
	case []float32:
		batchBackward(f.m, out.Data().([]float32), xd, v.Data().([]float32), g.Data().([]float32), f.n, f.h, f.w, f.noise)
	case []float64:
		batchBackward(f.m, out.Data().([]float64), xd, v.Data().([]float64), g.Data().([]float64), f.n, f.h, f.w, f.noise)
	default:
		return nil, fmt.Errorf("%s: %w: dtype %v", op, ErrShape, x.Dtype())
	}
	return out, nil
}

// dense returns v as a contiguous dense tensor of the given shape.
func dense(v gorgonia.Value, want tensor.Shape) (*tensor.Dense, error) {
	d, ok := v.(*tensor.Dense)
	if !ok {
		return nil, fmt.Errorf("%w: got %T, want a dense tensor", ErrShape, v)
	}
	if !d.Shape().Eq(want) {
		return nil, fmt.Errorf("%w: shape %v, want %v", ErrShape, d.Shape(), want)
	}
	if d.IsView() {
		d = d.Materialize().(*tensor.Dense)
	}
	return d, nil
}

// reuse returns prealloc when it is a dense tensor of the right dtype and
// shape (gorgonia's register allocator may hand over any tensor), else a new one.
func reuse(prealloc gorgonia.Value, dt tensor.Dtype, shape tensor.Shape) *tensor.Dense {
	if d, ok := prealloc.(*tensor.Dense); ok && d.Dtype() == dt && d.Shape().Eq(shape) && !d.IsView() {
		return d
	}
	return tensor.New(tensor.Of(dt), tensor.WithShape(shape.Clone()...))
}
