package nn

import (
	"gorgonia.org/tensor"
)

// Param is one named tensor of a network's weights.
type Param struct {
	Name  string
	Value *tensor.Dense // float32
}

// NewParam returns a zero float32 parameter of the given shape.
func NewParam(name string, shape ...int) Param {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return Param{Name: name, Value: tensor.New(tensor.WithShape(shape...), tensor.WithBacking(make([]float32, n)))}
}

// Data returns the parameter's backing slice (shared, not a copy).
func (p Param) Data() []float32 { return p.Value.Data().([]float32) }

// CloneParams deep-copies params, so the copy shares no memory with them.
func CloneParams(params []Param) []Param {
	out := make([]Param, len(params))
	for i, p := range params {
		out[i] = Param{Name: p.Name, Value: tensor.New(
			tensor.WithShape(p.Value.Shape().Clone()...),
			tensor.WithBacking(append([]float32(nil), p.Data()...)))}
	}
	return out
}
