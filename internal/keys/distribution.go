package keys

import "strings"

// Stochastic manipulation (issue 14 item 4): a distribution over a
// manipulation's parameters fitted per image, one trial per image in a stage
// of its own; the trial's params are the means.
const (
	// FamilyFitDistribution is the stage family of distribution fits,
	// "fit-distribution/<manipulation>/<direction>".
	FamilyFitDistribution = "fit-distribution"
	// TrialSpread holds a distribution fit's spreads (JSON parameter name ->
	// spread in value units).
	TrialSpread = "cgx.spread"
	// TrialSampleSuccess is the share of the last steps' draws that reached
	// the threshold, decimal.
	TrialSampleSuccess = "sample_success"
	// TrialKL is the final KL divergence from the prior, decimal.
	TrialKL = "kl"
	// MeasureSampleSuccess is the mean over images of TrialSampleSuccess.
	MeasureSampleSuccess = "sample_success_rate"
	// StatSpreadMedian is the per-parameter median spread over images
	// (RecoveryMeasure(StatSpreadMedian, parameter)).
	StatSpreadMedian = "spread_median"
)

// FitDistributionStage returns "fit-distribution/<manipulation>/<direction>".
func FitDistributionStage(manipulation, direction string) string {
	return FamilyFitDistribution + "/" + manipulation + "/" + direction
}

// ParseFitDistributionStage returns the manipulation and direction of a
// "fit-distribution/<manipulation>/<direction>" stage; neither part may be
// empty or contain a slash.
func ParseFitDistributionStage(stage string) (manipulation, direction string, ok bool) {
	rest, found := strings.CutPrefix(stage, FamilyFitDistribution+"/")
	if !found {
		return "", "", false
	}
	manipulation, direction, found = strings.Cut(rest, "/")
	if !found || manipulation == "" || direction == "" || strings.Contains(direction, "/") {
		return "", "", false
	}
	return manipulation, direction, true
}
