package disc

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/ml/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchConfig sets up Benchmark. Zero fields take the defaults in brackets.
type BenchConfig struct {
	Config Config // architecture [DefaultConfig()]
	Batch  int    // images per step [32]
	Warmup int    // untimed steps before timing [3]; negative: none
	Steps  int    // steps per timed round [10]
	Rounds int    // timed rounds; figures are their median [5]
	Seed   int64  // weights and input data
}

// BenchResult holds Benchmark's figures: images per second, the median over
// rounds, and every round's figure.
type BenchResult struct {
	TrainImgPerS float64   // training step: forward, backward, Adam
	ManipImgPerS float64   // fitting step: per-channel brightness/contrast, frozen weights
	TrainRounds  []float64 // per round
	ManipRounds  []float64
	Batch, Size  int
	Kernels      string // which BLAS backend and core ran
	GOMAXPROCS   int
}

func (bc BenchConfig) withDefaults() BenchConfig {
	if bc.Config.Size == 0 {
		bc.Config = DefaultConfig()
	}
	if bc.Batch == 0 {
		bc.Batch = 32
	}
	switch {
	case bc.Warmup == 0:
		bc.Warmup = 3
	case bc.Warmup < 0:
		bc.Warmup = 0
	}
	if bc.Steps == 0 {
		bc.Steps = 10
	}
	if bc.Rounds == 0 {
		bc.Rounds = 5
	}
	return bc
}

// Benchmark measures the two hot paths of cgx's ML on random data:
//   - train: one discriminator training step (forward, cross-entropy,
//     backward, Adam) on a batch;
//   - manip: one fitting step of the per-channel brightness/contrast
//     manipulation x' = x·(1+c) + b (6 parameters per image) through the
//     discriminator with frozen weights: forward, backward to c and b,
//     Adam on c and b.
//
// It is what `cgx bench ml` runs; bench/torch_disc.py measures the same
// steps in PyTorch.
func Benchmark(ctx context.Context, bc BenchConfig, opts ...Option) (BenchResult, error) {
	bc = bc.withDefaults()
	if bc.Batch < 1 || bc.Steps < 1 || bc.Rounds < 1 {
		return BenchResult{}, fmt.Errorf("benchmark: %w: batch %d, steps %d, rounds %d", ErrConfig, bc.Batch, bc.Steps, bc.Rounds)
	}
	m, err := New(bc.Config, bc.Seed, opts...)
	if err != nil {
		return BenchResult{}, fmt.Errorf("benchmark: %w", err)
	}
	res := BenchResult{Batch: bc.Batch, Size: bc.Config.Size, GOMAXPROCS: runtime.GOMAXPROCS(0),
		Kernels: m.blas.Name() + "; pooling and gradient loops: " + nn.PlaneKernels()}
	x := make([]float32, bc.Batch*bc.Config.imageSize())
	nn.FillUniform(x, 0.5, nn.NewRand(seeds.Child(uint64(bc.Seed), "bench/x")))
	for i := range x {
		x[i] += 0.5
	}
	labels := make([]int, bc.Batch)
	for i := range labels {
		labels[i] = i % 2
	}

	tr, err := m.NewTrainer(DefaultLR)
	if err != nil {
		return res, fmt.Errorf("benchmark: %w", err)
	}
	trainStep := func() error { _, err := tr.Step(x, labels); return err }
	if res.TrainRounds, err = timeRounds(ctx, bc, trainStep); err != nil {
		return res, fmt.Errorf("benchmark train: %w", err)
	}

	ms, err := newManipStep(m, x, bc.Batch)
	if err != nil {
		return res, fmt.Errorf("benchmark manip: %w", err)
	}
	if res.ManipRounds, err = timeRounds(ctx, bc, ms.step); err != nil {
		return res, fmt.Errorf("benchmark manip: %w", err)
	}
	res.TrainImgPerS = median(res.TrainRounds)
	res.ManipImgPerS = median(res.ManipRounds)
	return res, nil
}

func timeRounds(ctx context.Context, bc BenchConfig, step func() error) ([]float64, error) {
	for i := 0; i < bc.Warmup; i++ {
		if err := step(); err != nil {
			return nil, err
		}
	}
	rates := make([]float64, 0, bc.Rounds)
	for r := 0; r < bc.Rounds; r++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		for i := 0; i < bc.Steps; i++ {
			if err := step(); err != nil {
				return nil, err
			}
		}
		rates = append(rates, float64(bc.Steps*bc.Batch)/time.Since(start).Seconds())
	}
	return rates, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// manipStep is the benchmark's fitting step: per-image, per-channel
// brightness b and contrast c, x' = x·(1+c) + b (nn.ChannelAffine), pushed
// towards "real" with a one-hot target per image (the sum of the images'
// losses, so each image gets its own gradient).
type manipStep struct {
	vm     gorgonia.VM
	params [][]float32 // c, b
	grads  gorgonia.Nodes
	gbuf   [][]float32
	adam   *nn.Adam
}

func newManipStep(m *Model, data []float32, n int) (*manipStep, error) {
	s := m.cfg.Size
	g := gorgonia.NewGraph()
	xt := tensor.New(tensor.WithShape(n, InputChannels, s, s), tensor.WithBacking(slices.Clone(data)))
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
	ct := tensor.New(tensor.WithShape(n, InputChannels), tensor.Of(tensor.Float32))
	bt := tensor.New(tensor.WithShape(n, InputChannels), tensor.Of(tensor.Float32))
	c := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(ct.Shape()...), gorgonia.WithValue(ct), gorgonia.WithName("contrast"))
	b := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(bt.Shape()...), gorgonia.WithValue(bt), gorgonia.WithName("brightness"))
	one := gorgonia.NewConstant(float32(1), gorgonia.WithName("one"))
	scale, err := gorgonia.Add(c, one)
	if err != nil {
		return nil, err
	}
	x2, err := nn.ChannelAffine(x, scale, b)
	if err != nil {
		return nil, err
	}
	logits, err := m.Logits(x2)
	if err != nil {
		return nil, err
	}
	tt := tensor.New(tensor.WithShape(n, Classes), tensor.Of(tensor.Float32))
	td := tt.Data().([]float32)
	for i := 0; i < n; i++ {
		td[i*Classes+ClassReal] = 1
	}
	target := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(n, Classes), gorgonia.WithValue(tt), gorgonia.WithName("target"))
	loss, err := nn.WeightedCrossEntropy(logits, target)
	if err != nil {
		return nil, err
	}
	grads, err := gorgonia.Grad(loss, c, b)
	if err != nil {
		return nil, err
	}
	adam, err := nn.NewAdam(nn.AdamConfig{LR: 1e-2}, n*InputChannels, n*InputChannels)
	if err != nil {
		return nil, err
	}
	return &manipStep{
		vm:     nn.NewTapeMachine(g),
		params: [][]float32{ct.Data().([]float32), bt.Data().([]float32)},
		grads:  grads,
		gbuf:   make([][]float32, 2),
		adam:   adam,
	}, nil
}

func (ms *manipStep) step() error {
	defer ms.vm.Reset()
	if err := ms.vm.RunAll(); err != nil {
		return err
	}
	for i, g := range ms.grads {
		ms.gbuf[i] = g.Value().Data().([]float32)
	}
	return ms.adam.Step(ms.params, ms.gbuf)
}
