package experiments

import (
	"context"
	"math"
	"testing"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/reports"
)

// A discriminator stage records its training and held-out loss and accuracy
// for every epoch (keys.StageAttrEpochs), the reports read them back without
// a warning, and the last held-out values are the stage's final metrics.
func TestDiscriminatorRecordsEpochCurves(t *testing.T) {
	if !testing.Short() {
		t.Skip("TestBuiltinSmokeRunsVerify covers the runs without -short")
	}
	st := openStore(t, t.TempDir())
	res := runSpec(t, st, "style/blur", Options{Workers: 2})
	rd, err := reports.LoadRun(context.Background(), st, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	if len(rd.Warnings) > 0 {
		t.Errorf("warnings: %q", rd.Warnings)
	}
	var found bool
	for _, se := range rd.Epochs {
		name, ok := keys.ParseDiscriminatorStage(se.Stage)
		if !ok {
			continue
		}
		found = true
		c := se.Curves
		if len(c.TrainLoss) != 8 || len(c.TestLoss) != 8 || len(c.TrainAccuracy) != 8 || len(c.TestAccuracy) != 8 {
			t.Fatalf("%s: curves of %d/%d/%d/%d epochs, want 8 each (smoke profile)", se.Stage, len(c.TrainLoss), len(c.TestLoss), len(c.TrainAccuracy), len(c.TestAccuracy))
		}
		stage := keys.DiscriminatorStage(name)
		if got, want := c.TestLoss[7], rd.Metrics[keys.Metric(stage, keys.MeasureTestLoss)]; got != want {
			t.Errorf("last held-out loss %v, stage metric test_loss %v", got, want)
		}
		if got, want := c.TestAccuracy[7], rd.Metrics[keys.Metric(stage, keys.MeasureAccuracy)]; got != want {
			t.Errorf("last held-out accuracy %v, stage metric accuracy %v", got, want)
		}
		if !(c.TrainLoss[7] < c.TrainLoss[0]) || math.IsNaN(c.TestLoss[0]) {
			t.Errorf("training loss does not fall: %v", c.TrainLoss)
		}
	}
	if !found {
		t.Error("no discriminator stage recorded epoch curves")
	}
}
