package study

import (
	"math"
	"testing"
)

func TestCMAEigenReconstructs(t *testing.T) {
	o := &cmaOptimizer{dim: 3, c: [][]float64{{4, 1, 0.5}, {1, 3, 0.2}, {0.5, 0.2, 2}}}
	o.eigen()
	for i := range 3 {
		for j := range 3 {
			var s float64
			for k := range 3 {
				s += o.b[i][k] * o.d[k] * o.d[k] * o.b[j][k]
			}
			if math.Abs(s-o.c[i][j]) > 1e-12 {
				t.Errorf("(B·D²·Bᵀ)[%d][%d] = %v, want %v", i, j, s, o.c[i][j])
			}
		}
	}
}

func TestCMAMinimisesSphere(t *testing.T) {
	const dim = 4
	mean, lo, hi := make([]float64, dim), make([]float64, dim), make([]float64, dim)
	for i := range dim {
		mean[i], lo[i], hi[i] = 3, -10, 10
	}
	o, err := newCMAOptimizer(mean, 2, lo, hi)
	if err != nil {
		t.Fatal(err)
	}
	sphere := func(x []float64) float64 {
		var s float64
		for _, v := range x {
			s += v * v
		}
		return s
	}
	for g := range 60 {
		sols := make([]cmaSolution, o.popsize)
		for i := range sols {
			x := o.ask(newRand(int64(g), "ask/"+string(rune('a'+i))))
			sols[i] = cmaSolution{params: x, value: sphere(x)}
		}
		if err := o.tell(sols); err != nil {
			t.Fatal(err)
		}
	}
	if f := sphere(o.mean); f > 1e-3 {
		t.Errorf("after 60 generations the mean %v has sphere value %v, want < 1e-3", o.mean, f)
	}
}
