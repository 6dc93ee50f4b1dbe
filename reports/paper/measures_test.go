package paper

import (
	"testing"

	"github.com/cgx-dev/cgx/experiments"
)

// TestMeasuresMatchExperiments: the content truth measures the rules read
// are the ones the runner writes (until internal/keys names them).
func TestMeasuresMatchExperiments(t *testing.T) {
	for _, c := range [][2]string{
		{measureShelfTop, experiments.MeasureShelfTop},
		{measureShelfBottom, experiments.MeasureShelfBottom},
		{measureShelfImages, experiments.MeasureShelfImages},
		{measureCalledStanding, experiments.MeasureCalledStanding},
		{measureStandingVertical, experiments.MeasureStandingVertical},
	} {
		if c[0] != c[1] {
			t.Errorf("rules read %q, the runner writes %q", c[0], c[1])
		}
	}
}
