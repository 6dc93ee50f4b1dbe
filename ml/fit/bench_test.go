package fit

import (
	"context"
	"testing"
)

// BenchmarkFitStep times fitting steps (forward, backward to the parameters,
// Adam) for brightness-contrast on a batch of 32 64x64 images, with a cheap
// classifier so the figure is the fitting machinery's own cost, and with a
// small stock-gorgonia conv net for scale. Reported per image-step.
func BenchmarkFitStep(b *testing.B) {
	const n, h, w, steps = 32, 64, 64, 10
	imgs := batch(smoothImages(testRand(b, 5), n, h, w), h, w, 0)
	for _, tc := range []struct {
		name string
		clf  Classifier
		dir  Direction
	}{
		{"linear", cgLinear, CGToReal},
		{"tinyconv", newTinyConv(3), RealToCG},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m := lookup(b, "brightness-contrast")
			cfg := Config{Direction: tc.dir, Steps: steps, NoEarlyStop: true}
			for b.Loop() {
				if _, err := Fit(context.Background(), tc.clf, m, imgs, cfg); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n*(steps+1))/b.Elapsed().Seconds(), "img-steps/s")
		})
	}
}
