package study

import (
	"context"
	"fmt"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/cmaes"
	"github.com/c-bata/goptuna/tpe"
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

// BenchmarkGoptunaSample is the peer of BenchmarkSample: goptuna's own
// samplers proposing one trial of the same space from the same history in a
// goptuna.InMemoryStorage. Its TPE is not reproducible (global generator) and
// its CMA-ES keeps the optimiser in memory instead of replaying the history,
// which is why it is cheaper there.
func BenchmarkGoptunaSample(b *testing.B) {
	space := benchSpace(b)
	dists := space.Distributions()
	numeric := map[string]interface{}{}
	for _, p := range space.params {
		if p.Kind != KindCategorical {
			numeric[p.Name] = dists[p.Name]
		}
	}
	for _, name := range Samplers() {
		for _, n := range []int{100, 1000} {
			b.Run(fmt.Sprintf("%s/history-%d", name, n), func(b *testing.B) {
				st := goptuna.NewInMemoryStorage()
				for _, o := range benchHistory(space, n) {
					ft := goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: o.value, InternalParams: o.params,
						Params: space.externalParams(o.params), Distributions: space.Distributions(),
						DatetimeStart: time.Unix(0, 0), DatetimeComplete: time.Unix(1, 0),
						UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}, IntermediateValues: map[int]float64{}}
					if _, err := st.CloneTrial(goptuna.InMemoryStorageStudyID, ft); err != nil {
						b.Fatal(err)
					}
				}
				var indep goptuna.Sampler = goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(1))
				if name == SamplerTPE {
					indep = tpe.NewSampler(tpe.SamplerOptionSeed(1))
				}
				rel := cmaes.NewSampler(cmaes.SamplerOptionSeed(1))
				s, err := goptuna.CreateStudy("bench", goptuna.StudyOptionStorage(st), goptuna.StudyOptionSampler(indep),
					goptuna.StudyOptionLogger(nil))
				if err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					id, err := st.CreateNewTrial(goptuna.InMemoryStorageStudyID)
					if err != nil {
						b.Fatal(err)
					}
					ft, err := st.GetTrial(id)
					if err != nil {
						b.Fatal(err)
					}
					relative := map[string]float64{}
					if name == SamplerCMAES {
						if relative, err = rel.SampleRelative(s, ft, numeric); err != nil {
							b.Fatal(err)
						}
					}
					for _, p := range space.params {
						if _, ok := relative[p.Name]; ok {
							continue
						}
						if _, err := indep.Sample(s, ft, p.Name, dists[p.Name]); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}

// BenchmarkRunSize measures Run's cost per trial as a study grows: random
// sampler (whose proposals ignore the history, so what remains is Run's own
// bookkeeping: reading the history, dispatch, storage writes), batch 4, six
// floats, a free objective, goptuna.InMemoryStorage. The cost per trial
// should not depend on the study's size (docs/PERFORMANCE.md).
func BenchmarkRunSize(b *testing.B) {
	var ps []Param
	for i := 0; i < 6; i++ {
		ps = append(ps, Float("x"+strconv.Itoa(i), -1, 1))
	}
	space, err := NewSpace(ps...)
	if err != nil {
		b.Fatal(err)
	}
	obj := func(_ context.Context, in TrialInput) (Outcome, error) {
		return Outcome{Value: float64(in.Slot)}, nil
	}
	for _, trials := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("trials-%d", trials), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				cfg := Config{Study: "bench", Sampler: SamplerRandom, Seed: 1, Trials: trials, BatchSize: 4, Workers: 4}
				if _, err := Run(context.Background(), goptuna.NewInMemoryStorage(), cfg, space, obj); err != nil {
					b.Fatal(err)
				}
			}
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N*trials)
			b.ReportMetric(per, "ns/trial")
			b.ReportMetric(1e9/per, "trials/s")
		})
	}
}
