package reports

import (
	"math"
	"sort"
)

// ParamImportance is how much of the objective's variance one parameter's
// marginal explains (docs/REPORTS.md, "Parameter importance").
type ParamImportance struct {
	Name string `json:"name"`
	// Importance is the adjusted fraction of the loss variance explained by
	// the parameter's binned marginal (epsilon squared), clipped to [0, 1].
	// Importances do not sum to 1: interactions and correlated samples are
	// counted in none or in several.
	Importance float64 `json:"importance"`
	Bins       int     `json:"bins"`   // bins actually used (ties never split)
	Trials     int     `json:"trials"` // complete trials with this parameter
}

// importanceMinTrials is the fewest trials a parameter needs to be scored.
const importanceMinTrials = 4

// Importance scores every parameter of trials (complete trials with a
// finite value only) and returns them most important first, ties by name.
// For a parameter, the trials that set it are sorted by its value (ties by
// trial number) and cut into B = clamp(⌊√n⌋, 2, 10) bins of equal count,
// never splitting equal values; with SST the total and SSB the between-bin
// sum of squares of the loss, the importance is
// (SSB − (k−1)·SSW/(n−k)) / SST for k bins used, SSW = SST − SSB, clipped to
// [0, 1]: the correlation ratio corrected for what k bins explain by chance.
// Being rank-based it does not depend on the parameter's scale (log or
// linear) and is deterministic.
func Importance(trials []Trial) []ParamImportance {
	var use []Trial
	seen := map[string]bool{}
	var names []string
	for _, t := range trials {
		if !t.Complete || math.IsNaN(t.Value) || math.IsInf(t.Value, 0) {
			continue
		}
		use = append(use, t)
		for k := range t.Params {
			if !seen[k] {
				seen[k] = true
				names = append(names, k)
			}
		}
	}
	sort.Strings(names)
	out := make([]ParamImportance, 0, len(names))
	for _, name := range names {
		out = append(out, paramImportance(use, name))
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Importance > out[j].Importance })
	return out
}

func paramImportance(trials []Trial, name string) ParamImportance {
	type pt struct {
		x, y float64
		num  int
	}
	var pts []pt
	for _, t := range trials {
		if x, ok := t.Params[name]; ok && !math.IsNaN(x) {
			pts = append(pts, pt{x, t.Value, t.Number})
		}
	}
	res := ParamImportance{Name: name, Trials: len(pts)}
	n := len(pts)
	if n < importanceMinTrials {
		return res
	}
	sort.Slice(pts, func(i, j int) bool {
		if pts[i].x != pts[j].x {
			return pts[i].x < pts[j].x
		}
		return pts[i].num < pts[j].num
	})
	mean := 0.0
	for _, p := range pts {
		mean += p.y
	}
	mean /= float64(n)
	sst := 0.0
	for _, p := range pts {
		sst += (p.y - mean) * (p.y - mean)
	}
	B := min(10, max(2, int(math.Sqrt(float64(n)))))
	// Bin sums, in value order.
	var sums []float64
	var counts []int
	bin := -1
	for i, p := range pts {
		want := i * B / n
		if bin < 0 || (want > bin && p.x != pts[i-1].x) {
			sums, counts = append(sums, 0), append(counts, 0)
			bin = max(want, bin+1)
		}
		sums[len(sums)-1] += p.y
		counts[len(counts)-1]++
	}
	k := len(sums)
	res.Bins = k
	if k < 2 || n <= k || !(sst > 0) {
		return res
	}
	ssb := 0.0
	for i := range sums {
		d := sums[i]/float64(counts[i]) - mean
		ssb += float64(counts[i]) * d * d
	}
	ssw := math.Max(0, sst-ssb)
	v := (ssb - float64(k-1)*ssw/float64(n-k)) / sst
	res.Importance = math.Min(1, math.Max(0, v))
	return res
}
