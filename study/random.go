package study

import (
	"math/rand"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// randomSampler draws every parameter independently and uniformly (ints
// include both bounds; log floats are uniform in log space). Parameter p of a
// trial draws from the generator "param/<p>" under the trial seed, which TPE's
// start-up trials share, so random and TPE studies with the same seed begin
// with the same trials.
type randomSampler struct{ space Space }

var _ sampler = randomSampler{}

func (s randomSampler) batch([]observation) (func(int64) (proposal, error), error) {
	return func(trialSeed int64) (proposal, error) {
		params := make(map[string]float64, s.space.Len())
		for _, p := range s.space.params {
			params[p.Name] = drawUniform(p, paramRand(trialSeed, p))
		}
		return proposal{params: params}, nil
	}, nil
}

// paramRand is the generator of parameter p in the trial seeded trialSeed.
func paramRand(trialSeed int64, p Param) *rand.Rand { return newRand(trialSeed, "param/"+p.Name) }

// drawUniform returns a uniform internal value for p.
func drawUniform(p Param, rng *rand.Rand) float64 {
	switch p.Kind {
	case KindInt:
		return p.Low + float64(rng.Int63n(int64(p.High-p.Low)+1))
	case KindCategorical:
		return float64(rng.Intn(len(p.Choices)))
	}
	if p.Log {
		lo, hi := fmath.Log(p.Low), fmath.Log(p.High)
		return p.clampInternal(fmath.Exp(lo + float64(rng.Float64()*(hi-lo))))
	}
	return p.clampInternal(p.Low + float64(rng.Float64()*(p.High-p.Low)))
}
