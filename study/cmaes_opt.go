package study

import (
	"errors"
	"math"
	"math/rand"
	"sort"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// cmaEpsilon keeps the mean step and the covariance diagonal off zero, as
// in goptuna's CMA-ES.
const cmaEpsilon = 1e-8

// cmaSolution is one told point and its objective value.
type cmaSolution struct {
	params []float64
	value  float64
}

// cmaOptimizer is CMA-ES with an ask-and-tell interface: goptuna's
// cmaes.Optimizer (itself a port of the cmaes Python library), rewritten on
// plain slices so that every number is computed in one fixed order on every
// machine. goptuna's version runs on gonum, whose matrix products and LAPACK
// eigensolver use amd64 assembly and are compiled with fused multiply-adds
// on arm64, and it draws normals with math/rand's NormFloat64; here sums run
// in index order, every product is rounded before it is added, the
// eigendecomposition is a cyclic Jacobi iteration in a fixed sweep order,
// elementary functions come from fmath and normals from normal (Box-Muller).
// The update equations, constants and bounds handling are goptuna's.
type cmaOptimizer struct {
	dim, mu, popsize int
	mean             []float64
	sigma            float64
	c                [][]float64 // covariance, dim×dim
	b                [][]float64 // eigenvectors of c, as columns
	d                []float64   // square roots of c's eigenvalues
	lo, hi           []float64   // bounds, exclusive for ask
	weights          []float64
	muEff, cc, c1    float64
	cmu, cSigma      float64
	dSigma, cm, chiN float64
	pSigma, pc       []float64
	g                int
}

// cmaMaxReSampling is how many draws ask makes before it clips one into
// bounds.
const cmaMaxReSampling = 100

func newCMAOptimizer(mean []float64, sigma float64, lo, hi []float64) (*cmaOptimizer, error) {
	if sigma <= 0 {
		return nil, errors.New("sigma should be a positive number")
	}
	dim := len(mean)
	popsize := 4 + int(math.Floor(float64(3*fmath.Log(float64(dim)))))
	mu := popsize / 2

	var sumBefore, sumSqBefore, sumAfter, sumSqAfter, posSum, negSum float64
	wp := make([]float64, popsize)
	for i := range popsize {
		w := fmath.Log((float64(popsize)+1)/2) - fmath.Log(float64(i+1))
		wp[i] = w
		if i < mu {
			sumBefore += w
			sumSqBefore += float64(w * w)
		} else {
			sumAfter += w
			sumSqAfter += float64(w * w)
		}
		if w > 0 {
			posSum += w
		} else {
			negSum -= w
		}
	}
	muEff := float64(sumBefore*sumBefore) / sumSqBefore
	muEffMinus := float64(sumAfter*sumAfter) / sumSqAfter

	const alphaCov = 2.0
	n := float64(dim)
	c1 := alphaCov / (float64((n+1.3)*(n+1.3)) + muEff)
	cmu := math.Min(1-c1, float64(alphaCov*(muEff-2+1/muEff))/(float64((n+2)*(n+2))+float64(float64(alphaCov*muEff)/2)))
	if c1+cmu > 1 {
		return nil, errors.New("invalid learning rate for the rank-one and rank-μ update")
	}
	alphaMin := math.Min(1+c1/cmu, 1+float64(2*muEffMinus)/(muEff+2))
	alphaMin = math.Min(alphaMin, (1-c1-cmu)/float64(n*cmu))

	weights := make([]float64, popsize)
	for i, w := range wp {
		if w > 0 {
			weights[i] = float64(float64(1/posSum) * w)
		} else {
			weights[i] = float64(float64(alphaMin/negSum) * w)
		}
	}
	cSigma := (muEff + 2) / (n + muEff + 5)
	dSigma := 1 + float64(2*math.Max(0, math.Sqrt((muEff-1)/(n+1))-1)) + cSigma
	if cSigma >= 1 {
		return nil, errors.New("invalid learning rate for cumulation for the step-size control")
	}
	cc := (4 + muEff/n) / (n + 4 + float64(2*muEff)/n)
	if cc > 1 {
		return nil, errors.New("invalid learning rate for cumulation for the rank-one update")
	}
	chiN := float64(math.Sqrt(n) * (1.0 - (1.0 / float64(4.0*n)) + 1.0/float64(21.0*float64(n*n))))

	o := &cmaOptimizer{
		dim: dim, mu: mu, popsize: popsize,
		mean: append([]float64(nil), mean...), sigma: sigma,
		c:  identity(dim),
		lo: append([]float64(nil), lo...), hi: append([]float64(nil), hi...),
		weights: weights, muEff: muEff, cc: cc, c1: c1, cmu: cmu,
		cSigma: cSigma, dSigma: dSigma, cm: 1, chiN: chiN,
		pSigma: make([]float64, dim), pc: make([]float64, dim),
	}
	o.eigen()
	return o, nil
}

func identity(n int) [][]float64 {
	m := make([][]float64, n)
	for i := range m {
		m[i] = make([]float64, n)
		m[i][i] = 1
	}
	return m
}

// ask draws a point from N(mean, σ²C) with rng, redrawing up to
// cmaMaxReSampling times while it falls outside the bounds, then clipping.
func (o *cmaOptimizer) ask(rng *rand.Rand) []float64 {
	x := o.sample(rng)
	for range cmaMaxReSampling {
		if o.feasible(x) {
			return x
		}
		x = o.sample(rng)
	}
	for i := range x {
		x[i] = math.Min(math.Max(x[i], o.lo[i]), o.hi[i])
	}
	return x
}

func (o *cmaOptimizer) sample(rng *rand.Rand) []float64 {
	z := make([]float64, o.dim)
	for i := range z {
		z[i] = normal(rng)
	}
	x := make([]float64, o.dim)
	for i := range x {
		var y float64 // (B·diag(d)·z)[i], summed over j in order
		for j := range z {
			y += float64(float64(o.b[i][j]*o.d[j]) * z[j])
		}
		x[i] = float64(o.sigma*y) + o.mean[i]
	}
	return x
}

func (o *cmaOptimizer) feasible(x []float64) bool {
	for i, v := range x {
		if !(o.lo[i] < v && v < o.hi[i]) {
			return false
		}
	}
	return true
}

// tell updates the distribution from exactly popsize solutions.
func (o *cmaOptimizer) tell(solutions []cmaSolution) error {
	if len(solutions) != o.popsize {
		return errors.New("must tell popsize solutions")
	}
	o.g++
	sols := append([]cmaSolution(nil), solutions...)
	sort.SliceStable(sols, func(i, j int) bool { return sols[i].value < sols[j].value })

	dim := o.dim
	inv := 1 / o.sigma
	yk := make([][]float64, o.popsize) // (x - mean)/σ ~ N(0, C)
	for i, s := range sols {
		yk[i] = make([]float64, dim)
		for j := range dim {
			yk[i][j] = float64(float64(s.params[j]-o.mean[j]) * inv)
		}
	}
	yw := make([]float64, dim) // Σ_{i<μ} w_i y_i
	for j := range dim {
		for i := range o.mu {
			yw[j] += float64(yk[i][j] * o.weights[i])
		}
	}
	for j := range dim {
		o.mean[j] += float64(float64(yw[j]*float64(o.cm*o.sigma))) + cmaEpsilon
	}

	// C^(-1/2) = B·D⁻¹·Bᵀ
	c2 := make([][]float64, dim)
	for i := range dim {
		c2[i] = make([]float64, dim)
		for j := range dim {
			var s float64
			for k := range dim {
				s += float64(float64(o.b[i][k]*(1/o.d[k])) * o.b[j][k])
			}
			c2[i][j] = s
		}
	}
	scale := math.Sqrt(float64(float64(o.cSigma*(2-o.cSigma)) * o.muEff))
	for i := range dim {
		var s float64
		for k := range dim {
			s += float64(c2[i][k] * yw[k])
		}
		o.pSigma[i] = float64((1-o.cSigma)*o.pSigma[i]) + float64(s*scale)
	}
	normPSigma := norm2(o.pSigma)
	o.sigma *= fmath.Exp(float64((o.cSigma / o.dSigma) * (normPSigma/o.chiN - 1)))

	left := normPSigma / math.Sqrt(1-fmath.Pow(1-o.cSigma, float64(2*(o.g+1))))
	right := float64((1.4 + 2/float64(dim+1)) * o.chiN)
	hSigma := 0.0
	if left < right {
		hSigma = 1
	}
	pcScale := float64(hSigma * math.Sqrt(float64(float64(o.cc*(2-o.cc))*o.muEff)))
	for i := range dim {
		o.pc[i] = float64((1-o.cc)*o.pc[i]) + float64(pcScale*yw[i])
	}

	wio := make([]float64, o.popsize)
	for i, w := range o.weights {
		if w > 0 {
			wio[i] = w
			continue
		}
		v := make([]float64, dim) // C^(-1/2)·y_i
		for r := range dim {
			for k := range dim {
				v[r] += float64(c2[r][k] * yk[i][k])
			}
		}
		n := norm2(v)
		wio[i] = float64(w * (float64(dim) / float64(n*n)))
	}
	deltaHSigma := float64(float64((1-hSigma)*o.cc) * (2 - o.cc))
	if deltaHSigma > 1 {
		return errors.New("invalid delta_h_sigma")
	}
	var wsum float64
	for _, w := range o.weights {
		wsum += w
	}
	decay := 1 + float64(o.c1*deltaHSigma) - o.c1 - float64(o.cmu*wsum)
	for r := range dim {
		for k := range dim {
			var rankMu float64
			for i := range o.popsize {
				rankMu += float64(float64(wio[i]*yk[i][r]) * yk[i][k])
			}
			o.c[r][k] = float64(decay*o.c[r][k]) + float64(o.c1*float64(o.pc[r]*o.pc[k])) + float64(o.cmu*rankMu)
		}
	}
	for i := range dim {
		if o.c[i][i] <= 0 {
			o.c[i][i] += cmaEpsilon
		}
	}
	o.eigen()
	return nil
}

func norm2(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += float64(x * x)
	}
	return math.Sqrt(s)
}

// eigen sets b and d from c by the cyclic Jacobi method: sweeps over the
// pairs (p, q), p < q, in order, each rotation zeroing c[p][q], until the
// off-diagonal part vanishes against the diagonal (or 64 sweeps). Eigenvalues
// below cmaEpsilon² are raised to it, so d is positive.
func (o *cmaOptimizer) eigen() {
	n := o.dim
	a := make([][]float64, n)
	for i := range a {
		a[i] = append([]float64(nil), o.c[i]...)
	}
	v := identity(n)
	for range 64 {
		var off, diag float64
		for p := range n {
			diag += float64(a[p][p] * a[p][p])
			for q := p + 1; q < n; q++ {
				off += float64(a[p][q] * a[p][q])
			}
		}
		if off <= float64(1e-30*diag) {
			break
		}
		for p := 0; p < n-1; p++ {
			for q := p + 1; q < n; q++ {
				if a[p][q] == 0 {
					continue
				}
				theta := (a[q][q] - a[p][p]) / float64(2*a[p][q])
				var t float64
				if math.Abs(theta) > 1e150 {
					t = 1 / float64(2*theta)
				} else {
					t = 1 / (math.Abs(theta) + math.Sqrt(float64(theta*theta)+1))
					if theta < 0 {
						t = -t
					}
				}
				c := 1 / math.Sqrt(float64(t*t)+1)
				s := float64(t * c)
				for k := range n { // columns p and q
					akp, akq := a[k][p], a[k][q]
					a[k][p] = float64(c*akp) - float64(s*akq)
					a[k][q] = float64(s*akp) + float64(c*akq)
				}
				for k := range n { // rows p and q
					apk, aqk := a[p][k], a[q][k]
					a[p][k] = float64(c*apk) - float64(s*aqk)
					a[q][k] = float64(s*apk) + float64(c*aqk)
				}
				for k := range n {
					vkp, vkq := v[k][p], v[k][q]
					v[k][p] = float64(c*vkp) - float64(s*vkq)
					v[k][q] = float64(s*vkp) + float64(c*vkq)
				}
			}
		}
	}
	o.b = v
	o.d = make([]float64, n)
	for i := range n {
		o.d[i] = math.Sqrt(math.Max(a[i][i], cmaEpsilon*cmaEpsilon))
	}
}
