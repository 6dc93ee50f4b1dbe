package disc

import (
	"context"
	"testing"

	"github.com/cgx-dev/cgx/ml/nn"
	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkTrainStep and BenchmarkManipStep time the two figures of
// `cgx bench ml` (reference architecture, 64×64, batch 32). Report
// images/s = 32 / (ns/op · 1e-9).

func BenchmarkTrainStep(b *testing.B) {
	m, err := New(DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	x, labels := benchBatch(32)
	tr, err := m.NewTrainer(DefaultLR)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := tr.Step(x, labels); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "img/s")
}

func BenchmarkManipStep(b *testing.B) {
	m, err := New(DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	x, _ := benchBatch(32)
	ms, err := newManipStep(m, x, 32)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := ms.step(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "img/s")
}

// BenchmarkManipStepStockOps is BenchmarkManipStep with the manipulation
// built from stock gorgonia broadcasting ops instead of nn.ChannelAffine,
// for comparison.
func BenchmarkManipStepStockOps(b *testing.B) {
	m, err := New(DefaultConfig(), 1)
	if err != nil {
		b.Fatal(err)
	}
	x, _ := benchBatch(32)
	g := gorgonia.NewGraph()
	xt := tensor.New(tensor.WithShape(32, 3, 64, 64), tensor.WithBacking(x))
	xn := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
	c := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(32, 3, 1, 1), gorgonia.WithInit(gorgonia.Zeroes()), gorgonia.WithName("c"))
	bn := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(32, 3, 1, 1), gorgonia.WithInit(gorgonia.Zeroes()), gorgonia.WithName("b"))
	scale := gorgonia.Must(gorgonia.Add(c, gorgonia.NewConstant(float32(1))))
	x2 := gorgonia.Must(gorgonia.BroadcastAdd(gorgonia.Must(gorgonia.BroadcastHadamardProd(xn, scale, nil, []byte{2, 3})), bn, nil, []byte{2, 3}))
	logits, err := m.Logits(x2)
	if err != nil {
		b.Fatal(err)
	}
	tt := tensor.New(tensor.WithShape(32, 2), tensor.Of(tensor.Float32))
	for i := 0; i < 32; i++ {
		tt.Data().([]float32)[2*i+1] = 1
	}
	tn := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(32, 2), gorgonia.WithValue(tt), gorgonia.WithName("t"))
	loss, err := nn.WeightedCrossEntropy(logits, tn)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := gorgonia.Grad(loss, c, bn); err != nil {
		b.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := vm.RunAll(); err != nil {
			b.Fatal(err)
		}
		vm.Reset()
	}
	b.ReportMetric(float64(32*b.N)/b.Elapsed().Seconds(), "img/s")
}

func benchBatch(n int) ([]float32, []int) {
	s := colouredNoise(n, 64, 3)
	x := s.Tensor().Data().([]float32)
	labels := make([]int, n)
	for i := range labels {
		labels[i] = i % 2
	}
	return x, labels
}

func TestBenchmarkRuns(t *testing.T) {
	res, err := Benchmark(context.Background(), BenchConfig{Config: smallConfig(), Batch: 4, Steps: 1, Rounds: 1, Warmup: 1})
	if err != nil {
		t.Fatal(err)
	}
	if !(res.TrainImgPerS > 0) || !(res.ManipImgPerS > 0) || res.Kernels == "" {
		t.Fatalf("benchmark result %+v", res)
	}
}
