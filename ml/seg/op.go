package seg

import (
	"fmt"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/ml/nn"
)

// The Ops of this package follow ml/nn's conventions and use its toolkit
// (nn.OpBase, nn.OutBuf, nn.OpHash, nn.TensorType); see ml/nn/op.go.

// f32 returns v's float32 data and shape, errors wrapping ErrTensor.
func f32(v gorgonia.Value, what string) ([]float32, tensor.Shape, error) {
	d, s, err := nn.Float32Data(v, what)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrTensor, err)
	}
	return d, s, nil
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
