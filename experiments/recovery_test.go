package experiments

import (
	"math"
	"strconv"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/manip"
)

// TestRecoveryMetrics: per-image planted values give r and errors; a
// parameter planted 0 gets no relative error; bounds are counted; a
// study-level planted value stands in where a trial has none.
func TestRecoveryMetrics(t *testing.T) {
	params := []manip.Param{{Name: "sigma", Low: 0, High: 3}, {Name: "noise_std", Low: -0.5, High: 0.5}}
	trial := func(sigma, planted float64, bound string) goptuna.FrozenTrial {
		return goptuna.FrozenTrial{State: goptuna.TrialStateComplete,
			InternalParams: map[string]float64{"sigma": sigma, "noise_std": 0.1},
			UserAttrs: map[string]string{keys.TrialPlanted: `{"sigma":` + ftoa(planted) + `}`,
				keys.TrialAtBound: bound}}
	}
	trials := []goptuna.FrozenTrial{
		trial(0.5, 0.4, ""), trial(1.0, 0.8, ""), trial(3, 1.2, "sigma"), trial(0.4, 0.5, ""),
		{State: goptuna.TrialStateFail},
	}
	got := recoveryMetrics(trials, params, map[string]float64{"noise_std": 0})
	m := func(stat, p string) float64 { return got[keys.RecoveryMeasure(stat, p)] }
	// errors: 0.1, 0.2, 1.8, 0.1; relative 0.25, 0.25, 1.5, 0.2
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"at bound (any)", got[keys.MeasureAtBound], 0.25},
		{"at bound sigma", m(keys.StatAtBound, "sigma"), 0.25},
		{"median abs", m(keys.StatMedianAbsError, "sigma"), 0.15},
		{"median rel", m(keys.StatMedianRelError, "sigma"), 0.25},
		{"within 25%", m(keys.StatWithin25, "sigma"), 0.75},
		{"fitted median", m(keys.StatFittedMedian, "sigma"), 0.75},
		{"planted median", m(keys.StatPlantedMedian, "sigma"), 0.65},
		{"noise abs error", m(keys.StatMedianAbsError, "noise_std"), 0.1},
	} {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if r := m(keys.StatR, "sigma"); !(r > 0.8 && r < 1) {
		t.Errorf("r = %v, want a strong positive correlation", r)
	}
	for _, k := range []string{keys.RecoveryMeasure(keys.StatR, "noise_std"), keys.RecoveryMeasure(keys.StatMedianRelError, "noise_std")} {
		if v, ok := got[k]; ok {
			t.Errorf("%s = %v for a constant planted 0; want it absent", k, v)
		}
	}
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
