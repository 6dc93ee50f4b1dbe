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

// Config controls a fit. Zero numeric fields take the defaults below.
type Config struct {
	// Direction picks the target class (required).
	Direction Direction
	// Steps is the step limit: at most this many Adam updates per image
	// (default 100).
	Steps int
	// Threshold is the target-class probability that counts as success and,
	// unless NoEarlyStop, stops an image (default 0.5).
	Threshold float64
	// NoEarlyStop keeps every image going for Steps updates, reproducing the
	// published over-shooting.
	NoEarlyStop bool
	// LearningRate, Beta1, Beta2 and Epsilon configure Adam (defaults 0.01,
	// 0.9, 0.999, 1e-8).
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
	case !(c.Penalty >= 0) || !finite(c.Penalty):
		return c, fmt.Errorf("%w: penalty %v: must be zero or positive", ErrConfig, c.Penalty)
	}
	return c, nil
}
