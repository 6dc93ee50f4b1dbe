package disc

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// run is everything a training run produces that must be reproducible.
type run struct {
	weights []byte
	losses  []float32
	dx      []float32 // gradient of Σ logits·sel with respect to the input, after training
}

// trainRun trains a small model with a partial last batch (36 images,
// batch 8) and then differentiates through it, all at the given GOMAXPROCS.
func trainRun(t *testing.T, bl namedBLAS, procs int, seed int64) run {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	cfg := smallConfig()
	m, err := New(cfg, seed, WithBLAS(bl.BLAS))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := m.Train(context.Background(), TrainConfig{Epochs: 2, BatchSize: 8, LR: 3e-3, Seed: seed},
		smoothGradients(18, cfg.Size, 21), colouredNoise(18, cfg.Size, 22))
	if err != nil {
		t.Fatal(err)
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	xt := colouredNoise(6, cfg.Size, 23).Tensor()
	g := gorgonia.NewGraph()
	x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
	logits, err := m.Logits(x)
	if err != nil {
		t.Fatal(err)
	}
	target := tensor.New(tensor.WithShape(6, 2), tensor.WithBacking([]float32{0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1}))
	tn := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(6, 2), gorgonia.WithValue(target), gorgonia.WithName("t"))
	loss := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(logits, tn))))
	grads, err := gorgonia.Grad(loss, x)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return run{weights: blob, losses: rep.Losses, dx: slices.Clone(grads[0].Value().Data().([]float32))}
}

func bitsEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return false
		}
	}
	return true
}

// TestDeterministicAcrossGOMAXPROCS: same seed, same bits, whatever the
// number of cores, on every BLAS backend of this build.
func TestDeterministicAcrossGOMAXPROCS(t *testing.T) {
	const seed = 77
	for _, bl := range testBackends(t) {
		t.Run(bl.name, func(t *testing.T) {
			ref := trainRun(t, bl, 1, seed)
			if len(ref.losses) != 10 {
				t.Fatalf("%d steps, want 10 (5 per epoch, the last one partial)", len(ref.losses))
			}
			for _, procs := range []int{4, 1} {
				got := trainRun(t, bl, procs, seed)
				if !bytes.Equal(got.weights, ref.weights) {
					t.Fatalf("GOMAXPROCS=%d: weights differ from GOMAXPROCS=1 (seed %d)", procs, seed)
				}
				if !bitsEqual(got.losses, ref.losses) {
					t.Fatalf("GOMAXPROCS=%d: losses %v, GOMAXPROCS=1 gave %v (seed %d)", procs, got.losses, ref.losses, seed)
				}
				if !bitsEqual(got.dx, ref.dx) {
					t.Fatalf("GOMAXPROCS=%d: input gradients differ (seed %d)", procs, seed)
				}
			}
			other := trainRun(t, bl, 2, seed+1)
			if bytes.Equal(other.weights, ref.weights) {
				t.Fatal("a different seed gave the same weights")
			}
		})
	}
}

// TestInitGolden pins the initial weights of the reference architecture for
// seed 42: they depend only on the seed derivation and the generator, not
// on the BLAS backend or CPU. Refresh with -update after an intended change.
func TestInitGolden(t *testing.T) {
	m, err := New(DefaultConfig(), 42)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := m.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(blob)
	got := hex.EncodeToString(sum[:])
	path := filepath.Join("testdata", "default-seed42.sha256")
	if *update {
		if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestInitGolden -update to create it)", err)
	}
	if got != strings.TrimSpace(string(want)) {
		t.Fatalf("weights digest %s, golden %s", got, strings.TrimSpace(string(want)))
	}
	if n := len(blob); n < 4*64546 {
		t.Fatalf("blob of %d bytes cannot hold 64,546 weights", n)
	}
}
