package study

import (
	"context"
	"fmt"
	"math"
	"math/rand"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// testSpace mixes every kind: two floats (one log), an int and a categorical.
func testSpace(t testing.TB) Space {
	t.Helper()
	s, err := NewSpace(
		Float("x", -1, 1),
		LogFloat("scale", 1e-3, 10),
		Int("n", 0, 8),
		Categorical("kind", "bottle", "can", "box"),
	)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var kindOffset = map[string]float64{"bottle": 0.4, "can": 0, "box": 0.9}

// quadratic is a seeded synthetic loss: a bowl around x = 0.3, scale = 0.1,
// n = 5, plus a categorical term and a little noise drawn from the trial's
// seed. jitter, when set, sleeps so that later slots tend to finish first,
// scrambling completion order across workers.
func quadratic(jitter bool) Objective {
	return func(ctx context.Context, in TrialInput) (Outcome, error) {
		if jitter {
			time.Sleep(time.Duration(7-in.Slot%8) * 150 * time.Microsecond)
		}
		x := in.Params["x"].(float64)
		s := math.Log10(in.Params["scale"].(float64)) + 1
		n := float64(in.Params["n"].(int) - 5)
		noise := rand.New(rand.NewSource(in.Seed)).Float64() * 0.01
		v := (x-0.3)*(x-0.3) + 0.1*s*s + 0.05*n*n + kindOffset[in.Params["kind"].(string)] + noise
		return Outcome{Value: v, Attrs: map[string]string{"result": fmt.Sprintf("digest-%d", in.Slot), "success": strconv.FormatBool(v < 0.1)}}, nil
	}
}

// ignoreTimes drops the wall-clock fields from trial comparisons.
var ignoreTimes = cmpopts.IgnoreFields(goptuna.FrozenTrial{}, "DatetimeStart", "DatetimeComplete")

// bySlot returns the COMPLETE trials of a one-study storage keyed by slot,
// without the storage bookkeeping (ids, numbers, times).
func bySlot(t testing.TB, st goptuna.Storage, studyID int) map[int]goptuna.FrozenTrial {
	t.Helper()
	trials, err := st.GetAllTrials(studyID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]goptuna.FrozenTrial{}
	for _, tr := range trials {
		if tr.State != goptuna.TrialStateComplete {
			continue
		}
		slot, ok := slotOf(tr)
		if !ok {
			t.Fatalf("complete trial %d has no slot", tr.Number)
		}
		if _, dup := out[slot]; dup {
			t.Fatalf("slot %d complete twice", slot)
		}
		tr.ID, tr.Number, tr.StudyID = 0, 0, 0
		tr.DatetimeStart, tr.DatetimeComplete = time.Time{}, time.Time{}
		out[slot] = tr
	}
	return out
}

func allTrials(t testing.TB, st goptuna.Storage, studyID int) []goptuna.FrozenTrial {
	t.Helper()
	trials, err := st.GetAllTrials(studyID)
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(trials, func(i, j int) bool { return trials[i].Number < trials[j].Number })
	return trials
}

func mustRun(t testing.TB, st goptuna.Storage, cfg Config, space Space, obj Objective) Summary {
	t.Helper()
	sum, err := Run(context.Background(), st, cfg, space, obj)
	if err != nil {
		t.Fatalf("Run(%+v): %v", cfg, err)
	}
	return sum
}

func diffTrials(want, got any) string { return cmp.Diff(want, got, ignoreTimes) }

func nan() float64 { return math.NaN() }
