package disc

import (
	"context"
	"testing"

	"github.com/cgx-dev/cgx/ml/nn"
)

func smallConfig() Config { return Config{Size: 16, Channels: []int{8, 16}, Kernel: 3} }

func TestTrainSeparatesSyntheticDomains(t *testing.T) {
	const seed = 11
	cfg := smallConfig()
	for _, bl := range testBackends(t) {
		t.Run(bl.name, func(t *testing.T) {
			m, err := New(cfg, seed, WithBLAS(bl.BLAS))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := m.Train(context.Background(), TrainConfig{Epochs: 8, BatchSize: 16, LR: 3e-3, Seed: seed},
				smoothGradients(160, cfg.Size, 1), colouredNoise(160, cfg.Size, 2))
			if err != nil {
				t.Fatal(err)
			}
			ev, err := m.Evaluate(context.Background(), smoothGradients(200, cfg.Size, 3), colouredNoise(200, cfg.Size, 4))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("epochs %+v; held-out %+v", rep.Epochs, ev)
			if ev.Accuracy <= 0.99 {
				t.Fatalf("held-out accuracy %.4f, want > 0.99 (seed %d)", ev.Accuracy, seed)
			}
		})
	}
}

type namedBLAS struct {
	name string
	nn.BLAS
}

// testBackends returns every BLAS backend of this build: pure Go always,
// OpenBLAS when it loads.
func testBackends(t *testing.T) []namedBLAS {
	bs := []namedBLAS{{"go", nn.GoBLAS()}}
	if ob, err := nn.OpenBLAS(); err == nil {
		bs = append(bs, namedBLAS{"openblas", ob})
	} else {
		t.Logf("openblas not tested: %v", err)
	}
	return bs
}
