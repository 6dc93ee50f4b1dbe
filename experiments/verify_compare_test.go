package experiments

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// cloneRecord deep-copies a record through JSON (floats as JSONFloat keep
// their bits, NaN included).
func cloneRecord(t *testing.T, r RunRecord) RunRecord {
	t.Helper()
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var out RunRecord
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCompareRecords: what each kind of change is reported as, and where
// differences are said to start.
func TestCompareRecords(t *testing.T) {
	b, _ := testBundle(t)
	base := b.Record
	base.Stages = append([]StageRecord{{Name: "dataset/cg", Inputs: `{"Spec":"abc"}`,
		Outputs: map[string]tracker.ID{"manifest": tracker.Sum([]byte("m"))},
		Epochs:  keys.FormatEpochCurves(keys.EpochCurves{TrainLoss: []float64{0.7, 0.5}, TestLoss: []float64{0.8, 0.6}})}}, base.Stages...)
	for _, tc := range []struct {
		name   string
		edit   func(r *RunRecord)
		what   []string // Difference.What in order
		origin string   // Origin.Stage
		same   bool     // Origin.InputsSame
		detail string   // in some detail line
	}{
		{name: "identical", edit: func(*RunRecord) {}},
		{name: "NaN equals the same NaN", edit: func(r *RunRecord) {
			r.Stages[1].Studies[0].Trials[1].Value = tracker.JSONFloat(math.NaN())
		}},
		{name: "trial value", edit: func(r *RunRecord) {
			tr := &r.Stages[1].Studies[0].Trials[0]
			tr.Value = 0.5
			tr.Digest = tr.ContentDigest()
		}, what: []string{"study fit/blur/cg-to-real"}, origin: "fit/blur/cg-to-real", same: true, detail: "trial 0: value 0.25 -> 0.5"},
		{name: "loss curve", edit: func(r *RunRecord) {
			tr := &r.Stages[1].Studies[0].Trials[0]
			tr.Intermediate[1] = 0.3
			tr.Digest = tr.ContentDigest()
		}, what: []string{"study fit/blur/cg-to-real"}, origin: "fit/blur/cg-to-real", same: true, detail: "intermediate values differ from step 1 (0.25 -> 0.3"},
		{name: "upstream output and changed input", edit: func(r *RunRecord) {
			r.Stages[0].Outputs["manifest"] = tracker.Sum([]byte("other"))
			r.Stages[1].Inputs = strings.Replace(r.Stages[1].Inputs, `"Seed":7`, `"Seed":8`, 1)
			r.Stages[1].Metrics["fit/blur/cg-to-real/success_rate"] = 0.75
		}, what: []string{"outputs", "metrics"}, origin: "dataset/cg", same: true, detail: "output manifest: "},
		{name: "held-out curve", edit: func(r *RunRecord) {
			r.Stages[0].Epochs = keys.FormatEpochCurves(keys.EpochCurves{TrainLoss: []float64{0.7, 0.5}, TestLoss: []float64{0.8, 0.6000001}})
		}, what: []string{"epochs"}, origin: "dataset/cg", same: true, detail: "test_loss differs from epoch 2: 0.6 -> 0.6000001"},
		{name: "curves not recorded on one side", edit: func(r *RunRecord) {
			r.Stages[0].Epochs = ""
		}},
		{name: "missing and extra stage", edit: func(r *RunRecord) {
			r.Stages[0].Name = "dataset/other"
		}, what: []string{"missing stage", "extra stage"}, origin: "dataset/cg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			again := cloneRecord(t, base)
			tc.edit(&again)
			var rep VerifyReport
			compareRecords(base, again, &rep)
			var what []string
			for _, d := range rep.Differences {
				what = append(what, d.What)
			}
			if d := cmp.Diff(tc.what, what); d != "" {
				t.Errorf("differences (-want +got):\n%s\n%v", d, rep.Differences)
			}
			if tc.origin == "" {
				if rep.FirstDifference != nil {
					t.Errorf("identical records have an origin: %+v", rep.FirstDifference)
				}
				if rep.Trials != 2 || rep.Stages != 2 || rep.Artifacts != 2 {
					t.Errorf("compared %d stages, %d artifacts, %d trials; want 2, 2, 2", rep.Stages, rep.Artifacts, rep.Trials)
				}
				return
			}
			if o := rep.FirstDifference; o == nil || o.Stage != tc.origin || o.InputsSame != tc.same {
				t.Errorf("origin %+v, want stage %s with inputs same %v", o, tc.origin, tc.same)
			}
			if tc.detail != "" && !strings.Contains(strings.Join(details(rep), "\n"), tc.detail) {
				t.Errorf("no detail with %q in %v", tc.detail, details(rep))
			}
		})
	}
}

// TestOriginNamesChangedInputs: when a stage's recorded inputs differ, the
// origin lists them and says the difference comes from them.
func TestOriginNamesChangedInputs(t *testing.T) {
	a := StageRecord{Name: "discriminator/main", Inputs: `{"Backend":"openblas","CG":"` + strings.Repeat("ab", 32) + `","Config":{"Width":8},"Seed":3}`}
	b := a
	b.Inputs = strings.Replace(a.Inputs, "openblas", "portable", 1)
	o := origin(a, b, true)
	if o.InputsSame || !strings.Contains(o.Note, "(Backend)") || len(o.Inputs) != 4 {
		t.Fatalf("origin %+v", o)
	}
	if o.Inputs[0].Name != "Backend" || o.Inputs[0].Same || !o.Inputs[1].Same || !strings.HasPrefix(o.Inputs[2].Stored, "sha256:") {
		t.Errorf("inputs %+v", o.Inputs)
	}
}

// TestRefineOrigin: a difference whose only changed input is the backend is
// blamed on a machine-bound backend, or called a bug between portable ones.
func TestRefineOrigin(t *testing.T) {
	mk := func() *Origin {
		return &Origin{Stage: "discriminator/main", Note: "its inputs differ (Backend)", Inputs: []InputValue{
			{Name: "Backend", Stored: "a", Recomputed: "b"}, {Name: "Seed", Stored: "1", Recomputed: "1", Same: true}}}
	}
	portable := Environment{CodeVersion: CodeVersion, BLAS: "portable SGEMM, AVX2 kernel"}
	bound := Environment{CodeVersion: CodeVersion, BLAS: "openblas 0.3.21", MachineBound: true}
	o := mk()
	refineOrigin(o, bound, portable)
	if !strings.Contains(o.Note, "machine-bound") {
		t.Errorf("machine-bound: %s", o.Note)
	}
	o = mk()
	refineOrigin(o, portable, portable)
	if !strings.Contains(o.Note, "cgx bug") {
		t.Errorf("portable: %s", o.Note)
	}
	o = mk()
	refineOrigin(o, Environment{CodeVersion: "cgx-stages-0"}, portable)
	if !strings.Contains(o.Note, "code version differs (cgx-stages-0 -> "+CodeVersion+")") {
		t.Errorf("other code version: %s", o.Note)
	}
	o = mk()
	o.Inputs[1].Same = false
	refineOrigin(o, portable, portable)
	if o.Note != "its inputs differ (Backend)" {
		t.Errorf("another input differs too, note changed: %s", o.Note)
	}
}

func details(rep VerifyReport) []string {
	var out []string
	for _, d := range rep.Differences {
		out = append(out, d.Details...)
	}
	return out
}

// TestVerifyUnknownRun: an id the database lacks matches ErrUnknownRun and
// the tracker's ErrNotFound, and says where to look.
func TestVerifyUnknownRun(t *testing.T) {
	st := openStore(t, t.TempDir())
	_, err := Verify(t.Context(), st, openStore(t, t.TempDir()), 9, Options{})
	if !errors.Is(err, ErrUnknownRun) || !errors.Is(err, tracker.ErrNotFound) || !strings.Contains(err.Error(), "'cgx runs'") {
		t.Errorf("unknown run: %v", err)
	}
	if _, err := MakeBundle(t.Context(), st, 9, false); !errors.Is(err, ErrUnknownRun) {
		t.Errorf("bundle of an unknown run: %v", err)
	}
}
