package nn

import (
	"fmt"
	"math"
)

// AdamConfig holds Adam's hyper-parameters; zero fields take PyTorch's
// defaults (LR 1e-3, betas 0.9 and 0.999, epsilon 1e-8).
type AdamConfig struct {
	LR, Beta1, Beta2, Eps float64
}

func (c AdamConfig) withDefaults() AdamConfig {
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	return c
}

// Adam is the Adam optimiser (Kingma and Ba) with PyTorch's update:
// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
// p ← p − lr·(m/(1−β1ᵗ)) / (√(v/(1−β2ᵗ)) + ε). Element updates are
// independent and run in float32 with every product rounded before it is
// added, so results are the same bits on every machine (math.Pow with an
// integer exponent and math.Sqrt are exact or correctly rounded in pure Go).
type Adam struct {
	cfg  AdamConfig
	t    int
	m, v [][]float32
}

// NewAdam returns an optimiser for parameters of the given sizes.
func NewAdam(cfg AdamConfig, sizes ...int) (*Adam, error) {
	cfg = cfg.withDefaults()
	if cfg.LR < 0 || cfg.Beta1 < 0 || cfg.Beta1 >= 1 || cfg.Beta2 < 0 || cfg.Beta2 >= 1 || cfg.Eps <= 0 {
		return nil, fmt.Errorf("adam: invalid hyper-parameters %+v", cfg)
	}
	a := &Adam{cfg: cfg}
	for _, n := range sizes {
		a.m = append(a.m, make([]float32, n))
		a.v = append(a.v, make([]float32, n))
	}
	return a, nil
}

// Steps returns the number of updates made so far.
func (a *Adam) Steps() int { return a.t }

// Step updates params in place from grads (same order and sizes as NewAdam).
func (a *Adam) Step(params, grads [][]float32) error {
	if len(params) != len(a.m) || len(grads) != len(a.m) {
		return fmt.Errorf("adam step: %w: %d parameters and %d gradients for %d slots", ErrShape, len(params), len(grads), len(a.m))
	}
	for i := range params {
		if len(params[i]) != len(a.m[i]) || len(grads[i]) != len(a.m[i]) {
			return fmt.Errorf("adam step: %w: parameter %d has %d values, gradient %d, want %d", ErrShape, i, len(params[i]), len(grads[i]), len(a.m[i]))
		}
	}
	a.t++
	b1, b2 := float32(a.cfg.Beta1), float32(a.cfg.Beta2)
	c1 := float32(1 - math.Pow(a.cfg.Beta1, float64(a.t)))
	c2 := float32(1 - math.Pow(a.cfg.Beta2, float64(a.t)))
	lr, eps := float32(a.cfg.LR), float32(a.cfg.Eps)
	for i, p := range params {
		m, v, g := a.m[i], a.v[i], grads[i]
		for j := range p {
			gj := g[j]
			// Every product is rounded before it is added, so no CPU
			// fuses them (Go may on arm64): the same bits everywhere.
			m[j] = float32(b1*m[j]) + float32((1-b1)*gj)
			v[j] = float32(b2*v[j]) + float32(float32((1-b2)*gj)*gj)
			mh := m[j] / c1
			vh := v[j] / c2
			p[j] -= float32(lr*mh) / (float32(math.Sqrt(float64(vh))) + eps)
		}
	}
	return nil
}
