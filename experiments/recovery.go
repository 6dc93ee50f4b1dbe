package experiments

import (
	"encoding/json"
	"math"
	"sort"
	"strings"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/manip"
)

// recoveryMetrics scores a fit stage's trials against their planted gap:
// per parameter with a planted value, Pearson r over images (when the
// planted values vary), the median absolute and relative error, the share
// of images within 25% of their planted value, the share at a bound, and
// the median fitted and planted values; the share at a bound also for any
// parameter that has images there; plus the share of images with any
// parameter at a bound. A trial's planted values are its own (trial
// attribute cgx.planted) or else the study's (planted). Keys are measures
// (keys.RecoveryMeasure) relative to the stage.
func recoveryMetrics(trials []goptuna.FrozenTrial, params []manip.Param, planted map[string]float64) map[string]float64 {
	out := map[string]float64{}
	n, bounded := 0, 0
	type pair struct{ fitted, planted float64 }
	pairs := map[string][]pair{}
	atBound := map[string]int{}
	for _, t := range trials {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		n++
		if b := t.UserAttrs[keys.TrialAtBound]; b != "" {
			bounded++
			for _, p := range strings.Split(b, ",") {
				atBound[p]++
			}
		}
		own := map[string]float64{}
		if s := t.UserAttrs[keys.TrialPlanted]; s != "" {
			if err := json.Unmarshal([]byte(s), &own); err != nil {
				own = map[string]float64{}
			}
		}
		for _, p := range params {
			f, ok := t.InternalParams[p.Name]
			if !ok {
				continue
			}
			pl, ok := own[p.Name]
			if !ok {
				if pl, ok = planted[p.Name]; !ok {
					continue
				}
			}
			pairs[p.Name] = append(pairs[p.Name], pair{f, pl})
		}
	}
	if n == 0 {
		return out
	}
	out[keys.MeasureAtBound] = float64(bounded) / float64(n)
	for _, p := range params {
		ps := pairs[p.Name]
		if len(ps) > 0 || atBound[p.Name] > 0 {
			// Others would only add zeros (a 16x16 patch grid has 512 parameters).
			out[keys.RecoveryMeasure(keys.StatAtBound, p.Name)] = float64(atBound[p.Name]) / float64(n)
		}
		if len(ps) == 0 {
			continue
		}
		var f, pl, abs, rel []float64
		within := 0
		for _, x := range ps {
			f, pl = append(f, x.fitted), append(pl, x.planted)
			e := math.Abs(x.fitted - x.planted)
			abs = append(abs, e)
			if x.planted != 0 {
				re := e / math.Abs(x.planted)
				rel = append(rel, re)
				if re <= 0.25 {
					within++
				}
			}
		}
		m := func(stat string, v float64) {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				out[keys.RecoveryMeasure(stat, p.Name)] = v
			}
		}
		m(keys.StatMedianAbsError, medianOf(abs))
		m(keys.StatFittedMedian, medianOf(f))
		m(keys.StatPlantedMedian, medianOf(pl))
		if len(rel) > 0 {
			m(keys.StatMedianRelError, medianOf(rel))
			m(keys.StatWithin25, float64(within)/float64(len(rel)))
		}
		m(keys.StatR, pearsonOf(f, pl))
	}
	return out
}

// medianOf returns the median of v (NaN when empty); v is not changed.
func medianOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if k := len(s); k%2 == 1 {
		return s[k/2]
	}
	k := len(s)
	return (s[k/2-1] + s[k/2]) / 2
}

// pearsonOf returns the correlation of x and y, NaN when either is constant.
func pearsonOf(x, y []float64) float64 {
	n := float64(len(x))
	if len(x) < 2 || len(x) != len(y) || constant(x) || constant(y) {
		return math.NaN()
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx, my = mx/n, my/n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += float64(dx * dy)
		sxx += float64(dx * dx)
		syy += float64(dy * dy)
	}
	if sxx == 0 || syy == 0 {
		return math.NaN()
	}
	return sxy / math.Sqrt(float64(sxx*syy))
}

func constant(v []float64) bool {
	for _, x := range v {
		if x != v[0] {
			return false
		}
	}
	return true
}
