package experiments

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// TestStyleRounds: with style.rounds = 2 the runner trains a second
// discriminator on the fitted CG, fits every image again on top, and scores
// the composed values (cumulative measures); the second round's trials
// record the gap the first left.
func TestStyleRounds(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a two-round smoke spec; go test without -short runs it")
	}
	text, err := fs.ReadFile(builtinFS, "specs/style/recovery.toml")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(text), `manipulations = ["brightness-contrast", "blur", "noise", "blur-brightness-contrast"]`,
		"manipulations = [\"brightness-contrast\"]\nrounds = 2", 1)
	src = strings.Replace(src, `name = "style/recovery"`, `name = "test/rounds"`, 1)
	f, err := Parse("rounds.toml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	res, err := Run(context.Background(), st, f, Options{Profile: "smoke", Workers: 2})
	if err != nil || res.Status != tracker.RunSucceeded {
		t.Fatalf("run: %v, %+v", err, res.Status)
	}
	fit2 := keys.FitStage("brightness-contrast", keys.DirectionCGToReal) + "/" + keys.Round(2)
	for _, k := range []string{
		keys.Metric(keys.DiscriminatorStage("brightness-contrast/"+keys.Round(2)), keys.MeasureAccuracy),
		keys.Metric(keys.FitStage("brightness-contrast", keys.DirectionCGToReal), keys.MeasureImages),
		keys.Metric(fit2, keys.Cumulative(keys.RecoveryMeasure(keys.StatR, "contrast_g"))),
		keys.Metric(fit2, keys.RecoveryMeasure(keys.StatMedianAbsError, "contrast_g")),
	} {
		if _, ok := res.Metrics[k]; !ok {
			t.Errorf("metric %s missing", k)
		}
	}
	if n := res.Metrics[keys.Metric(fit2, keys.MeasureImages)]; n != 128 {
		t.Errorf("round 2 fitted %v images, want all 128 CG images", n)
	}
	rep, err := Verify(context.Background(), st, openStore(t, t.TempDir()), res.RunID, Options{Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("rerun differs: %s %s:\n%s", d.Stage, d.What, d)
	}
}
