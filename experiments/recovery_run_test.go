package experiments

import (
	"encoding/json"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
)

// TestRecoveryRunPlantsPerImage: style/recovery stores each fitted image's
// own planted gap and the at-bound flags with its trial, and the fit stage's
// recovery metrics.
func TestRecoveryRunPlantsPerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs style/recovery's smoke profile; go test without -short runs it")
	}
	st := openStore(t, t.TempDir())
	res := runSpec(t, st, "style/recovery", Options{Workers: 2})
	stage := keys.FitStage("brightness-contrast", keys.DirectionCGToReal)
	studyID, err := st.GetStudyIDFromName(keys.StudyName(res.RunID, stage))
	if err != nil {
		t.Fatal(err)
	}
	trials, err := st.GetAllTrials(studyID)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[float64]bool{}
	for _, tr := range trials {
		if tr.State != goptuna.TrialStateComplete {
			continue
		}
		var planted map[string]float64
		if err := json.Unmarshal([]byte(tr.UserAttrs[keys.TrialPlanted]), &planted); err != nil {
			t.Fatalf("trial %d: planted %q: %v", tr.Number, tr.UserAttrs[keys.TrialPlanted], err)
		}
		if len(planted) != 6 || planted["contrast_r"] != 0 || !(planted["contrast_g"] <= 0) {
			t.Errorf("trial %d: planted %v, want the six colour parameters with green <= 0, red 0", tr.Number, planted)
		}
		seen[planted["contrast_g"]] = true
		if _, ok := tr.UserAttrs[keys.TrialAtBound]; !ok {
			t.Errorf("trial %d has no %s attribute", tr.Number, keys.TrialAtBound)
		}
	}
	if len(seen) < 2 {
		t.Errorf("every image has the same planted contrast_g %v; want one per image", seen)
	}
	for _, k := range []string{
		keys.Metric(stage, keys.RecoveryMeasure(keys.StatR, "contrast_g")),
		keys.Metric(stage, keys.RecoveryMeasure(keys.StatMedianRelError, "contrast_g")),
		keys.Metric(stage, keys.RecoveryMeasure(keys.StatAtBound, "contrast_g")),
		keys.Metric(stage, keys.MeasureAtBound),
		keys.Metric(keys.FitStage("blur", keys.DirectionCGToReal), keys.RecoveryMeasure(keys.StatMedianRelError, "sigma")),
	} {
		if _, ok := res.Metrics[k]; !ok {
			t.Errorf("metric %s missing", k)
		}
	}
}
