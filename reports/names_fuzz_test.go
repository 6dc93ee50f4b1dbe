package reports

import (
	"bytes"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// FuzzRunNames gives the reports arbitrary study names, stage attributes and
// metric keys: decoding never panics, a study's search and round are what
// package keys parses from its stage, and every table writes in every format.
func FuzzRunNames(f *testing.F) {
	f.Add("run-1/search/exp1/round-2/tpe/seed-1", "", "search/exp1/round-2/best_loss", "fit/blur/cg-to-real/images", 0.5)
	f.Add("run-1/fit/blur/cg-to-real", "fit/blur/cg-to-real", "discriminator/a/b/accuracy", "segmentation/baseline/AP", 1.0)
	f.Add("run-x/search//round-1", "search/a/round-99999999999999999999", "search/a/round-1/round-2/trials", "/accuracy", -1.0)
	f.Add("", "search/a/round-01/x", "fit/a/b/c/success_rate", "segmentation//AP75", 1e300)
	f.Fuzz(func(t *testing.T, name, stage, metric1, metric2 string, value float64) {
		var w warnings
		sd := newStudyData(1, name, map[string]string{AttrStage: stage, AttrKind: KindContent}, &w)
		wantStage := stage
		if wantStage == "" {
			wantStage = keys.TrimRunPrefix(name)
		}
		if sd.Stage != wantStage {
			t.Fatalf("stage %q, want %q", sd.Stage, wantStage)
		}
		e, r, ok := keys.ParseSearchStage(wantStage)
		if !ok {
			e, r, ok = keys.ParseSearchStage(keys.TrimRunPrefix(name))
		}
		if ok && (sd.Search != e || sd.Round != r) || !ok && (sd.Search != "" || sd.Round != 0) {
			t.Fatalf("search %q round %d; keys parse %q %d %v", sd.Search, sd.Round, e, r, ok)
		}
		sd.Trials = []Trial{decodeTrial(sd.label(), goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: value,
			InternalParams: map[string]float64{"x": value}}, &w)}
		for _, kind := range []string{KindStyle, KindContent} {
			s := sd
			s.Kind = kind
			rd := &RunData{Run: tracker.Run{ID: 1}, Studies: []StudyData{s},
				Metrics: map[string]float64{metric1: value, metric2: -value}}
			for _, tab := range rd.Tables() {
				for _, format := range Formats() {
					var b bytes.Buffer
					if err := tab.Write(&b, format); err != nil {
						t.Fatalf("table %s as %s: %v", tab.Name, format, err)
					}
				}
			}
			_ = rd.Figures()
		}
	})
}
