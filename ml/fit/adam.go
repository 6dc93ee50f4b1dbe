package fit

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// adam holds Adam's moment estimates for every raw variable of a batch, in
// float64. Each image's variables are updated on their own, so an image
// that stopped keeps its state and the others' updates never depend on it.
type adam struct {
	lr, beta1, beta2, eps float64
	m, v, g               []float64
}

func newAdam(c Config, n int) *adam {
	return &adam{lr: c.LearningRate, beta1: c.Beta1, beta2: c.Beta2, eps: c.Epsilon,
		m: make([]float64, n), v: make([]float64, n), g: make([]float64, n)}
}

// grads returns the gradient slots of image i (k variables) to fill in
// before step.
func (a *adam) grads(i, k int) []float64 { return a.g[i*k : (i+1)*k] }

// step applies update t (from 1) to image i's raw variables and projects
// them onto [lo,hi].
func (a *adam) step(i, k int, raw, lo, hi []float64, t int) {
	c1 := 1 - fmath.Pow(a.beta1, float64(t))
	c2 := 1 - fmath.Pow(a.beta2, float64(t))
	for j := range k {
		x := i*k + j
		g := a.g[x]
		a.m[x] = float64(a.beta1*a.m[x]) + float64((1-a.beta1)*g)
		a.v[x] = float64(a.beta2*a.v[x]) + float64((1-a.beta2)*g*g)
		r := raw[x] - a.lr*(a.m[x]/c1)/(math.Sqrt(a.v[x]/c2)+a.eps)
		raw[x] = math.Min(math.Max(r, lo[j]), hi[j])
	}
}
