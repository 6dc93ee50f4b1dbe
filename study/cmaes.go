package study

import (
	"fmt"
	"math"
	"strconv"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// attrGeneration is the trial system attribute holding the CMA-ES generation
// a trial was asked in.
const attrGeneration = "cgx.cmaes.generation"

// cmaSampler samples the float and int parameters jointly with CMA-ES
// (cmaOptimizer, goptuna's algorithm on portable arithmetic) and every other parameter (categoricals) independently at
// random, like goptuna's CMA-ES sampler with its default independent sampler.
// As in goptuna, the first batch (no finished trial yet to define the search
// space) and spaces with fewer than two numerical parameters are sampled at
// random.
//
// goptuna keeps the optimiser in the sampler's memory, names its generations
// after a random optimiser id and tells whichever trials finish first; none of
// that survives a restart or is independent of timing. Here the optimiser is
// rebuilt for every batch from the stored history: starting from the centre
// of the space, generation g is told the first popsize COMPLETE trials (in
// slot order) stored with cgx.cmaes.generation = g, for g = 0, 1, ... until a
// generation is short. Tell uses no randomness, so the state is a function of
// the history; Ask then draws with the trial's own generator.
type cmaSampler struct {
	space   Space
	numeric []Param // float and int parameters, in space order
}

var _ sampler = (*cmaSampler)(nil)

func newCMASampler(space Space) *cmaSampler {
	s := &cmaSampler{space: space}
	for _, p := range space.params {
		if p.Kind != KindCategorical {
			s.numeric = append(s.numeric, p)
		}
	}
	return s
}

// bounds returns p's interval in optimiser coordinates: log for log floats,
// widened by half a unit for ints so that every integer has equal width.
func cmaBounds(p Param) (lo, hi float64) {
	switch {
	case p.Log:
		return fmath.Log(p.Low), fmath.Log(p.High)
	case p.Kind == KindInt:
		return p.Low - 0.5, p.High + 0.5
	}
	return p.Low, p.High
}

func toCMA(p Param, internal float64) float64 {
	if p.Log {
		return fmath.Log(internal)
	}
	return internal
}

func fromCMA(p Param, x float64) float64 {
	if p.Log {
		x = fmath.Exp(x)
	}
	return p.clampInternal(x)
}

// newOptimizer starts CMA-ES at the centre of the space with sigma0 a sixth
// of the narrowest range, as goptuna does.
func (s *cmaSampler) newOptimizer() (*cmaOptimizer, error) {
	dim := len(s.numeric)
	mean, lo, hi := make([]float64, dim), make([]float64, dim), make([]float64, dim)
	sigma0 := math.Inf(1)
	for i, p := range s.numeric {
		lo[i], hi[i] = cmaBounds(p)
		mean[i] = (lo[i] + hi[i]) / 2
		sigma0 = math.Min(sigma0, (hi[i]-lo[i])/6)
	}
	return newCMAOptimizer(mean, sigma0, lo, hi)
}

func (s *cmaSampler) batch(history []observation) (func(int64) (proposal, error), error) {
	if len(s.numeric) < 2 || len(history) == 0 {
		return randomSampler{space: s.space}.batch(history)
	}
	opt, err := s.newOptimizer()
	if err != nil {
		return nil, fmt.Errorf("start cma-es: %w", err)
	}
	for {
		gen := opt.g
		solutions := make([]cmaSolution, 0, opt.popsize)
		for _, o := range history {
			if o.generation != gen {
				continue
			}
			x := make([]float64, len(s.numeric))
			for i, p := range s.numeric {
				x[i] = toCMA(p, o.params[p.Name])
			}
			solutions = append(solutions, cmaSolution{params: x, value: o.value})
			if len(solutions) == opt.popsize {
				break
			}
		}
		if len(solutions) < opt.popsize {
			break
		}
		if err := opt.tell(solutions); err != nil {
			return nil, fmt.Errorf("replay cma-es generation %d: %w", gen, err)
		}
	}
	generation := strconv.Itoa(opt.g)
	return func(trialSeed int64) (proposal, error) {
		x := opt.ask(newRand(trialSeed, "sampler/cmaes"))
		params := make(map[string]float64, s.space.Len())
		for i, p := range s.numeric {
			params[p.Name] = fromCMA(p, x[i])
		}
		for _, p := range s.space.params {
			if p.Kind == KindCategorical {
				params[p.Name] = drawUniform(p, paramRand(trialSeed, p))
			}
		}
		return proposal{params: params, attrs: map[string]string{attrGeneration: generation}}, nil
	}, nil
}

// CMAESPopulation is the CMA-ES population size for space: 4 + floor(3 ln d)
// for d float and int parameters (0 when d < 2, where CMA-ES is not used). A
// generation is told its first CMAESPopulation trials, so a batch size equal
// to it (or a divisor of it) wastes no trials.
func CMAESPopulation(space Space) int {
	d := len(newCMASampler(space).numeric)
	if d < 2 {
		return 0
	}
	return 4 + int(math.Floor(3*fmath.Log(float64(d))))
}
