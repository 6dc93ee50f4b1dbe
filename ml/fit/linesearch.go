package fit

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/ml/manip"
)

// Line-search constants: the sufficient-decrease fraction of Armijo's rule,
// the step-size factors after an accepted or rejected step, and the smallest
// step (relative to a parameter's range) worth trying.
const (
	armijo   = 1e-4
	grow     = 2.0
	shrink   = 0.5
	tinyStep = 1e-9
	// aimPast is how far beyond the threshold's loss a Polyak step aims,
	// as a fraction of that loss, so the level is crossed rather than
	// approached from one side in ever smaller steps.
	aimPast = 0.1
)

// lineSearch is projected gradient descent with a backtracking line search,
// one independent state per image. Coordinates are scaled by each
// parameter's range (High - Low) in value units: a step of t moves raw
// variable j by t * scale_j^2 * gradient_j, where scale_j is the range
// divided by d value/d raw at the current point (1 unless softplus). So
// parameters with ranges of different widths, and softplus parameters
// whose raw variable moves the value little, move comparably: a gradient
// step in range-normalised values, each parameter in proportion to its own
// gradient.
type lineSearch struct {
	c      Config
	k      int
	params []manip.Param
	lo, hi []float64
	img    []imageSearch
}

// imageSearch is one image's state: the accepted point, its objective,
// gradient, values and manipulated image, and the current step size.
type imageSearch struct {
	started, done bool
	x, g, values  []float64
	scale         []float64 // per parameter at x: range / (d value / d raw)
	obj, ce, prob float64
	image         []float32
	t, last       float64 // step size, and the size of the step being evaluated
	evals         int
}

func newLineSearch(c Config, params []manip.Param, n int, lo, hi []float64) *lineSearch {
	return &lineSearch{c: c, k: len(params), params: params, lo: lo, hi: hi, img: make([]imageSearch, n)}
}

// observe takes image i's evaluation at the point in raw (its k variables):
// objective obj (cross-entropy plus penalty), cross-entropy ce, target
// probability prob, gradient g of obj, values and the manipulated image.
// It accepts or rejects the point, then either writes the next point to
// evaluate into raw and returns false, or returns true: the image is done
// and its accepted point is final.
func (ls *lineSearch) observe(i int, raw []float64, obj, ce, prob float64, g, values []float64, image []float32, losses *[]float64) bool {
	s := &ls.img[i]
	c := ls.c
	converged := false
	switch {
	case !s.started:
		s.started = true
		ls.accept(s, raw, obj, ce, prob, g, values, image, losses)
		if h := ls.scaledMax(s, g); h > 0 {
			s.t = c.LearningRate / h
		}
	default:
		s.evals++
		dd, moved := 0.0, 0.0
		for j := range ls.k {
			d := raw[j] - s.x[j]
			dd += float64(s.g[j] * d)
			moved = math.Max(moved, math.Abs(d)/s.scale[j])
		}
		if obj <= s.obj+float64(armijo*dd) {
			gain := s.obj - obj
			converged = gain <= c.Tolerance*math.Abs(s.obj) || moved <= c.Tolerance
			ls.accept(s, raw, obj, ce, prob, g, values, image, losses)
			s.t = grow * s.last
		} else {
			s.t = shrink * s.last
		}
	}
	stop := s.evals >= c.Steps ||
		(c.Stop == StopThreshold && s.prob >= c.Threshold) ||
		(c.Stop == StopConverge && converged)
	if !stop && !ls.propose(s, raw) {
		stop = true // no step moves the point: stationary, or at its bounds
	}
	s.done = stop
	return stop
}

func (ls *lineSearch) accept(s *imageSearch, raw []float64, obj, ce, prob float64, g, values []float64, image []float32, losses *[]float64) {
	s.x = append(s.x[:0], raw[:ls.k]...)
	s.g = append(s.g[:0], g...)
	s.values = append(s.values[:0], values...)
	s.image = append(s.image[:0], image...)
	s.obj, s.ce, s.prob = obj, ce, prob
	s.scale = s.scale[:0]
	for j, p := range ls.params {
		sc := p.High - p.Low
		if p.Softplus {
			// d softplus(r)/dr = 1/(1+e^-r): a raw step moves the value that
			// much less, so the raw scale grows to keep value steps comparable.
			sc = float64(sc * (1 + fmath.Exp(-s.x[j])))
		}
		s.scale = append(s.scale, sc)
	}
	*losses = append(*losses, ce)
}

// scaledMax is the largest |scale_j * g_j| at s's accepted point.
func (ls *lineSearch) scaledMax(s *imageSearch, g []float64) float64 {
	h := 0.0
	for j, v := range g {
		h = math.Max(h, math.Abs(float64(s.scale[j]*v)))
	}
	return h
}

// propose writes the projected step from the accepted point into raw; false
// when the step is too small to try or moves nothing. The step size is the
// line search's s.t; under the threshold rule it is capped by the Polyak
// step (obj - target) / |scaled g|^2, which a linear model of the objective
// says lands just past the threshold's loss, so the first point past the
// threshold is found without the doubling step overshooting it.
func (ls *lineSearch) propose(s *imageSearch, raw []float64) bool {
	t := s.t
	if ls.c.Stop == StopThreshold {
		target := float64(-fmath.Log(ls.c.Threshold) * (1 - aimPast))
		h2 := 0.0
		for j, v := range s.g {
			h := float64(s.scale[j] * v)
			h2 += float64(h * h)
		}
		if h2 > 0 && s.obj > target {
			t = math.Min(t, (s.obj-target)/h2)
		}
	}
	if t*ls.scaledMax(s, s.g) < tinyStep {
		return false
	}
	s.last = t
	moved := false
	for j := range ls.k {
		sc := s.scale[j]
		r := s.x[j] - float64(float64(t*float64(sc*sc))*s.g[j])
		// The graph reads float32, so the point is rounded to what it will
		// evaluate; the bounds are float32 values, so it stays inside.
		r = float64(float32(math.Min(math.Max(r, ls.lo[j]), ls.hi[j])))
		if r != s.x[j] {
			moved = true
		}
		raw[j] = r
	}
	return moved
}
