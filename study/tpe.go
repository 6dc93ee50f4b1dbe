package study

import (
	"math"
	"math/rand"
	"sort"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// TPE settings, goptuna's and Optuna's defaults.
const (
	tpeStartupTrials = 10 // trials drawn at random before the model is used
	tpeCandidates    = 24 // expected-improvement candidates per parameter
)

// tpeSampler is the tree-structured Parzen estimator (Bergstra et al. 2011)
// as Optuna 2.x and goptuna define it: each parameter independently, the best
// gamma(n) = min(ceil(n/10), 25) observations form l(x), the rest g(x), and
// the candidate drawn from l maximising l(x)/g(x) wins. It is a port, not a
// call into goptuna/tpe: that package draws from the global math/rand
// generator (unseedable since Go 1.24), so its proposals differ run to run,
// and its Parzen estimator, log-sum-exp, acceptance normalisation and
// categorical weights are wrong (see docs/SEARCH.md).
//
// Within a batch it is a "constant liar" (Optuna's constant_liar): the
// proposals already made for earlier slots of the batch join g as if they had
// failed, so that a batch spreads out instead of sampling one mode many times.
// A proposal is therefore a function of the history and of the seeds of its
// own and the earlier slots of its batch, and Run proposes every slot of a
// batch in slot order, also the slots that a resumed study already holds.
type tpeSampler struct {
	space      Space
	startup    int
	candidates int
}

var _ sampler = (*tpeSampler)(nil)

// tpeGamma is the number of observations in the "below" (good) group.
func tpeGamma(n int) int { return min(int(math.Ceil(0.1*float64(n))), 25) }

// tpeModel proposes one parameter given the model-space values of the
// pending proposals of the batch.
type tpeModel func(rng *rand.Rand, pending []float64) float64

func (s *tpeSampler) batch(history []observation) (func(int64) (proposal, error), error) {
	if len(history) < s.startup {
		return randomSampler{space: s.space}.batch(history)
	}
	// Split by value; ties keep slot order. Each group stays in slot order so
	// that the recency weights apply to the right observations.
	order := make([]int, len(history))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return history[order[a]].value < history[order[b]].value })
	nBelow := tpeGamma(len(history))
	below, above := append([]int(nil), order[:nBelow]...), append([]int(nil), order[nBelow:]...)
	sort.Ints(below)
	sort.Ints(above)

	models := make([]tpeModel, len(s.space.params))
	for i, p := range s.space.params {
		b, a := column(history, below, p.Name), column(history, above, p.Name)
		if p.Kind == KindCategorical {
			models[i] = s.categorical(p, b, a)
		} else {
			models[i] = s.numerical(p, b, a)
		}
	}
	pending := make([][]float64, len(models)) // per parameter, model-space values
	return func(trialSeed int64) (proposal, error) {
		params := make(map[string]float64, len(models))
		for i, p := range s.space.params {
			v := models[i](paramRand(trialSeed, p), pending[i])
			params[p.Name] = v
			pending[i] = append(pending[i], toTPEModel(p, v))
		}
		return proposal{params: params}, nil
	}, nil
}

// column returns the internal values of name for the observations idx.
func column(history []observation, idx []int, name string) []float64 {
	out := make([]float64, len(idx))
	for i, j := range idx {
		out[i] = history[j].params[name]
	}
	return out
}

// toTPEModel maps an internal value to the space TPE models it in: log for
// log floats, unchanged otherwise.
func toTPEModel(p Param, v float64) float64 {
	if p.Log {
		return fmath.Log(v)
	}
	return v
}

// withPending returns above followed by pending, sharing neither.
func withPending(above, pending []float64) []float64 {
	return append(append(make([]float64, 0, len(above)+len(pending)), above...), pending...)
}

// numerical returns the proposer of a float or int parameter. Log floats are
// modelled in log space (the Jacobian cancels in l/g); ints as reals on
// [low-0.5, high+0.5] with the probability mass of [x-0.5, x+0.5].
func (s *tpeSampler) numerical(p Param, below, above []float64) tpeModel {
	low, high := p.Low, p.High
	fromModel := func(x float64) float64 { return x }
	switch {
	case p.Log:
		low, high = fmath.Log(low), fmath.Log(high)
		fromModel = math.Exp
	case p.Kind == KindInt:
		low, high = low-0.5, high+0.5
	}
	for i := range below {
		below[i] = toTPEModel(p, below[i])
	}
	for i := range above {
		above[i] = toTPEModel(p, above[i])
	}
	l, g0 := newParzen(below, low, high), newParzen(above, low, high)
	return func(rng *rand.Rand, pending []float64) float64 {
		g := g0
		if len(pending) > 0 {
			g = newParzen(withPending(above, pending), low, high)
		}
		best, bestScore := 0.0, math.Inf(-1)
		scratch := make([]float64, 0, max(len(l.mus), len(g.mus)))
		for i, x := range l.draw(rng, s.candidates) {
			var score float64
			if p.Kind == KindInt {
				x = p.clampInternal(x)
				score = l.logMass(x-0.5, x+0.5) - g.logMass(x-0.5, x+0.5)
			} else {
				score = l.logPDF(x, scratch) - g.logPDF(x, scratch)
			}
			if i == 0 || score > bestScore {
				best, bestScore = x, score
			}
		}
		if p.Kind == KindInt {
			return best
		}
		return p.clampInternal(fromModel(best))
	}
}

// categorical returns the proposer of a categorical parameter: weighted
// counts plus the prior weight per choice for l and g, candidates drawn from l.
func (s *tpeSampler) categorical(p Param, below, above []float64) tpeModel {
	l, g0 := categoricalProbs(below, len(p.Choices)), categoricalProbs(above, len(p.Choices))
	return func(rng *rand.Rand, pending []float64) float64 {
		g := g0
		if len(pending) > 0 {
			g = categoricalProbs(withPending(above, pending), len(p.Choices))
		}
		best, bestScore := 0, math.Inf(-1)
		for i := 0; i < s.candidates; i++ {
			c := drawCategorical(l, rng)
			score := fmath.Log(l[c]) - fmath.Log(g[c])
			if i == 0 || score > bestScore {
				best, bestScore = c, score
			}
		}
		return float64(best)
	}
}

// categoricalProbs weighs each observation (an index) by recency and adds the
// prior weight to every choice.
func categoricalProbs(obs []float64, choices int) []float64 {
	w := tpeWeights(len(obs))
	probs := make([]float64, choices)
	for i := range probs {
		probs[i] = parzenPriorWeight
	}
	for i, o := range obs {
		probs[int(o)] += w[i]
	}
	var sum float64
	for _, v := range probs {
		sum += v
	}
	for i := range probs {
		probs[i] /= sum
	}
	return probs
}

func drawCategorical(probs []float64, rng *rand.Rand) int {
	r := rng.Float64()
	var acc float64
	for i, v := range probs {
		acc += v
		if r < acc {
			return i
		}
	}
	return len(probs) - 1
}
