package keys

import "strings"

// Measures: the last part of a metric key.
const (
	// discriminator/<name>/...
	MeasureAccuracy       = "accuracy" // held-out accuracy, 0..1
	MeasureCGAccuracy     = "cg_accuracy"
	MeasureRealAccuracy   = "real_accuracy"
	MeasureTestLoss       = "test_loss"
	MeasureFinalTrainLoss = "final_train_loss"
	// fit/<manipulation>/<direction>/... and search/<experiment>/round-<k>/...
	MeasureSuccessRate = "success_rate"
	MeasureImages      = "images" // fit: images fitted
	MeasureMeanSteps   = "mean_steps"
	MeasureBestLoss    = "best_loss" // search
	MeasureTrials      = "trials"    // search
	// segmentation/<set>/...
	MeasureAP   = "AP"
	MeasureAP50 = "AP50"
	MeasureAP75 = "AP75"
)

// Metric returns "<stage>/<measure>", the key of a run or stage metric.
func Metric(stage, measure string) string { return stage + "/" + measure }

// SplitMetric splits a metric key at its last slash into the stage name and
// the measure; both must be non-empty.
func SplitMetric(key string) (stage, measure string, ok bool) {
	i := strings.LastIndexByte(key, '/')
	if i <= 0 || i == len(key)-1 {
		return "", "", false
	}
	return key[:i], key[i+1:], true
}
