package fit

import (
	"context"
	"fmt"
	"math"
	"strconv"

	"gorgonia.org/gorgonia"

	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/ml/manip"
)

// DistConfig controls a distribution fit (FitDistribution). Zero numeric
// fields take the defaults below.
type DistConfig struct {
	// Direction picks the target class (required).
	Direction Direction
	// Steps is the number of Adam updates per image (default 40). There is
	// no early stop: the objective has a minimum of its own (the prior).
	Steps int
	// Samples is the number of parameter vectors drawn per image and step
	// (default 2); the objective's expectation is their mean.
	Samples int
	// LearningRate is Adam's first step size in range-normalised units (a
	// mean moves by about LearningRate times its range per step); it decays
	// linearly to a tenth of that by the last step (default 0.01).
	LearningRate float64
	// PriorScale is the prior's standard deviation as a fraction of each
	// parameter's range, centred at the identity (default 0.05): the
	// spread of a parameter the classifier ignores.
	PriorScale float64
	// InitSpread is every spread's start as a fraction of the range
	// (default 0.01).
	InitSpread float64
	// MaxSpread bounds every spread as a fraction of the range (default
	// 0.025): the variational family's limit, which keeps draws plausible as
	// augmentation. Where the classifier does not mind a parameter, its
	// spread ends at the cap (or at the prior's, if smaller); a spread well
	// below the cap says the classifier constrains that parameter.
	MaxSpread float64
	// KLWeight weights the Kullback-Leibler divergence to the prior
	// (default 1: the evidence lower bound).
	KLWeight float64
	// Threshold is the target-class probability that counts as success
	// (default 0.5). The likelihood counts a draw's cross-entropy only
	// above the threshold's, -log(Threshold): a draw the classifier already
	// calls the target class at that confidence costs nothing, so the
	// distribution sits just past the boundary, as the threshold rule's
	// point fit does, instead of running to where the classifier is surest.
	// Threshold 1 gives the plain likelihood.
	Threshold float64
	// BatchSize is how many images share one graph (default 32); the graph
	// holds BatchSize*Samples rows. Results do not depend on it.
	BatchSize int
	// Progress, when set, is called after each batch with the number of
	// images done and the total.
	Progress func(done, total int) `json:"-"`
}

// Distribution-fit defaults.
const (
	DefaultDistSteps      = 40
	DefaultDistSamples    = 1
	DefaultDistLR         = 0.01
	DefaultPriorScale     = 0.05
	DefaultInitSpread     = 0.01
	DefaultMaxSpread      = 0.025
	DefaultKLWeight       = 1.0
	distLastStepFraction  = 0.1  // the learning rate's fraction at the last step
	distMinSpread         = 1e-4 // spreads stay within [distMinSpread, distSpreadMax] of the range
	distSpreadMax         = 1.0
	distSpreadInitMaximum = 0.5
	// distRhoScale: Adam moves rho/distRhoScale, so a step changes a
	// spread by about distRhoScale times LearningRate relatively (10%
	// at the default) while a mean moves by LearningRate of its range.
	distRhoScale          = 10.0
	distSampleWindowSteps = 10 // SampleSuccess counts the last steps' draws
	distSeedPrefix        = "fit/dist/step-"
	sampleSeedName        = "fit/dist/sample"
	maxDistSamples        = 64
	maxDistSteps          = 100000
)

func (c DistConfig) resolved() (DistConfig, error) {
	if c.Steps == 0 {
		c.Steps = DefaultDistSteps
	}
	if c.Samples == 0 {
		c.Samples = DefaultDistSamples
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	def(&c.LearningRate, DefaultDistLR)
	def(&c.PriorScale, DefaultPriorScale)
	def(&c.InitSpread, DefaultInitSpread)
	def(&c.MaxSpread, DefaultMaxSpread)
	def(&c.KLWeight, DefaultKLWeight)
	def(&c.Threshold, DefaultThreshold)
	if _, err := c.Direction.Target(); err != nil {
		return c, err
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Steps < 1 || c.Steps > maxDistSteps:
		return c, fmt.Errorf("%w: distribution steps %d: must be 1..%d", ErrConfig, c.Steps, maxDistSteps)
	case c.Samples < 1 || c.Samples > maxDistSamples:
		return c, fmt.Errorf("%w: samples %d: must be 1..%d", ErrConfig, c.Samples, maxDistSamples)
	case c.BatchSize < 1:
		return c, fmt.Errorf("%w: batch size %d: must be positive", ErrConfig, c.BatchSize)
	case !(c.LearningRate > 0 && c.LearningRate <= 1):
		return c, fmt.Errorf("%w: learning rate %v: must be in (0,1] (a fraction of each range)", ErrConfig, c.LearningRate)
	case !(c.PriorScale > 0 && c.PriorScale <= 10):
		return c, fmt.Errorf("%w: prior scale %v: must be in (0,10] (a fraction of each range)", ErrConfig, c.PriorScale)
	case !(c.InitSpread >= distMinSpread && c.InitSpread <= distSpreadInitMaximum):
		return c, fmt.Errorf("%w: initial spread %v: must be in [%g,%g] (a fraction of each range)", ErrConfig, c.InitSpread, distMinSpread, distSpreadInitMaximum)
	case !(c.MaxSpread >= c.InitSpread && c.MaxSpread <= distSpreadMax):
		return c, fmt.Errorf("%w: maximum spread %v: must be in [initial spread %g, %g] (a fraction of each range)", ErrConfig, c.MaxSpread, c.InitSpread, distSpreadMax)
	case !(c.KLWeight >= 0) || !finite(c.KLWeight):
		return c, fmt.Errorf("%w: KL weight %v: must be zero or positive", ErrConfig, c.KLWeight)
	case !(c.Threshold > 0 && c.Threshold <= 1):
		return c, fmt.Errorf("%w: threshold %v: must be in (0,1]", ErrConfig, c.Threshold)
	}
	return c, nil
}

// DistResult is one image's fitted distribution: per parameter (manip's
// Params order) a normal distribution N(Mean, Spread²) in value units, whose
// draws are clamped to the parameter's range.
type DistResult struct {
	Mean, Spread []float64
	// Confidence is the target-class probability at the mean; Success says
	// it reached the threshold.
	Confidence float64
	Success    bool
	// SampleSuccess is the share of the draws of the last (up to 10) steps
	// whose target-class probability reached the threshold.
	SampleSuccess float64
	// AtBound flags a mean at its range's Low or High.
	AtBound []bool
	// Losses holds, per step, the mean cross-entropy of that step's draws,
	// then the cross-entropy at the final mean: Steps+1 values.
	Losses []float64
	// KL is the final divergence from the prior (range-normalised units).
	KL float64
	// Image is the manipulated image at the mean, 3*H*W CHW.
	Image []float32
}

// FitDistribution fits, per image, a normal distribution over m's parameter
// values (a mean and a spread per parameter) whose draws make clf assign the
// direction's target class: variational inference with the likelihood
// P(target | m(x, v)) and a normal prior centred at the identity with
// standard deviation PriorScale times each range. Each step draws Samples
// vectors by the reparameterisation trick, v = mean + softplus(rho) * eps
// (range-normalised; eps from the image's seed and the step's name), and
// takes an Adam step on (mean, rho) for the objective
// mean over draws of max(0, cross-entropy + log Threshold) + KLWeight * KL(q || prior).
// An image's result depends only on the image, its seed, m, clf and cfg
// (the OpenBLAS caveat of the package doc applies).
func FitDistribution(ctx context.Context, clf Classifier, m manip.Manipulation, images Images, cfg DistConfig) ([]DistResult, error) {
	c, err := cfg.resolved()
	if err != nil {
		return nil, fmt.Errorf("fit distribution %s: %w", m.Name(), err)
	}
	if err := images.validate(); err != nil {
		return nil, fmt.Errorf("fit distribution %s: %w", m.Name(), err)
	}
	results := make([]DistResult, 0, images.N)
	for start := 0; start < images.N; start += c.BatchSize {
		end := min(start+c.BatchSize, images.N)
		rs, err := fitDistBatch(ctx, clf, m, images.subset(seq(start, end)), c)
		if err != nil {
			return nil, fmt.Errorf("fit distribution %s: images %d..%d: %w", m.Name(), start, end-1, err)
		}
		results = append(results, rs...)
		if c.Progress != nil {
			c.Progress(end, images.N)
		}
	}
	return results, nil
}

func seq(lo, hi int) []int {
	out := make([]int, hi-lo)
	for i := range out {
		out[i] = lo + i
	}
	return out
}

// fitDistBatch fits one batch: graph row i*S+s holds draw s of image i.
// Per image, Adam moves 2k variables: the k range-normalised means, then the
// k rho's (spread = softplus(rho), range-normalised).
func fitDistBatch(ctx context.Context, clf Classifier, m manip.Manipulation, im Images, c DistConfig) (res []DistResult, err error) {
	target, _ := c.Direction.Target()
	params := m.Params()
	n, k, S, size := im.N, len(params), c.Samples, 3*im.H*im.W
	rows := make([]int, 0, n*S)
	for i := range n {
		for range S {
			rows = append(rows, i)
		}
	}
	b, err := buildBatch(clf, m, im.subset(rows), target, true)
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := b.vm.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close machine: %w", cerr)
		}
	}()

	width := make([]float64, k)
	lo, hi := make([]float64, 2*k), make([]float64, 2*k)
	x := make([]float64, n*2*k) // per image: means then rho's
	rhoLo, rhoHi := invSoftplus(distMinSpread)/distRhoScale, invSoftplus(c.MaxSpread)/distRhoScale
	for j, p := range params {
		width[j] = p.High - p.Low
		lo[j], hi[j] = p.Low/width[j], p.High/width[j]
		lo[k+j], hi[k+j] = rhoLo, rhoHi
		for i := range n {
			x[i*2*k+j] = p.Identity / width[j]
			x[i*2*k+k+j] = invSoftplus(c.InitSpread) / distRhoScale
		}
	}
	opt := newAdam(Config{LearningRate: c.LearningRate, Beta1: DefaultBeta1, Beta2: DefaultBeta2, Epsilon: DefaultEpsilon}, n*2*k)
	res = make([]DistResult, n)
	eps := make([]float64, n*S*k)
	inside := make([]bool, n*S*k)
	hits := make([]int, n)
	floor := -fmath.Log(c.Threshold) // cross-entropy that costs nothing more
	window := 0
	rawData := b.rawT.Data().([]float32)
	run := func() ([]float32, []float32, []float32, error) {
		if err := gorgonia.Let(b.raw, b.rawT); err != nil {
			return nil, nil, nil, err
		}
		if err := b.vm.RunAll(); err != nil {
			return nil, nil, nil, err
		}
		b.vm.Reset()
		return b.logits.Data().([]float32), b.grad.Data().([]float32), b.outV.Data().([]float32), nil
	}
	for step := 1; step <= c.Steps; step++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for i := range n {
			z := normals(im.Seeds[i], distSeedPrefix+strconv.Itoa(step), S*k)
			copy(eps[i*S*k:(i+1)*S*k], z)
			xi := x[i*2*k : (i+1)*2*k]
			for s := range S {
				for j, p := range params {
					e := i*S*k + s*k + j
					v := float64(xi[j]+float64(spreadOf(xi[k+j])*eps[e])) * width[j]
					cl := math.Min(math.Max(v, p.Low), p.High)
					inside[e] = cl == v
					rawData[(i*S+s)*k+j] = float32(cl)
				}
			}
		}
		logits, grad, _, err := run()
		if err != nil {
			return nil, err
		}
		if step > c.Steps-distSampleWindowSteps {
			window++
		}
		for i := range n {
			xi := x[i*2*k : (i+1)*2*k]
			g := opt.grads(i, 2*k)
			clear(g)
			var ceSum float64
			for s := range S {
				r := i*S + s
				l0, l1 := float64(logits[2*r]), float64(logits[2*r+1])
				if math.IsNaN(l0) || math.IsNaN(l1) || math.IsInf(l0, 0) || math.IsInf(l1, 0) {
					return nil, fmt.Errorf("%w: image %d step %d: logits %v, %v", ErrClassifier, i, step, l0, l1)
				}
				ce, prob := crossEntropy(l0, l1, target)
				ceSum += ce
				if step > c.Steps-distSampleWindowSteps && prob >= c.Threshold {
					hits[i]++
				}
				if ce <= floor {
					continue // past the threshold: no gradient from this draw
				}
				for j := range params {
					e := i*S*k + s*k + j
					if !inside[e] {
						continue // a clamped draw does not move with mean or spread
					}
					// d value / d normalised mean = width; / d stored rho = width * eps * dspread.
					gv := float64(float64(grad[r*k+j])*width[j]) / float64(S)
					g[j] += gv
					g[k+j] += float64(float64(gv*eps[e]) * dspread(xi[k+j]))
				}
			}
			res[i].Losses = append(res[i].Losses, ceSum/float64(S))
			if c.KLWeight > 0 {
				p2 := c.PriorScale * c.PriorScale
				for j, p := range params {
					sp := spreadOf(xi[k+j])
					g[j] += float64(c.KLWeight*(xi[j]-p.Identity/width[j])) / p2
					g[k+j] += float64(float64(c.KLWeight*(float64(sp/p2)-1/sp)) * dspread(xi[k+j]))
				}
			}
			frac := 1.0
			if c.Steps > 1 {
				frac = 1 - float64((1-distLastStepFraction)*float64(step-1))/float64(c.Steps-1)
			}
			opt.lr = c.LearningRate * frac
			opt.step(i, 2*k, x, lo, hi, step)
		}
	}
	// Final evaluation at each image's mean (every draw row set to it).
	for i := range n {
		for s := range S {
			for j, p := range params {
				v := math.Min(math.Max(x[i*2*k+j]*width[j], p.Low), p.High)
				rawData[(i*S+s)*k+j] = float32(v)
			}
		}
	}
	logits, _, out, err := run()
	if err != nil {
		return nil, err
	}
	for i := range n {
		r := i * S
		l0, l1 := float64(logits[2*r]), float64(logits[2*r+1])
		if math.IsNaN(l0) || math.IsNaN(l1) || math.IsInf(l0, 0) || math.IsInf(l1, 0) {
			return nil, fmt.Errorf("%w: image %d at its mean: logits %v, %v", ErrClassifier, i, l0, l1)
		}
		ce, prob := crossEntropy(l0, l1, target)
		rv := &res[i]
		rv.Losses = append(rv.Losses, ce)
		rv.Confidence, rv.Success = prob, prob >= c.Threshold
		rv.SampleSuccess = float64(hits[i]) / float64(max(1, window*S))
		rv.Mean, rv.Spread, rv.AtBound = make([]float64, k), make([]float64, k), make([]bool, k)
		for j, p := range params {
			rv.Mean[j] = float64(rawData[r*k+j])
			rv.Spread[j] = float64(float32(spreadOf(x[i*2*k+k+j]) * width[j]))
			rv.AtBound[j] = rv.Mean[j] <= p.Low || rv.Mean[j] >= p.High
			rv.KL += klNormal(x[i*2*k+j]-p.Identity/width[j], spreadOf(x[i*2*k+k+j]), c.PriorScale)
		}
		rv.Image = append([]float32(nil), out[r*size:(r+1)*size]...)
	}
	return res, nil
}

// spreadOf is the range-normalised spread softplus(rho) of a stored
// variable rho/distRhoScale; dspread its derivative.
func spreadOf(stored float64) float64 { return softplus(stored * distRhoScale) }

func dspread(stored float64) float64 { return distRhoScale * sigmoidf(stored*distRhoScale) }

// klNormal is KL(N(d, s²) || N(0, p²)) for a mean offset d from the prior's.
func klNormal(d, s, p float64) float64 {
	return fmath.Log(p/s) + float64(float64(s*s)+float64(d*d))/float64(2*p*p) - 0.5
}

// SampleValues draws one parameter vector from a fitted distribution:
// value_j = clamp(mean_j + spread_j * z_j) to params[j]'s range, z standard
// normals from seed and name (the same seed and name give the same vector,
// on every machine).
func SampleValues(params []manip.Param, mean, spread []float64, seed int64, name string) ([]float64, error) {
	if len(mean) != len(params) || len(spread) != len(params) {
		return nil, fmt.Errorf("sample values: %w: %d means and %d spreads for %d parameters", ErrConfig, len(mean), len(spread), len(params))
	}
	z := normals(seed, sampleSeedName+"/"+name, len(params))
	out := make([]float64, len(params))
	for j, p := range params {
		if !(spread[j] >= 0) || math.IsInf(spread[j], 0) || math.IsNaN(mean[j]) || math.IsInf(mean[j], 0) {
			return nil, fmt.Errorf("sample values: %w: parameter %s has mean %v, spread %v", ErrConfig, p.Name, mean[j], spread[j])
		}
		v := mean[j] + float64(spread[j]*z[j])
		out[j] = math.Min(math.Max(v, p.Low), p.High)
	}
	return out, nil
}

// normals returns n standard normal values from the child seed name of seed
// (PCG-DXSM keyed by internal/seeds, Box-Muller with internal/fmath), the
// same on every machine.
func normals(seed int64, name string, n int) []float64 {
	src := seeds.PCG(uint64(seed), name)
	z := make([]float64, n)
	for i := 0; i < n; i += 2 {
		// Uniforms in (0,1) from the top 53 bits, offset by half a step so
		// log never sees 0.
		u1 := (float64(src.Uint64()>>11) + 0.5) / (1 << 53)
		u2 := (float64(src.Uint64()>>11) + 0.5) / (1 << 53)
		r := math.Sqrt(-2 * fmath.Log(u1))
		z[i] = r * fmath.Cos(2*math.Pi*u2)
		if i+1 < n {
			z[i+1] = r * fmath.Sin(2*math.Pi*u2)
		}
	}
	return z
}

// softplus(r) = log(1+e^r), computed without overflow.
func softplus(r float64) float64 {
	return math.Max(r, 0) + fmath.Log1p(fmath.Exp(-math.Abs(r)))
}

// invSoftplus is softplus's inverse for v > 0: log(e^v - 1).
func invSoftplus(v float64) float64 { return v + fmath.Log(-fmath.Expm1(-v)) }

// sigmoidf = 1/(1+e^-r), softplus's derivative.
func sigmoidf(r float64) float64 {
	if r >= 0 {
		return 1 / (1 + fmath.Exp(-r))
	}
	e := fmath.Exp(r)
	return e / (1 + e)
}
