package manip

import (
	"testing"

	"gorgonia.org/tensor"
)

// BenchmarkForwardBackward times one fitting step's worth of manipulation
// work (forward, then backward to the values) for a float32 batch of 32
// 64x64 images, through a gorgonia tape machine. Reported per image.
func BenchmarkForwardBackward(b *testing.B) {
	const n, h, w = 32, 64, 64
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			r := testRand(b, 1)
			m := lookup(b, name, Options{})
			x := randomImages(r, n, h, w, 0, 1)
			wts := randomImages(r, n, h, w, -1, 1)
			seeds := make([]int64, n)
			for i := range seeds {
				seeds[i] = int64(i)
			}
			raw := make([]float64, 0, n*len(m.Params()))
			for range n {
				for _, p := range m.Params() {
					raw = append(raw, p.Raw(p.Identity+0.1*(p.High-p.Low)/2))
				}
			}
			g := newGraphRun(b, m, tensor.Float32, x, n, h, w, seeds, wts)
			g.run(b, raw)
			b.ResetTimer()
			for range b.N {
				g.run(b, raw)
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "img/s")
		})
	}
}

// BenchmarkKernels times the ops' own work for one fitting step (forward
// and backward to the values) on a float32 batch of 32 64x64 images, without
// a graph around them. Reported per image.
func BenchmarkKernels(b *testing.B) {
	const n, h, w = 32, 64, 64
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			r := testRand(b, 1)
			mi := lookup(b, name, Options{})
			m := mi.(*manipulation)
			k := len(m.params)
			x := toFloat32(randomImages(r, n, h, w, 0, 1))
			g := toFloat32(randomImages(r, n, h, w, -1, 1))
			vals := make([]float32, 0, n*k)
			for range n {
				for _, p := range m.params {
					vals = append(vals, float32(p.Identity+0.1*(p.High-p.Low)/2))
				}
			}
			var noise [][]float64
			if m.noisy {
				for i := range n {
					noise = append(noise, noiseSample(int64(i), 3*h*w))
				}
			}
			out, gv := make([]float32, len(x)), make([]float32, n*k)
			for b.Loop() {
				batchForward(m, out, x, vals, n, h, w, noise)
				batchBackward(m, gv, x, vals, g, n, h, w, noise)
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "img/s")
		})
	}
}

// BenchmarkApply times Apply on one 64x64 image.
func BenchmarkApply(b *testing.B) {
	const h, w = 64, 64
	for _, name := range Names() {
		b.Run(name, func(b *testing.B) {
			m := lookup(b, name, Options{})
			src := toFloat32(randomImages(testRand(b, 2), 1, h, w, 0, 1))
			dst := make([]float32, len(src))
			vals := IdentityValues(m)
			for j, p := range m.Params() {
				vals[j] += 0.1 * (p.High - p.Low) / 2
			}
			for b.Loop() {
				if err := m.Apply(dst, src, h, w, vals, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
