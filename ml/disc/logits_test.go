package disc

import (
	"math"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestLogitsFrozen checks the contract the fitting code relies on: Logits
// matches Predict, gradients reach x (and only x) and agree with finite
// differences through the whole network, and the graph keeps the weights it
// was built with.
func TestLogitsFrozen(t *testing.T) {
	cfg := smallConfig()
	for _, bl := range testBackends(t) {
		t.Run(bl.name, func(t *testing.T) {
			m, err := New(cfg, 5, WithBLAS(bl.BLAS))
			if err != nil {
				t.Fatal(err)
			}
			imgs := colouredNoise(3, cfg.Size, 9)
			xt := imgs.Tensor()
			g := gorgonia.NewGraph()
			x := gorgonia.NewTensor(g, tensor.Float32, 4, gorgonia.WithShape(xt.Shape()...), gorgonia.WithValue(xt), gorgonia.WithName("x"))
			logits, err := m.Logits(x)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := logits.Shape(), (tensor.Shape{3, 2}); !got.Eq(want) {
				t.Fatalf("logits shape %v, want %v", got, want)
			}
			// cost = Σ_n (z_n,real − z_n,cg), so dcost/dx is a sum of two
			// paths through the frozen network.
			sel := tensor.New(tensor.WithShape(3, 2), tensor.WithBacking([]float32{-1, 1, -1, 1, -1, 1}))
			s := gorgonia.NewTensor(g, tensor.Float32, 2, gorgonia.WithShape(3, 2), gorgonia.WithValue(sel), gorgonia.WithName("sel"))
			cost := gorgonia.Must(gorgonia.Sum(gorgonia.Must(gorgonia.HadamardProd(logits, s))))
			grads, err := gorgonia.Grad(cost, x)
			if err != nil {
				t.Fatal(err)
			}
			vm := gorgonia.NewTapeMachine(g)
			defer vm.Close()
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			z := append([]float32(nil), logits.Value().Data().([]float32)...)
			dx := append([]float32(nil), grads[0].Value().Data().([]float32)...)
			vm.Reset()

			probs, err := m.Predict(xt)
			if err != nil {
				t.Fatal(err)
			}
			for i := range probs {
				p := 1 / (1 + math.Exp(float64(z[2*i]-z[2*i+1])))
				if math.Abs(float64(probs[i][ClassReal])-p) > 1e-6 {
					t.Fatalf("image %d: Predict P(real) %v, logits say %v", i, probs[i][ClassReal], p)
				}
			}

			// Finite differences on a few pixels, through Predict's path.
			costAt := func(data []float32) float64 {
				pz, err := m.logitsOf(data, 3)
				if err != nil {
					t.Fatal(err)
				}
				var c float64
				for i := 0; i < 3; i++ {
					c += float64(pz[2*i+1]) - float64(pz[2*i])
				}
				return c
			}
			base := append([]float32(nil), xt.Data().([]float32)...)
			const eps = 1e-2
			for _, j := range []int{0, 17, 300, 767, 1000, 2047, 2303} {
				p := append([]float32(nil), base...)
				p[j] += eps
				fp := costAt(p)
				p[j] -= 2 * eps
				fm := costAt(p)
				num := (fp - fm) / (2 * eps)
				if d := math.Abs(float64(dx[j]) - num); d > 2e-3+2e-2*math.Abs(num) {
					t.Errorf("dcost/dx[%d] = %v, finite difference %v", j, dx[j], num)
				}
			}

			// The graph keeps its weights when the model changes.
			for _, p := range m.params {
				d := p.Data()
				for i := range d {
					d[i] *= 2
				}
			}
			if err := vm.RunAll(); err != nil {
				t.Fatal(err)
			}
			z2 := logits.Value().Data().([]float32)
			for i := range z {
				if z[i] != z2[i] {
					t.Fatalf("logit %d changed from %v to %v after the model's weights changed", i, z[i], z2[i])
				}
			}
		})
	}
}
