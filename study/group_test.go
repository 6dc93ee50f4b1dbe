package study

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker/bolt"
)

// TestGroupedFinishMatchesPerTrial runs the same studies on the bbolt store,
// which finishes a batch's trials in one commit (FinishTrials), and on
// goptuna's InMemoryStorage, which finishes them one by one: the stored
// trials are the same, failures included, and the store synced about once
// per batch rather than once per trial.
func TestGroupedFinishMatchesPerTrial(t *testing.T) {
	failAt := func(slot int) Objective {
		q := quadratic(true)
		return func(ctx context.Context, in TrialInput) (Outcome, error) {
			if in.Slot == slot {
				return Outcome{}, errors.New("refused")
			}
			return q(ctx, in)
		}
	}
	for _, tc := range []struct {
		name    string
		cfg     Config
		obj     Objective
		wantErr bool
	}{
		{"random batch 4", Config{Sampler: SamplerRandom, Trials: 40, BatchSize: 4, Workers: 4}, quadratic(true), false},
		{"tpe batch 3, 2 workers", Config{Sampler: "tpe", Trials: 24, BatchSize: 3, Workers: 2}, quadratic(true), false},
		{"failure mid-batch", Config{Sampler: SamplerRandom, Trials: 40, BatchSize: 4, Workers: 4}, failAt(9), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			space := testSpace(t)
			cfg := tc.cfg
			cfg.Study, cfg.Seed = "grouped", 7
			mem := goptuna.NewInMemoryStorage()
			st, err := bolt.Open(filepath.Join(t.TempDir(), "cgx.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var slots []int
			cfg.Progress = func(p Progress) { slots = append(slots, p.Slot) }
			_, errMem := Run(context.Background(), mem, cfg, space, tc.obj)
			memSlots := slots
			slots = nil
			before := st.Syncs()
			_, errBolt := Run(context.Background(), st, cfg, space, tc.obj)
			syncs := st.Syncs() - before
			if (errMem != nil) != tc.wantErr || (errBolt != nil) != tc.wantErr {
				t.Fatalf("errors: in memory %v, bbolt %v; want an error: %v", errMem, errBolt, tc.wantErr)
			}
			memID, _ := mem.GetStudyIDFromName(cfg.Study)
			boltID, _ := st.GetStudyIDFromName(cfg.Study)
			if d := diffTrials(bySlot(t, mem, memID), bySlot(t, st, boltID)); d != "" {
				t.Errorf("COMPLETE trials differ (-in memory +bbolt):\n%s", d)
			}
			if d := diffTrials(failed(t, mem, memID), failed(t, st, boltID)); d != "" {
				t.Errorf("FAIL trials differ (-in memory +bbolt):\n%s", d)
			}
			if d := diffTrials(memSlots, slots); d != "" {
				t.Errorf("Progress slots differ (-in memory +bbolt):\n%s", d)
			}
			// What creating the study costs, measured with no trials.
			empty, err := bolt.Open(filepath.Join(t.TempDir(), "empty.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer empty.Close()
			setup := empty.Syncs()
			zero := cfg
			zero.Trials, zero.Progress = 0, nil
			if _, err := Run(context.Background(), empty, zero, space, tc.obj); err != nil {
				t.Fatal(err)
			}
			setup = empty.Syncs() - setup
			batches := (len(slots) + cfg.BatchSize - 1) / cfg.BatchSize
			// A failure is stored on its own and splits its batch's successes.
			fails := len(failed(t, st, boltID))
			if limit := setup + int64(batches+2*fails); syncs > limit {
				t.Errorf("%d syncs (%d for the study itself) for %d trials in %d batches with %d failures; want at most %d: one per batch, two more per failure", syncs, setup, len(slots), batches, fails, limit)
			}
		})
	}
}

// failed returns the FAIL trials' slots and error attributes, in number order.
func failed(t *testing.T, st goptuna.Storage, studyID int) map[string]string {
	out := map[string]string{}
	for _, tr := range allTrials(t, st, studyID) {
		if tr.State == goptuna.TrialStateFail {
			out[tr.SystemAttrs[AttrSlot]] = tr.SystemAttrs[AttrError]
		}
	}
	return out
}
