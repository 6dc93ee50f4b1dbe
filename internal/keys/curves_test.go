package keys

import (
	"math"
	"strings"
	"testing"
)

func TestEpochCurvesRoundTrip(t *testing.T) {
	c := EpochCurves{TrainLoss: []float64{0.69, 0.5, 9.03e-05}, TestLoss: []float64{0.7, math.NaN(), 0.4}, TestAccuracy: []float64{0.5, 0.75, 1}}
	s := FormatEpochCurves(c)
	if want := `{"train_loss":[0.69,0.5,0.0000903],"test_loss":[0.7,null,0.4],"test_accuracy":[0.5,0.75,1]}`; s != want {
		t.Errorf("format = %s, want %s", s, want)
	}
	got, err := ParseEpochCurves(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.TrainAccuracy) != 0 || got.TrainLoss[2] != 9.03e-05 || !math.IsNaN(got.TestLoss[1]) || got.TestAccuracy[1] != 0.75 {
		t.Errorf("parsed %+v", got)
	}
	for _, bad := range []string{"", "[1]", `{"train_loss":"x"}`, `{"train_loss":[` + strings.Repeat("1,", maxEpochs) + `1]}`} {
		if _, err := ParseEpochCurves(bad); err == nil {
			t.Errorf("ParseEpochCurves(%.40q) accepted", bad)
		}
	}
}

func FuzzParseEpochCurves(f *testing.F) {
	f.Add(`{"train_loss":[0.69,null],"test_accuracy":[1]}`)
	f.Add(`{}`)
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseEpochCurves(s)
		if err != nil {
			return
		}
		again, err := ParseEpochCurves(FormatEpochCurves(c))
		if err != nil {
			t.Fatalf("formatted curves do not parse: %v", err)
		}
		if len(again.TrainLoss) != len(c.TrainLoss) || len(again.TestLoss) != len(c.TestLoss) {
			t.Errorf("round trip changed lengths")
		}
	})
}
