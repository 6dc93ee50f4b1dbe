package experiments

import (
	"fmt"
	"math"

	"github.com/cgx-dev/cgx/internal/keys"
)

// t95 holds the two-sided 95% quantiles of Student's t for 1..30 degrees
// of freedom; beyond, the normal's 1.96 is within 2%.
var t95 = []float64{12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
	2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
	2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042}

// meanCI95 returns the mean of x and the half-width of its 95% t interval
// (NaN for fewer than two values).
func meanCI95(x []float64) (mean, half float64) {
	n := len(x)
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	if n < 2 {
		return mean, math.NaN()
	}
	var ss float64
	for _, v := range x {
		ss += float64((v - mean) * (v - mean))
	}
	q := 1.96
	if n-1 <= len(t95) {
		q = t95[n-2]
	}
	return mean, float64(q*math.Sqrt(ss/float64(n-1))) / math.Sqrt(float64(n))
}

// segmentationAPs returns a set's AP per training seed 1..seeds from the
// run's metrics (nil when a seed is missing).
func (r *runner) segmentationAPs(set string) []float64 {
	out := make([]float64, 0, r.spec.Segmentation.Seeds)
	for k := 1; k <= r.spec.Segmentation.Seeds; k++ {
		v, ok := r.metrics[keys.Metric(keys.SegmentationSeedStage(set, k), keys.MeasureAP)]
		if !ok {
			return nil
		}
		out = append(out, v)
	}
	return out
}

// logSegmentationSummary prints each set's mean AP with its 95% interval
// over training seeds and, seed by seed, its difference to the baseline
// (the report's table holds the same figures; nothing here is stored).
func (r *runner) logSegmentationSummary(sets []trainingSet) {
	base := r.segmentationAPs(keys.BaselineSet)
	for _, ts := range sets {
		ap := r.segmentationAPs(ts.name)
		if ap == nil {
			continue
		}
		m, h := meanCI95(ap)
		line := fmt.Sprintf("  %s: mask AP %.4f ± %.4f (95%% interval over %d seeds)", ts.name, m, h, len(ap))
		if len(ap) < 2 { // no interval from one seed
			line = fmt.Sprintf("  %s: mask AP %.4f (1 seed: no interval; segmentation.seeds >= 2 gives one)", ts.name, m)
		}
		if base != nil && ts.name != keys.BaselineSet {
			d := make([]float64, len(ap))
			for i := range ap {
				d[i] = ap[i] - base[i]
			}
			dm, dh := meanCI95(d)
			if len(d) < 2 {
				line += fmt.Sprintf("; vs baseline %+.4f", dm)
			} else {
				line += fmt.Sprintf("; vs baseline %+.4f ± %.4f (paired by seed)", dm, dh)
			}
		}
		r.progress.Logf("%s", line)
	}
}
