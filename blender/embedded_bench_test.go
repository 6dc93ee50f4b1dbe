package blender

import (
	"context"
	"testing"
)

// BenchmarkEmbeddedShelf64 renders the 6-object shelf scene at 64×64 with
// all cores, in batches of 256, and reports images per second.
func BenchmarkEmbeddedShelf64(b *testing.B) {
	benchEmbedded(b, 64, 0)
}

// BenchmarkEmbeddedShelf64OneWorker is the same on one core.
func BenchmarkEmbeddedShelf64OneWorker(b *testing.B) {
	benchEmbedded(b, 64, 1)
}

// BenchmarkEmbeddedShelf256 renders the shelf scene at 256×256.
func BenchmarkEmbeddedShelf256(b *testing.B) {
	benchEmbedded(b, 256, 0)
}

func benchEmbedded(b *testing.B, size, workers int) {
	s := mustExample(b, "shelf", size)
	batch := make([]Scene, 256)
	for i := range batch {
		batch[i] = s
	}
	r := &Embedded{Workers: workers}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := r.Render(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "img/s")
}
