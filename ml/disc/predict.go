package disc

import (
	"context"
	"fmt"

	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/ml/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// inferGraph is a compiled forward pass with frozen weights for one batch size.
type inferGraph struct {
	x      *tensor.Dense // bound to the input node; filled before each run
	logits *gorgonia.Node
	vm     gorgonia.VM
}

func (m *Model) inferFor(n int) (*inferGraph, error) {
	if ig, ok := m.infer[n]; ok {
		return ig, nil
	}
	g := gorgonia.NewGraph()
	xt := tensor.New(tensor.WithShape(n, InputChannels, m.cfg.Size, m.cfg.Size), tensor.Of(tensor.Float32))
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
	logits, err := m.forward(x, nil, true)
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

// invalidate drops the Predict graphs, which hold copies of the weights.
func (m *Model) invalidate() {
	m.mu.Lock()
	m.infer = nil
	m.mu.Unlock()
}

// Predict returns, for each image of x ([N, 3, Size, Size] float32, RGB in
// [0, 1]), the softmax probabilities [P(CG), P(real)].
func (m *Model) Predict(x tensor.Tensor) ([][Classes]float32, error) {
	if x == nil {
		return nil, fmt.Errorf("predict: %w: nil tensor", ErrInput)
	}
	data, ok := x.Data().([]float32)
	if !ok {
		return nil, fmt.Errorf("predict: %w: tensor is %v, want float32", ErrInput, x.Dtype())
	}
	if err := m.checkInput(x.Shape()); err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	if len(data) != x.Shape().TotalSize() {
		return nil, fmt.Errorf("predict: %w: tensor must be dense and contiguous", ErrInput)
	}
	logits, err := m.logitsOf(data, x.Shape()[0])
	if err != nil {
		return nil, fmt.Errorf("predict: %w", err)
	}
	return softmax2(logits), nil
}

// logitsOf runs the frozen forward pass on n images and copies the logits.
func (m *Model) logitsOf(data []float32, n int) ([]float32, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ig, err := m.inferFor(n)
	if err != nil {
		return nil, err
	}
	copy(ig.x.Data().([]float32), data)
	defer ig.vm.Reset()
	if err := ig.vm.RunAll(); err != nil {
		return nil, fmt.Errorf("run discriminator: %w", err)
	}
	return append([]float32(nil), ig.logits.Value().Data().([]float32)...), nil
}

func softmax2(logits []float32) [][Classes]float32 {
	n := len(logits) / Classes
	out := make([][Classes]float32, n)
	ls := nn.LogSoftmax(logits, n, Classes)
	for i := range out {
		for k := 0; k < Classes; k++ {
			out[i][k] = float32(fmath.Exp(ls[i*Classes+k]))
		}
	}
	return out
}

// Evaluation is the result of Evaluate on held-out images.
type Evaluation struct {
	Accuracy     float64 // fraction of all images classified correctly
	CGAccuracy   float64 // fraction of CG images called CG
	RealAccuracy float64 // fraction of real images called real
	Loss         float64 // mean cross-entropy
	CG, Real     int     // number of images of each domain
}

// evalBatch is the batch size of Evaluate; results do not depend on it
// beyond the last bits of the linear layer.
const evalBatch = 32

// Evaluate classifies every image of both domains and reports accuracy. An
// image counts as correct when its own class has probability above 0.5
// (ties count as wrong).
func (m *Model) Evaluate(ctx context.Context, cg, real Images) (Evaluation, error) {
	if err := m.checkImages("cg", cg); err != nil {
		return Evaluation{}, fmt.Errorf("evaluate: %w", err)
	}
	if err := m.checkImages("real", real); err != nil {
		return Evaluation{}, fmt.Errorf("evaluate: %w", err)
	}
	ev := Evaluation{CG: cg.Len(), Real: real.Len()}
	if ev.CG+ev.Real == 0 {
		return ev, fmt.Errorf("evaluate: %w: no images", ErrInput)
	}
	all := make([]sample, 0, ev.CG+ev.Real)
	for i := 0; i < ev.CG; i++ {
		all = append(all, sample{ClassCG, i})
	}
	for i := 0; i < ev.Real; i++ {
		all = append(all, sample{ClassReal, i})
	}
	size := m.cfg.imageSize()
	x := make([]float32, evalBatch*size)
	labels := make([]int, evalBatch)
	var correct [Classes]int
	var loss float64
	for lo := 0; lo < len(all); lo += evalBatch {
		batch := all[lo:min(len(all), lo+evalBatch)]
		if err := m.loadBatch(ctx, batch, cg, real, x, labels); err != nil {
			return Evaluation{}, fmt.Errorf("evaluate: %w", err)
		}
		logits, err := m.logitsOf(x[:len(batch)*size], len(batch))
		if err != nil {
			return Evaluation{}, fmt.Errorf("evaluate: %w", err)
		}
		ls := nn.LogSoftmax(logits, len(batch), Classes)
		for i, s := range batch {
			lp := ls[i*Classes+s.class]
			loss -= lp
			if lp > fmath.Log(0.5) {
				correct[s.class]++
			}
		}
	}
	n := float64(len(all))
	ev.Accuracy = float64(correct[ClassCG]+correct[ClassReal]) / n
	ev.Loss = loss / n
	if ev.CG > 0 {
		ev.CGAccuracy = float64(correct[ClassCG]) / float64(ev.CG)
	}
	if ev.Real > 0 {
		ev.RealAccuracy = float64(correct[ClassReal]) / float64(ev.Real)
	}
	return ev, nil
}
