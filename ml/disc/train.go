package disc

import (
	"context"
	"fmt"
	"math"

	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/ml/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TrainConfig controls Train. Zero BatchSize and LR take the defaults.
type TrainConfig struct {
	Epochs    int     // passes over the training images, at least 1
	BatchSize int     // images per step (default 32); the last batch of an epoch may be smaller
	LR        float64 // Adam learning rate (default 1e-3)
	Seed      int64   // shuffling seed: epoch e uses stream "shuffle/epoch-<e>"
	// Progress, when set, is called after every step.
	Progress func(Progress)
	// EpochEnd, when set, is called after every epoch with its report, the
	// model holding that epoch's weights (a caller may Evaluate it: that
	// reads the weights and changes nothing training computes). An error
	// stops training and is returned.
	EpochEnd func(EpochReport) error
}

// Defaults for TrainConfig's zero fields.
const (
	DefaultBatchSize = 32
	DefaultLR        = 1e-3
)

// Progress reports one finished training step.
type Progress struct {
	Epoch, Epochs int     // from 1
	Step, Steps   int     // within the epoch, from 1
	Loss          float32 // mean cross-entropy of the step's batch
}

// Report summarises a training run.
type Report struct {
	Epochs []EpochReport
	// Losses holds the mean cross-entropy of every step, in order.
	Losses []float32
}

// EpochReport summarises one epoch.
type EpochReport struct {
	Epoch    int     // from 1
	MeanLoss float64 // mean of the epoch's step losses, weighted by batch size
	Accuracy float64 // fraction of the epoch's training images classified correctly when their step ran
}

func (tc TrainConfig) withDefaults() (TrainConfig, error) {
	if tc.BatchSize == 0 {
		tc.BatchSize = DefaultBatchSize
	}
	if tc.LR == 0 {
		tc.LR = DefaultLR
	}
	switch {
	case tc.Epochs < 1:
		return tc, fmt.Errorf("%w: epochs %d, want at least 1", ErrConfig, tc.Epochs)
	case tc.BatchSize < 1 || tc.BatchSize > 1<<16:
		return tc, fmt.Errorf("%w: batch size %d, want 1..65536", ErrConfig, tc.BatchSize)
	case !(tc.LR > 0) || math.IsInf(tc.LR, 0):
		return tc, fmt.Errorf("%w: learning rate %v, want a positive number", ErrConfig, tc.LR)
	}
	return tc, nil
}

// Train fits the model to tell cg (class 0) from real (class 1) images with
// Adam on the mean cross-entropy. Every epoch visits all images once in an
// order shuffled from tc.Seed. The same model, images and config give the
// same weights and losses bit for bit, whatever GOMAXPROCS is.
func (m *Model) Train(ctx context.Context, tc TrainConfig, cg, real Images) (Report, error) {
	tc, err := tc.withDefaults()
	if err != nil {
		return Report{}, fmt.Errorf("train discriminator: %w", err)
	}
	if err := m.checkImages("cg", cg); err != nil {
		return Report{}, fmt.Errorf("train discriminator: %w", err)
	}
	if err := m.checkImages("real", real); err != nil {
		return Report{}, fmt.Errorf("train discriminator: %w", err)
	}
	if cg.Len() == 0 || real.Len() == 0 {
		return Report{}, fmt.Errorf("train discriminator: %w: need images of both domains (cg %d, real %d)", ErrInput, cg.Len(), real.Len())
	}
	tr, err := m.NewTrainer(tc.LR)
	if err != nil {
		return Report{}, fmt.Errorf("train discriminator: %w", err)
	}
	order := make([]int, cg.Len()+real.Len())
	size := m.cfg.imageSize()
	x := make([]float32, tc.BatchSize*size)
	labels := make([]int, tc.BatchSize)
	batch := make([]sample, tc.BatchSize)
	steps := (len(order) + tc.BatchSize - 1) / tc.BatchSize
	var rep Report
	for e := 1; e <= tc.Epochs; e++ {
		for i := range order {
			order[i] = i
		}
		nn.Shuffle(order, nn.NewRand(seeds.Child(uint64(tc.Seed), fmt.Sprintf("shuffle/epoch-%d", e))))
		var lossSum float64
		var correct int
		for s := 0; s < steps; s++ {
			idx := order[s*tc.BatchSize : min(len(order), (s+1)*tc.BatchSize)]
			b := batch[:len(idx)]
			for i, k := range idx {
				if k < cg.Len() {
					b[i] = sample{ClassCG, k}
				} else {
					b[i] = sample{ClassReal, k - cg.Len()}
				}
			}
			if err := m.loadBatch(ctx, b, cg, real, x, labels); err != nil {
				return rep, fmt.Errorf("train discriminator: epoch %d step %d: %w", e, s+1, err)
			}
			res, err := tr.step(x[:len(b)*size], labels[:len(b)])
			if err != nil {
				return rep, fmt.Errorf("train discriminator: epoch %d step %d: %w", e, s+1, err)
			}
			rep.Losses = append(rep.Losses, res.loss)
			lossSum += float64(float64(res.loss) * float64(len(b)))
			correct += res.correct
			if tc.Progress != nil {
				tc.Progress(Progress{Epoch: e, Epochs: tc.Epochs, Step: s + 1, Steps: steps, Loss: res.loss})
			}
		}
		rep.Epochs = append(rep.Epochs, EpochReport{
			Epoch:    e,
			MeanLoss: lossSum / float64(len(order)),
			Accuracy: float64(correct) / float64(len(order)),
		})
		if tc.EpochEnd != nil {
			if err := tc.EpochEnd(rep.Epochs[len(rep.Epochs)-1]); err != nil {
				return rep, fmt.Errorf("train discriminator: after epoch %d: %w", e, err)
			}
		}
	}
	return rep, nil
}

// Trainer runs Adam steps on a model's weights. Train uses one; it is
// exported for callers that bring their own batches (benchmarks, training
// on manipulated images). Not safe for concurrent use.
type Trainer struct {
	m      *Model
	adam   *nn.Adam
	graphs map[int]*trainGraph
	params [][]float32
	grads  [][]float32
}

type trainGraph struct {
	x, t   *tensor.Dense // input and target tensors bound to the graph
	loss   *gorgonia.Node
	logits *gorgonia.Node
	grads  gorgonia.Nodes
	vm     gorgonia.VM
}

// NewTrainer returns a trainer with fresh Adam state at learning rate lr.
func (m *Model) NewTrainer(lr float64) (*Trainer, error) {
	sizes := make([]int, len(m.params))
	params := make([][]float32, len(m.params))
	for i, p := range m.params {
		params[i] = p.Data()
		sizes[i] = len(params[i])
	}
	adam, err := nn.NewAdam(nn.AdamConfig{LR: lr}, sizes...)
	if err != nil {
		return nil, fmt.Errorf("new trainer: %w", err)
	}
	return &Trainer{m: m, adam: adam, graphs: map[int]*trainGraph{}, params: params, grads: make([][]float32, len(m.params))}, nil
}

func (tr *Trainer) graphFor(n int) (*trainGraph, error) {
	if tg, ok := tr.graphs[n]; ok {
		return tg, nil
	}
	m := tr.m
	g := gorgonia.NewGraph()
	xt := tensor.New(tensor.WithShape(n, InputChannels, m.cfg.Size, m.cfg.Size), tensor.Of(tensor.Float32))
	tt := tensor.New(tensor.WithShape(n, Classes), tensor.Of(tensor.Float32))
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
	t := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(n, Classes), gorgonia.WithValue(tt), gorgonia.WithName("targets"))
	nodes := make([]*gorgonia.Node, len(m.params))
	for i, p := range m.params {
		s := p.Value.Shape()
		nodes[i] = gorgonia.NewTensor(g, tensor.Float32, s.Dims(), gorgonia.WithShape(s...), gorgonia.WithValue(p.Value), gorgonia.WithName(p.Name))
	}
	logits, err := m.forward(x, nodes, true)
	if err != nil {
		return nil, err
	}
	loss, err := nn.WeightedCrossEntropy(logits, t)
	if err != nil {
		return nil, err
	}
	grads, err := gorgonia.Grad(loss, nodes...)
	if err != nil {
		return nil, fmt.Errorf("differentiate discriminator: %w", err)
	}
	tg := &trainGraph{x: xt, t: tt, loss: loss, logits: logits, grads: grads, vm: nn.NewTapeMachine(g)}
	tr.graphs[n] = tg
	return tg, nil
}

type stepResult struct {
	loss    float32
	correct int
}

// Step runs one training step on the batch x ([len(labels), 3, Size, Size]
// flattened, RGB in [0, 1]) with the given labels (ClassCG or ClassReal)
// and returns the batch's mean cross-entropy before the update.
func (tr *Trainer) Step(x []float32, labels []int) (float32, error) {
	res, err := tr.step(x, labels)
	return res.loss, err
}

func (tr *Trainer) step(x []float32, labels []int) (stepResult, error) {
	n := len(labels)
	if n == 0 || len(x) != n*tr.m.cfg.imageSize() {
		return stepResult{}, fmt.Errorf("training step: %w: %d values for %d images of %d", ErrInput, len(x), n, tr.m.cfg.imageSize())
	}
	tg, err := tr.graphFor(n)
	if err != nil {
		return stepResult{}, fmt.Errorf("training step: %w", err)
	}
	copy(tg.x.Data().([]float32), x)
	td := tg.t.Data().([]float32)
	clear(td)
	for i, l := range labels {
		if l != ClassCG && l != ClassReal {
			return stepResult{}, fmt.Errorf("training step: %w: label %d of image %d, want %d (CG) or %d (real)", ErrInput, l, i, ClassCG, ClassReal)
		}
		td[i*Classes+l] = 1 / float32(n)
	}
	defer tg.vm.Reset()
	if err := tg.vm.RunAll(); err != nil {
		return stepResult{}, fmt.Errorf("training step: run: %w", err)
	}
	var res stepResult
	loss, ok := tg.loss.Value().Data().(float32)
	if !ok {
		return stepResult{}, fmt.Errorf("training step: loss is %T", tg.loss.Value())
	}
	res.loss = loss
	z := tg.logits.Value().Data().([]float32)
	for i, l := range labels {
		if z[i*Classes+l] > z[i*Classes+1-l] {
			res.correct++
		}
	}
	for i, gn := range tg.grads {
		tr.grads[i] = gn.Value().Data().([]float32)
	}
	if err := tr.adam.Step(tr.params, tr.grads); err != nil {
		return stepResult{}, fmt.Errorf("training step: %w", err)
	}
	tr.m.invalidate()
	return res, nil
}
