package keys

import "strings"

// Trial attributes of style fits beyond attrs.go's.
const (
	// TrialAtBound lists, comma-separated in parameter order, the parameters
	// whose fitted value ended at a bound of its range ("" when none).
	TrialAtBound = "at_bound"
	// TrialEvaluations is the number of objective evaluations after the
	// first (the line search counts rejected steps), decimal.
	TrialEvaluations = "evaluations"
)

// Fit-stage measures of planted-gap recovery (fit/<manipulation>/<direction>/...).
// The per-parameter ones are RecoveryMeasure(stat, parameter).
const (
	// MeasureAtBound: fraction of images with at least one parameter at a bound.
	MeasureAtBound = "at_bound"
	// Per-parameter statistics over images.
	StatR              = "r"                // Pearson r of fitted vs per-image planted values (needs planted values that vary)
	StatMedianAbsError = "median_abs_error" // median |fitted - planted|
	StatMedianRelError = "median_rel_error" // median |fitted - planted| / |planted|, images planted 0 left out
	StatWithin25       = "within_25pct"     // fraction of images (planted not 0) with relative error <= 0.25
	StatAtBound        = "at_bound"         // fraction of images whose value is at a bound of its range
	StatFittedMedian   = "fitted_median"
	StatPlantedMedian  = "planted_median"
)

// RecoveryMeasure returns the measure "<stat>.<parameter>", e.g.
// "r.contrast_g"; the metric key is Metric(FitStage(m, d), it).
func RecoveryMeasure(stat, param string) string { return stat + "." + param }

// Cumulative returns the measure of a style.rounds fit that scores the
// values of all rounds so far composed, "cumulative_<measure>" (the plain
// measure scores the round's own values against the gap earlier rounds
// left).
func Cumulative(measure string) string { return "cumulative_" + measure }

// ParseRecoveryMeasure splits a per-parameter measure "<stat>.<parameter>"
// (RecoveryMeasure) at its first dot; a cumulative one
// ("cumulative_<stat>.<parameter>") comes back with cumulative true and the
// plain stat. Both parts must be non-empty.
func ParseRecoveryMeasure(measure string) (stat, param string, cumulative, ok bool) {
	rest, cumulative := strings.CutPrefix(measure, "cumulative_")
	stat, param, found := strings.Cut(rest, ".")
	if !found || stat == "" || param == "" {
		return "", "", false, false
	}
	return stat, param, cumulative, true
}
