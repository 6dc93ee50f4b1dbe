package study

import (
	"math"
	"math/rand"
	"sort"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// parzen is the truncated Gaussian mixture TPE fits to one group of
// observations of a numerical parameter (Optuna 2.x's _ParzenEstimator with
// consider_prior, prior_weight 1, the magic clip and without endpoints). It
// replaces goptuna's tpe.NewParzenEstimator, which sorts its input in place
// and then indexes the sorted slice with the original positions, scrambling
// the mixture centres.
type parzen struct {
	weights, mus, sigmas []float64
	low, high            float64

	logCoef   []float64 // log(weight / (sqrt(2 pi) sigma)) per component
	logAccept float64   // log of the mixture's mass inside [low, high]
}

const (
	parzenPriorWeight = 1.0
	parzenEps         = 1e-12
)

// tpeWeights is goptuna's and Optuna's default weighting: the 25 most recent
// observations weigh 1, older ones ramp linearly down to 1/n.
func tpeWeights(n int) []float64 {
	w := make([]float64, n)
	if n < 25 {
		for i := range w {
			w[i] = 1
		}
		return w
	}
	ramp := n - 25
	for i := 0; i < ramp; i++ {
		if ramp == 1 {
			w[i] = 1 / float64(n)
		} else {
			w[i] = 1/float64(n) + float64(i)*(1-1/float64(n))/float64(ramp-1)
		}
	}
	for i := ramp; i < n; i++ {
		w[i] = 1
	}
	return w
}

// newParzen fits the mixture to obs (in history order, which the weights
// follow) on [low, high]. obs is not modified.
func newParzen(obs []float64, low, high float64) parzen {
	priorMu, priorSigma := float64(0.5*(low+high)), high-low
	n := len(obs)
	unsorted := tpeWeights(n)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return obs[order[a]] < obs[order[b]] })
	priorPos := sort.Search(n, func(i int) bool { return obs[order[i]] >= priorMu })

	mus := make([]float64, 0, n+1)
	weights := make([]float64, 0, n+1)
	for i, idx := range order {
		if i == priorPos {
			mus, weights = append(mus, priorMu), append(weights, parzenPriorWeight)
		}
		mus, weights = append(mus, obs[idx]), append(weights, unsorted[idx])
	}
	if priorPos == n {
		mus, weights = append(mus, priorMu), append(weights, parzenPriorWeight)
	}

	sigmas := make([]float64, len(mus))
	if n == 0 {
		sigmas[0] = priorSigma
	} else {
		edges := make([]float64, 0, len(mus)+2)
		edges = append(append(append(edges, low), mus...), high)
		for i := range sigmas {
			sigmas[i] = math.Max(edges[i+1]-edges[i], edges[i+2]-edges[i+1])
		}
		last := len(edges) - 1
		sigmas[0] = edges[2] - edges[1]
		sigmas[len(sigmas)-1] = edges[last-1] - edges[last-2]
	}
	var sum float64
	for _, w := range weights {
		sum += w
	}
	for i := range weights {
		weights[i] /= sum
	}
	maxSigma := high - low
	minSigma := (high - low) / math.Min(100, 1+float64(len(mus)))
	for i := range sigmas {
		sigmas[i] = math.Min(math.Max(sigmas[i], minSigma), maxSigma)
	}
	sigmas[priorPos] = priorSigma
	p := parzen{weights: weights, mus: mus, sigmas: sigmas, low: low, high: high, logCoef: make([]float64, len(mus))}
	for i, w := range weights {
		p.logCoef[i] = fmath.Log(w) - fmath.Log(math.Sqrt(2*math.Pi)*math.Max(sigmas[i], parzenEps))
	}
	p.logAccept = fmath.Log(p.acceptance())
	return p
}

// maxDrawAttempts bounds rejection sampling; the prior component alone puts
// more than 1/27 * 0.68 of its mass inside [low, high], so it is never reached
// in practice and exists only so that no input can loop forever.
const maxDrawAttempts = 1 << 16

// draw returns n samples of the mixture truncated to [low, high).
func (p parzen) draw(rng *rand.Rand, n int) []float64 {
	out := make([]float64, 0, n)
	for attempts := 0; len(out) < n; attempts++ {
		r := rng.Float64()
		k := len(p.weights) - 1
		var acc float64
		for i, w := range p.weights {
			acc += w
			if r < acc {
				k = i
				break
			}
		}
		x := p.mus[k] + float64(p.sigmas[k]*normal(rng))
		if (p.low <= x && x < p.high) || attempts >= maxDrawAttempts {
			out = append(out, math.Min(math.Max(x, p.low), p.high))
		}
	}
	return out
}

// normal returns a standard normal number from two uniforms of rng
// (Box-Muller with fmath), not math/rand's NormFloat64, whose ziggurat calls
// math.Exp (assembly) and is compiled with fused multiply-adds on arm64.
func normal(rng *rand.Rand) float64 {
	u1 := float64((float64(rng.Uint64()>>11) + 0.5) / (1 << 53)) // in (0, 1): Log never sees 0
	u2 := float64(float64(rng.Uint64()>>11) / (1 << 53))
	return float64(math.Sqrt(-2*fmath.Log(u1)) * fmath.Cos(float64(2*math.Pi*u2)))
}

func normalCDF(x, mu, sigma float64) float64 {
	return float64(0.5 * (1 + fmath.Erf((x-mu)/(math.Max(sigma, parzenEps)*math.Sqrt2))))
}

// acceptance is the mixture's mass inside [low, high].
func (p parzen) acceptance() float64 {
	var s float64
	for i, w := range p.weights {
		s += float64(w * (normalCDF(p.high, p.mus[i], p.sigmas[i]) - normalCDF(p.low, p.mus[i], p.sigmas[i])))
	}
	return s
}

// logPDF is the log density of the truncated mixture at x. scratch, if long
// enough, is used instead of allocating.
func (p parzen) logPDF(x float64, scratch []float64) float64 {
	terms := scratch[:0]
	for i := range p.weights {
		z := (x - p.mus[i]) / math.Max(p.sigmas[i], parzenEps)
		terms = append(terms, p.logCoef[i]-float64(0.5*z*z))
	}
	return logSumExp(terms) - p.logAccept
}

// logMass is the log probability of the truncated mixture on [lo, hi], used
// for integers (lo, hi = x-0.5, x+0.5).
func (p parzen) logMass(lo, hi float64) float64 {
	lo, hi = math.Max(lo, p.low), math.Min(hi, p.high)
	var s float64
	for i, w := range p.weights {
		s += float64(w * (normalCDF(hi, p.mus[i], p.sigmas[i]) - normalCDF(lo, p.mus[i], p.sigmas[i])))
	}
	return fmath.Log(s+parzenEps) - fmath.Log(fmath.Exp(p.logAccept)+parzenEps)
}

func logSumExp(xs []float64) float64 {
	m := math.Inf(-1)
	for _, x := range xs {
		m = math.Max(m, x)
	}
	if math.IsInf(m, 0) {
		return m
	}
	var s float64
	for _, x := range xs {
		s += fmath.Exp(x - m)
	}
	return m + fmath.Log(s)
}
