package blender

import (
	"context"
	"testing"
)

// BenchmarkEmbeddedShelf64 renders 6-object shelf scenes at 64×64 with all
// cores, in batches of 256, and reports images per second.
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

// benchEmbedded renders the benchmark's 256 distinct experiment-2 scenes.
func benchEmbedded(b *testing.B, size, workers int) {
	batch := BenchScenes(256, size)
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

// BenchmarkCyclesShelf64 renders 8 of the same scenes with Blender Cycles
// (16 samples) in one process per iteration, start-up included; 'cgx bench
// render' separates start-up from the cost per image.
func BenchmarkCyclesShelf64(b *testing.B) {
	c := &Cycles{}
	if err := c.Available(); err != nil {
		b.Skip(err)
	}
	batch := BenchScenes(8, 64)
	for b.Loop() {
		if _, err := c.Render(context.Background(), batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(batch))/b.Elapsed().Seconds(), "img/s")
}
