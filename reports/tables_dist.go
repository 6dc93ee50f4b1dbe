package reports

import "math"

// TableDistributions is the name of the table of distribution fits.
const TableDistributions = "style-distributions"

func (rd *RunData) distributionsTable() Table {
	t := Table{
		Name:  TableDistributions,
		Title: "Stochastic manipulation: distributions fitted per image",
		Notes: []string{
			"One row per parameter of each distribution fit (stage fit-distribution/<manipulation>/<direction>): per image a normal distribution over the parameter values, its mean (the trial's value) and spread (cgx.spread, value units). success: the mean reached the threshold; sample success: the mean over images of the share of draws that did (what augmentation by sampling gets).",
			"mean median and spread median: medians over images. With planted values: r, median abs and rel error and the magnitude check score the means as gap-recovery scores point fits.",
		},
		Columns: []Column{
			{Key: "fit", Label: "fit"},
			{Key: "parameter", Label: "parameter"},
			{Key: "images", Label: "images", Kind: Int},
			{Key: "success_rate", Label: "success rate", Kind: Percent, Digits: 1},
			{Key: "sample_success", Label: "sample success", Kind: Percent, Digits: 1},
			{Key: "mean_median", Label: "mean median", Kind: Float, Digits: 4},
			{Key: "spread_median", Label: "spread median", Kind: Float, Digits: 4},
			{Key: "at_bound_share", Label: "at bound share", Kind: Percent, Digits: 1},
			{Key: "planted_median", Label: "planted median", Kind: Float, Digits: 4},
			{Key: "r", Label: "r", Kind: Float, Digits: 3},
			{Key: "median_abs_error", Label: "median abs error", Kind: Float, Digits: 4},
			{Key: "median_rel_error", Label: "median rel error", Kind: Percent, Digits: 1},
			{Key: "magnitude_check", Label: "magnitude check"},
		},
	}
	for _, s := range rd.Studies {
		if s.Kind != KindStyle || !s.Distribution {
			continue
		}
		c := s.Complete()
		if len(c) == 0 {
			continue
		}
		succ := 0
		var samples []float64
		for _, tr := range c {
			if s.succeeded(tr) {
				succ++
			}
			if !math.IsNaN(tr.SampleSuccess) {
				samples = append(samples, tr.SampleSuccess)
			}
		}
		rec := map[string]recovery{}
		for _, r := range studyRecovery(s) {
			rec[r.param] = r
		}
		for _, p := range paramNames(c) {
			var spreads []float64
			bound := 0
			for _, tr := range c {
				if v, ok := tr.Spread[p]; ok {
					spreads = append(spreads, v)
				}
				if tr.atBound(p) {
					bound++
				}
			}
			row := []Cell{Str(studyLabel(s)), Str(p), Num(float64(len(c))), Num(float64(succ) / float64(len(c))), Num(mean(samples)),
				Num(median(paramValues(c, p))), Num(median(spreads)), Num(float64(bound) / float64(len(c)))}
			if r, ok := rec[p]; ok {
				row = append(row, Num(r.plantedMedian()), Num(r.corr()), Num(median(r.absErr)), Num(median(r.relErr)), Str(r.magnitudeCheck()))
			} else {
				row = append(row, Missing(), Missing(), Missing(), Missing(), Str(checkNA))
			}
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}
