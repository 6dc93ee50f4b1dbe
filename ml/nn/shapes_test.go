package nn

import (
	"errors"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

func TestLayersRejectBadShapes(t *testing.T) {
	g := gorgonia.NewGraph()
	node := func(name string, s ...int) *gorgonia.Node {
		return gorgonia.NewTensor(g, tensor.Float32, len(s), gorgonia.WithShape(s...), gorgonia.WithName(name))
	}
	x := node("x", 2, 3, 8, 8)
	w := node("w", 4, 3, 3, 3)
	wBad := node("wbad", 4, 2, 3, 3)
	b := node("b", 4)
	bBad := node("bbad", 5)
	x64 := gorgonia.NewTensor(g, tensor.Float64, 4, gorgonia.WithShape(2, 3, 8, 8), gorgonia.WithName("x64"))
	cases := []struct {
		name  string
		build func() (*gorgonia.Node, error)
		want  error
	}{
		{"conv channel mismatch", func() (*gorgonia.Node, error) { return Conv2D(x, wBad, b, ConvOpts{Pad: 1}) }, ErrShape},
		{"conv bias mismatch", func() (*gorgonia.Node, error) { return Conv2D(x, w, bBad, ConvOpts{Pad: 1}) }, ErrShape},
		{"conv kernel larger than input", func() (*gorgonia.Node, error) {
			return Conv2D(node("tiny", 1, 3, 2, 2), w, b, ConvOpts{})
		}, ErrShape},
		{"conv float64 input", func() (*gorgonia.Node, error) { return Conv2D(x64, w, b, ConvOpts{Pad: 1}) }, ErrDtype},
		{"conv 3-d input", func() (*gorgonia.Node, error) { return Conv2D(node("x3", 3, 8, 8), w, b, ConvOpts{}) }, ErrShape},
		{"frozen conv nil weights", func() (*gorgonia.Node, error) { return FrozenConv2D(x, nil, nil, ConvOpts{}) }, nil},
		{"pool window too large", func() (*gorgonia.Node, error) { return MaxPool2D(x, 9) }, ErrShape},
		{"pool zero window", func() (*gorgonia.Node, error) { return MaxPool2D(x, 0) }, ErrShape},
		{"linear feature mismatch", func() (*gorgonia.Node, error) { return Linear(x, node("lw", 2, 100), node("lb", 2), LinearOpts{}) }, ErrShape},
		{"cross-entropy shape mismatch", func() (*gorgonia.Node, error) {
			return WeightedCrossEntropy(node("z", 2, 2), node("t", 2, 3))
		}, ErrShape},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := c.build()
			if err == nil || n != nil {
				t.Fatalf("got node %v, error %v; want an error", n, err)
			}
			if c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}
