package study

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"testing"

	"github.com/c-bata/goptuna"
)

// benchSpace resembles content experiment 2: 12 rotations and 6 product kinds.
func benchSpace(b *testing.B) Space {
	var ps []Param
	for i := 0; i < 6; i++ {
		ps = append(ps, Float("rot_x_"+strconv.Itoa(i), -180, 180), Float("rot_z_"+strconv.Itoa(i), -180, 180),
			Categorical("kind_"+strconv.Itoa(i), "bottle", "can", "box", "jar", "carton"))
	}
	s, err := NewSpace(ps...)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// benchHistory returns n COMPLETE observations, CMA-ES generations filled in
// order as a batch-size-popsize study would have them.
func benchHistory(space Space, n int) []observation {
	rng := rand.New(rand.NewSource(1))
	pop := CMAESPopulation(space)
	out := make([]observation, n)
	for i := range out {
		params := map[string]float64{}
		for _, p := range space.params {
			params[p.Name] = drawUniform(p, rng)
		}
		out[i] = observation{slot: i, value: rng.Float64(), params: params, generation: i/pop - 1}
	}
	return out
}

// BenchmarkSample measures the sampling cost of one trial whose batch is
// sampled alone (batch size 1, the worst case): fitting the model to the
// history (TPE's Parzen estimators, CMA-ES's replay of every generation) and
// proposing.
func BenchmarkSample(b *testing.B) {
	space := benchSpace(b)
	for _, name := range Samplers() {
		for _, n := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/history-%d", name, n), func(b *testing.B) {
				s, err := newSampler(name, space)
				if err != nil {
					b.Fatal(err)
				}
				h := benchHistory(space, n)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					next, err := s.batch(h)
					if err != nil {
						b.Fatal(err)
					}
					if _, err := next(int64(i)); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRun measures Run's whole overhead per trial (storage reads and
// writes, sampling, dispatch) with a free objective on goptuna.InMemoryStorage.
func BenchmarkRun(b *testing.B) {
	space := benchSpace(b)
	const trials = 200
	obj := func(_ context.Context, in TrialInput) (Outcome, error) {
		return Outcome{Value: rand.New(rand.NewSource(in.Seed)).Float64(), Attrs: map[string]string{"result": "x"}}, nil
	}
	for _, name := range Samplers() {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cfg := Config{Study: "bench", Sampler: name, Seed: 1, Trials: trials, BatchSize: CMAESPopulation(space), Workers: 2}
				if _, err := Run(context.Background(), goptuna.NewInMemoryStorage(), cfg, space, obj); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*trials), "ns/trial")
		})
	}
}
