package seg

import (
	"context"
	"fmt"
	"sync"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"

	"github.com/cgx-dev/cgx/ml/nn"
)

// predictBatch is the number of images one inference graph runs at once.
const predictBatch = 8

// inferGraph is a compiled forward pass with frozen weights for one batch size.
type inferGraph struct {
	mu     sync.Mutex
	x      *tensor.Dense
	logits *gorgonia.Node
	vm     gorgonia.VM
}

func (m *Model) inferFor(n int) (*inferGraph, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ig, ok := m.infer[n]; ok {
		return ig, nil
	}
	s := m.cfg.Size
	g := gorgonia.NewGraph()
	xt := tensor.New(tensor.WithShape(n, InputChannels, s, s), tensor.Of(tensor.Float32))
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
	logits, err := m.forward(x, nil)
	if err != nil {
		return nil, err
	}
	ig := &inferGraph{x: xt, logits: logits, vm: nn.NewTapeMachine(g)}
	if m.infer == nil {
		m.infer = map[int]*inferGraph{}
	}
	m.infer[n] = ig
	return ig, nil
}

// logits returns the network's output for images [from, from+n) of
// images: n·Outputs maps of Size·Size logits (a copy).
func (m *Model) logits(images Images, from, n int) ([]float32, error) {
	ig, err := m.inferFor(n)
	if err != nil {
		return nil, err
	}
	ig.mu.Lock()
	defer ig.mu.Unlock()
	size := m.cfg.imageSize()
	xd := ig.x.Data().([]float32)
	for b := 0; b < n; b++ {
		if err := images.Load(from+b, xd[b*size:(b+1)*size]); err != nil {
			return nil, fmt.Errorf("load image %d: %w", from+b, err)
		}
	}
	defer ig.vm.Reset()
	if err := ig.vm.RunAll(); err != nil {
		return nil, fmt.Errorf("run: %w", err)
	}
	return append([]float32(nil), ig.logits.Value().Data().([]float32)...), nil
}

// maps returns, for images [from, from+n) of images, the foreground and
// interior probabilities (sigmoid of the logits), each Size·Size row-major.
func (m *Model) maps(images Images, from, n int) (fg, interior [][]float32, err error) {
	ig, err := m.inferFor(n)
	if err != nil {
		return nil, nil, err
	}
	ig.mu.Lock()
	defer ig.mu.Unlock()
	size, pix := m.cfg.imageSize(), m.cfg.Size*m.cfg.Size
	xd := ig.x.Data().([]float32)
	for b := 0; b < n; b++ {
		if err := images.Load(from+b, xd[b*size:(b+1)*size]); err != nil {
			return nil, nil, fmt.Errorf("load image %d: %w", from+b, err)
		}
	}
	defer ig.vm.Reset()
	if err := ig.vm.RunAll(); err != nil {
		return nil, nil, fmt.Errorf("run: %w", err)
	}
	z := ig.logits.Value().Data().([]float32)
	for b := 0; b < n; b++ {
		f, in := make([]float32, pix), make([]float32, pix)
		base := b * Outputs * pix
		for p := 0; p < pix; p++ {
			f[p] = float32(sigmoid(float64(z[base+OutForeground*pix+p])))
			in[p] = float32(sigmoid(float64(z[base+OutInterior*pix+p])))
		}
		fg, interior = append(fg, f), append(interior, in)
	}
	return fg, interior, nil
}

// ProbabilityMaps returns the foreground and interior probability maps of
// every image (each Size·Size, row-major), for inspection and figures.
func (m *Model) ProbabilityMaps(ctx context.Context, images Images) (fg, interior [][]float32, err error) {
	if err := m.checkImages(images); err != nil {
		return nil, nil, fmt.Errorf("probability maps: %w", err)
	}
	for from := 0; from < images.Len(); from += predictBatch {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("probability maps: %w", err)
		}
		f, in, err := m.maps(images, from, min(predictBatch, images.Len()-from))
		if err != nil {
			return nil, nil, fmt.Errorf("probability maps: %w", err)
		}
		fg, interior = append(fg, f...), append(interior, in...)
	}
	return fg, interior, nil
}

// Predict returns the instances found in each image (see extract for how
// the two probability maps become instances). Images are run in batches of
// 8; a batch's results do not depend on the other images in it.
func (m *Model) Predict(ctx context.Context, images Images) ([][]Instance, error) {
	fg, interior, err := m.ProbabilityMaps(ctx, images)
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	out := make([][]Instance, len(fg))
	for i := range fg {
		out[i] = extract(fg[i], interior[i], m.cfg.Size, m.cfg.Size, m.cfg)
	}
	return out, nil
}
