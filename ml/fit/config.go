package fit

import (
	"fmt"
	"math"
)

// Class indices of the discriminator's two logits.
const (
	ClassCG   = 0
	ClassReal = 1
)

// Direction names which way a fit pushes images.
type Direction string

// The two directions (docs/DATA.md's cgx.direction).
const (
	CGToReal Direction = "cg-to-real" // target class real
	RealToCG Direction = "real-to-cg" // target class CG
)

// Target returns the class index the direction aims for.
func (d Direction) Target() (int, error) {
	switch d {
	case CGToReal:
		return ClassReal, nil
	case RealToCG:
		return ClassCG, nil
	}
	return 0, fmt.Errorf("%w: direction %q: use %q or %q", ErrConfig, d, CGToReal, RealToCG)
}

// Optimizer names how raw variables move.
type Optimizer string

// The optimisers (docs/MANIPULATIONS.md, "Fitting").
const (
	// Adam is the published optimiser: one Adam update per step. Its first
	// updates move every parameter by about LearningRate whatever its
	// gradient, so an early stop after a few steps gives quantised values.
	Adam Optimizer = "adam"
	// LineSearch is projected gradient descent in range-scaled coordinates
	// with a backtracking (Armijo) line search per image: a step is taken
	// only if it lowers the image's objective enough, the step size doubles
	// after an accepted step and halves after a rejected one. Values move in
	// proportion to each parameter's own gradient, so they are continuous.
	LineSearch Optimizer = "line-search"
)

// Stop names when an image stops (besides the step budget).
type Stop string

// The stopping rules.
const (
	// StopThreshold stops an image at the first point whose target-class
	// probability reaches Threshold (the published rule).
	StopThreshold Stop = "threshold"
	// StopConverge runs each image until its objective stops improving:
	// an accepted step improves it by less than Tolerance (relative), or
	// moves no parameter by more than Tolerance of its range, or no step
	// lowers it any more (line search), or the step budget is spent.
	StopConverge Stop = "converge"
	// StopNone runs every image for the whole step budget (the published
	// over-shooting; the same as NoEarlyStop).
	StopNone Stop = "none"
)

// Config controls a fit. Zero numeric fields take the defaults below.
type Config struct {
	// Direction picks the target class (required).
	Direction Direction
	// Optimizer: Adam (default) or LineSearch.
	Optimizer Optimizer
	// Stop: StopThreshold (default, unless NoEarlyStop), StopConverge or
	// StopNone.
	Stop Stop
	// Tolerance is StopConverge's relative tolerance (default 1e-4).
	Tolerance float64
	// Steps is the step budget per image (default 100): at most this many
	// Adam updates, or, for LineSearch, this many evaluations of the
	// objective after the first (accepted and rejected steps alike).
	Steps int
	// Threshold is the target-class probability that counts as success and,
	// under StopThreshold, stops an image (default 0.5).
	Threshold float64
	// NoEarlyStop keeps every image going for Steps updates, reproducing the
	// published over-shooting (Stop = StopNone).
	NoEarlyStop bool
	// LearningRate, Beta1, Beta2 and Epsilon configure Adam (defaults 0.01,
	// 0.9, 0.999, 1e-8). For LineSearch, LearningRate sets the first trial
	// step: the parameter with the largest range-scaled gradient moves by
	// LearningRate times its range.
	LearningRate, Beta1, Beta2, Epsilon float64
	// Penalty weights an L2 penalty on the parameter values' distance from
	// the identity, added to each image's objective (default 0: none).
	Penalty float64
	// BatchSize is how many images share one graph (default 32). Results do
	// not depend on it.
	BatchSize int
	// Progress, when set, is called after each batch with the number of
	// images done and the total.
	Progress func(done, total int)

	// noCompaction keeps every image in its batch's first graph (tests).
	noCompaction bool
}

// Defaults.
const (
	DefaultSteps        = 100
	DefaultThreshold    = 0.5
	DefaultLearningRate = 0.01
	DefaultBeta1        = 0.9
	DefaultBeta2        = 0.999
	DefaultEpsilon      = 1e-8
	DefaultBatchSize    = 32
	DefaultTolerance    = 1e-4
)

// resolved returns c with defaults filled in, or an error naming the field.
func (c Config) resolved() (Config, error) {
	def := func(v *float64, d float64) {
		if *v == 0 {
			*v = d
		}
	}
	if c.Steps == 0 {
		c.Steps = DefaultSteps
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	def(&c.Threshold, DefaultThreshold)
	def(&c.LearningRate, DefaultLearningRate)
	def(&c.Beta1, DefaultBeta1)
	def(&c.Beta2, DefaultBeta2)
	def(&c.Epsilon, DefaultEpsilon)
	def(&c.Tolerance, DefaultTolerance)
	if c.Optimizer == "" {
		c.Optimizer = Adam
	}
	if c.Stop == "" {
		c.Stop = StopThreshold
		if c.NoEarlyStop {
			c.Stop = StopNone
		}
	}
	if c.NoEarlyStop && c.Stop != StopNone {
		return c, fmt.Errorf("%w: no early stop with stop rule %q: use one of them", ErrConfig, c.Stop)
	}
	switch c.Optimizer {
	case Adam, LineSearch:
	default:
		return c, fmt.Errorf("%w: optimizer %q: use %q or %q", ErrConfig, c.Optimizer, Adam, LineSearch)
	}
	switch c.Stop {
	case StopThreshold, StopConverge, StopNone:
	default:
		return c, fmt.Errorf("%w: stop rule %q: use %q, %q or %q", ErrConfig, c.Stop, StopThreshold, StopConverge, StopNone)
	}
	if _, err := c.Direction.Target(); err != nil {
		return c, err
	}
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	switch {
	case c.Steps < 0:
		return c, fmt.Errorf("%w: steps %d: must be positive", ErrConfig, c.Steps)
	case c.BatchSize < 0:
		return c, fmt.Errorf("%w: batch size %d: must be positive", ErrConfig, c.BatchSize)
	case !(c.Threshold > 0 && c.Threshold <= 1):
		return c, fmt.Errorf("%w: threshold %v: must be in (0,1]", ErrConfig, c.Threshold)
	case !(c.LearningRate > 0) || !finite(c.LearningRate):
		return c, fmt.Errorf("%w: learning rate %v: must be positive", ErrConfig, c.LearningRate)
	case !(c.Beta1 > 0 && c.Beta1 < 1) || !(c.Beta2 > 0 && c.Beta2 < 1):
		return c, fmt.Errorf("%w: Adam betas %v, %v: must be in (0,1)", ErrConfig, c.Beta1, c.Beta2)
	case !(c.Epsilon > 0) || !finite(c.Epsilon):
		return c, fmt.Errorf("%w: Adam epsilon %v: must be positive", ErrConfig, c.Epsilon)
	case !(c.Tolerance > 0 && c.Tolerance < 1):
		return c, fmt.Errorf("%w: tolerance %v: must be in (0,1)", ErrConfig, c.Tolerance)
	case !(c.Penalty >= 0) || !finite(c.Penalty):
		return c, fmt.Errorf("%w: penalty %v: must be zero or positive", ErrConfig, c.Penalty)
	}
	return c, nil
}
