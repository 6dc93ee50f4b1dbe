package experiments

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/internal/keys"
)

// TestFitTrialsTimeTheirFit (and every stage's peak memory): a fit trial starts before its image is fitted
// and completes after, so `cgx trials` shows how long fitting took rather
// than 0s. The real clock: fitting an image takes far more than the
// microsecond the stored times resolve, while two readings in a row (what
// both times once were) fall in the same microsecond.
func TestFitTrialsTimeTheirFit(t *testing.T) {
	if testing.Short() {
		t.Skip("runs style/brightness-contrast's smoke profile; go test without -short runs it")
	}
	st := openStore(t, t.TempDir())
	res := runSpec(t, st, "style/brightness-contrast", Options{Workers: 1})
	id, err := st.GetStudyIDFromName(keys.StudyName(res.RunID, keys.FitStage("brightness-contrast", keys.DirectionCGToReal)))
	if err != nil {
		t.Fatal(err)
	}
	trials, err := st.GetAllTrials(id)
	if err != nil {
		t.Fatal(err)
	}
	if len(trials) == 0 {
		t.Fatal("no fit trials")
	}
	for _, tr := range trials {
		if tr.DatetimeComplete.Sub(tr.DatetimeStart) < time.Microsecond {
			t.Errorf("trial %d: started %v, completed %v; want a duration", tr.Number, tr.DatetimeStart, tr.DatetimeComplete)
		}
	}

	// Every stage the run computed records its peak resident memory.
	stages, err := st.ListStages(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range stages {
		if s.RunID != res.RunID {
			continue // reused from another run
		}
		if n, err := strconv.ParseInt(s.Attrs[attrPeakRSS], 10, 64); err != nil || n <= 0 {
			t.Errorf("stage %s: %s = %q, want a positive byte count", s.Name, attrPeakRSS, s.Attrs[attrPeakRSS])
		}
	}
}
