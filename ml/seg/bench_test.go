package seg

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkTrainStep measures one Adam step on a batch of 8 images (forward,
// backward, update) for the test-sized and the default network.
func BenchmarkTrainStep(b *testing.B) {
	for _, ch := range [][]int{{8, 16, 32}, {16, 32, 64}} {
		b.Run(fmt.Sprintf("channels=%v", ch), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Channels = ch
			m, err := New(cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			px, lm := synthSet(1, 8, cfg.Size)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Train(context.Background(), TrainConfig{Epochs: 1, BatchSize: 8}, px, lm); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/8, "ms/image")
		})
	}
}

// BenchmarkPredict measures inference and instance extraction per image.
func BenchmarkPredict(b *testing.B) {
	cfg := DefaultConfig()
	m, err := New(cfg, 1)
	if err != nil {
		b.Fatal(err)
	}
	px, _ := synthSet(2, 16, cfg.Size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Predict(context.Background(), px); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/16, "ms/image")
}
