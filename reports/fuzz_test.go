package reports

import (
	"bytes"
	"context"
	"math"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/reports/reporttest"
	"github.com/cgx-dev/cgx/tracker"
)

// FuzzStudyAttributes decodes studies and trials whose cgx attributes are
// arbitrary strings: decoding never fails or panics, bad values become
// warnings, and every table still writes in every format.
func FuzzStudyAttributes(f *testing.F) {
	f.Add("0.5", "8x8", `{"brightness_g":-0.1}`, "3", "2", "true", "0.7", "12", `{"brightness_g":-0.2}`, 0.4)
	f.Add("abc", "x", `{`, "-1", "0", "maybe", "2", "-3", `[1]`, math.Inf(1))
	f.Add("1", "0x0", `{"a":1e999}`, "99999999999999999999", "round", "", "NaN", "1e3", `{"a":"b"}`, math.NaN())
	f.Add("0.0001", "1024x1024", `{}`, "", "", "false", "0", "0", "", math.Copysign(0, -1))
	f.Fuzz(func(t *testing.T, threshold, grid, planted, seed, round, success, confidence, steps, trialPlanted string, value float64) {
		var w warnings
		sd := newStudyData(1, "run-1/search/x/round-1/tpe/seed-1", map[string]string{
			AttrThreshold: threshold, AttrGrid: grid, AttrPlanted: planted, AttrSeed: seed, AttrRound: round,
			AttrManipulation: "brightness-contrast", AttrDirection: "cg-to-real",
		}, &w)
		if !(sd.Threshold > 0 && sd.Threshold < 1) {
			t.Fatalf("threshold %v outside (0,1)", sd.Threshold)
		}
		for i, kind := range []string{KindStyle, KindContent, KindStyle} {
			s := sd
			s.Kind = kind
			s.Distribution = i == 2 // a distribution fit's spreads and sample success
			s.Trials = nil
			for i := range 3 {
				ft := goptuna.FrozenTrial{Number: i, State: goptuna.TrialStateComplete, Value: value + float64(i),
					InternalParams: map[string]float64{"brightness_g": value, "brightness_0_0": float64(i)},
					UserAttrs: map[string]string{TrialSuccess: success, TrialConfidence: confidence, TrialSteps: steps,
						TrialPlanted: trialPlanted, TrialSource: confidence, TrialResult: steps,
						keys.TrialAtBound: grid, keys.TrialSpread: trialPlanted, keys.TrialSampleSuccess: confidence},
					SystemAttrs: map[string]string{TrialSlot: steps}}
				tr := decodeTrial(s.label(), ft, &w)
				if tr.Complete && (math.IsNaN(tr.Value) || math.IsInf(tr.Value, 0)) {
					t.Fatalf("complete trial with value %v", tr.Value)
				}
				s.Trials = append(s.Trials, tr)
			}
			rd := &RunData{Run: tracker.Run{ID: 1}, Studies: []StudyData{s}, Metrics: map[string]float64{}}
			for _, tab := range rd.Tables() {
				for _, format := range Formats() {
					var b bytes.Buffer
					if err := tab.Write(&b, format); err != nil {
						t.Fatalf("table %s as %s: %v", tab.Name, format, err)
					}
				}
			}
			_ = rd.Figures()
			_ = rd.Findings()
		}
		if len(w.result()) > maxWarnings+1 {
			t.Fatalf("%d warnings, bound is %d", len(w.result()), maxWarnings+1)
		}
	})
}

// artifactBytes serves one artifact with the given bytes for any id.
type artifactBytes struct {
	Source
	data []byte
}

func (a artifactBytes) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	return a.data, tracker.ArtifactMeta{ID: id}, nil
}

// FuzzArtifactImage feeds arbitrary artifact bytes to the image figures:
// they decode what they can, draw placeholders for the rest, never panic.
func FuzzArtifactImage(f *testing.F) {
	rd, err := LoadRun(context.Background(), reporttest.Demo(), reporttest.DemoRunID)
	if err != nil {
		f.Fatal(err)
	}
	fig, err := rd.Figure("best-exp2.1-round-2")
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte("\x89PNG\r\n\x1a\n"))
	f.Add([]byte{0xff, 0xd8, 0xff, 0xe0})
	f.Add([]byte("not an image"))
	// A PNG header claiming a 100000 x 100000 image must not be decoded.
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x01\x86\xa0\x00\x01\x86\xa0\x08\x02\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := fig.Render(context.Background(), artifactBytes{reporttest.Demo(), data}, FigurePNG); err != nil {
			t.Fatal(err)
		}
	})
}
