package keys

import (
	"encoding/json"
	"fmt"
	"math"
)

// StageAttrEpochs is the stage attribute holding a trained network's
// per-epoch curves (EpochCurves as JSON), written by the discriminator and
// segmentation stages. It is a stage attribute, not metrics, so that runs
// recorded before it existed verify unchanged: verify compares the curves
// only where both runs hold them.
const StageAttrEpochs = "cgx.epochs"

// EpochCurves are a training's figures per epoch, index 0 for epoch 1. A
// slice is empty when the stage does not measure it (segmentation has no
// held-out loss); a value that was not finite is NaN.
type EpochCurves struct {
	TrainLoss     []float64 `json:"train_loss,omitempty"`     // mean training loss over the epoch's steps
	TestLoss      []float64 `json:"test_loss,omitempty"`      // held-out loss after the epoch
	TrainAccuracy []float64 `json:"train_accuracy,omitempty"` // training images classified right when their step ran
	TestAccuracy  []float64 `json:"test_accuracy,omitempty"`  // held-out accuracy after the epoch
}

// jsonCurves is EpochCurves with non-finite values as null.
type jsonCurves struct {
	TrainLoss     []*float64 `json:"train_loss,omitempty"`
	TestLoss      []*float64 `json:"test_loss,omitempty"`
	TrainAccuracy []*float64 `json:"train_accuracy,omitempty"`
	TestAccuracy  []*float64 `json:"test_accuracy,omitempty"`
}

// maxEpochs bounds the epochs ParseEpochCurves accepts per curve.
const maxEpochs = 1 << 16

func toNull(xs []float64) []*float64 {
	if len(xs) == 0 {
		return nil
	}
	out := make([]*float64, len(xs))
	for i, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			v := x
			out[i] = &v
		}
	}
	return out
}

func fromNull(xs []*float64) []float64 {
	if len(xs) == 0 {
		return nil
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.NaN()
		if x != nil {
			out[i] = *x
		}
	}
	return out
}

// FormatEpochCurves writes c as the StageAttrEpochs value (JSON, shortest
// decimals, null for a value that is not finite).
func FormatEpochCurves(c EpochCurves) string {
	b, err := json.Marshal(jsonCurves{toNull(c.TrainLoss), toNull(c.TestLoss), toNull(c.TrainAccuracy), toNull(c.TestAccuracy)})
	if err != nil { // cannot happen: only finite floats and nulls
		panic(err)
	}
	return string(b)
}

// ParseEpochCurves reads a StageAttrEpochs value.
func ParseEpochCurves(s string) (EpochCurves, error) {
	var j jsonCurves
	if err := json.Unmarshal([]byte(s), &j); err != nil {
		return EpochCurves{}, fmt.Errorf("epoch curves: %w", err)
	}
	for _, xs := range [][]*float64{j.TrainLoss, j.TestLoss, j.TrainAccuracy, j.TestAccuracy} {
		if len(xs) > maxEpochs {
			return EpochCurves{}, fmt.Errorf("epoch curves: %d epochs, at most %d", len(xs), maxEpochs)
		}
	}
	return EpochCurves{fromNull(j.TrainLoss), fromNull(j.TestLoss), fromNull(j.TrainAccuracy), fromNull(j.TestAccuracy)}, nil
}
