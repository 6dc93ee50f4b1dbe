package disc

import (
	"context"
	"testing"
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
