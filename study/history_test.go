package study

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
)

// fullHistory is what a full re-read of the study gives the samplers: the
// COMPLETE trials with slot < before, in slot order.
func fullHistory(t *testing.T, space Space, trials []goptuna.FrozenTrial, before int) []observation {
	t.Helper()
	inv, err := takeInventory("s", trials)
	if err != nil {
		t.Fatal(err)
	}
	var out []observation
	for slot := 0; slot < before; slot++ {
		if ft, ok := inv.complete[slot]; ok {
			o, err := observe("s", space, slot, ft)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, o)
		}
	}
	return out
}

// TestLedgerHistoryMatchesFullRead feeds a ledger the way Run does (a first
// full read, then the trials it stores batch by batch) and checks that every
// batch's history equals a full re-read of the storage, for a fresh study and
// for a resumed one holding COMPLETE slots beyond the batch being run.
func TestLedgerHistoryMatchesFullRead(t *testing.T) {
	space := testSpace(t)
	for _, sampler := range Samplers() {
		st := goptuna.NewInMemoryStorage()
		const batch, trials = 4, 48
		cfg := Config{Study: "s", Sampler: sampler, Seed: 3, Trials: trials, BatchSize: batch, Workers: 2}
		if _, err := Run(context.Background(), st, cfg, space, quadratic(false)); err != nil {
			t.Fatal(err)
		}
		all, err := st.GetAllTrials(goptuna.InMemoryStorageStudyID)
		if err != nil {
			t.Fatal(err)
		}
		for _, resumed := range [][2]int{{0, 0}, {8, 12}, {20, 36}} {
			t.Run(fmt.Sprintf("%s/held-%d-%d", sampler, resumed[0], resumed[1]), func(t *testing.T) {
				// Initially held: slots < resumed[0] and [resumed[1], trials).
				held := func(slot int) bool { return slot < resumed[0] || slot >= resumed[1] }
				var first, later []goptuna.FrozenTrial
				for _, ft := range all {
					if slot, _ := slotOf(ft); held(slot) {
						first = append(first, ft)
					} else {
						later = append(later, ft)
					}
				}
				led, err := newLedger("s", space, first)
				if err != nil {
					t.Fatal(err)
				}
				read := &countingStorage{Storage: st}
				for start := 0; start < trials; start += batch {
					if err := led.catchUp(read); err != nil {
						t.Fatal(err)
					}
					got, err := led.history(start)
					if err != nil {
						t.Fatal(err)
					}
					want := fullHistory(t, space, append(append([]goptuna.FrozenTrial(nil), first...), stored(later, start)...), start)
					if diff := cmp.Diff(want, got, cmp.AllowUnexported(observation{})); diff != "" {
						t.Fatalf("history before slot %d (-full read +ledger):\n%s", start, diff)
					}
					for _, ft := range later {
						if slot, _ := slotOf(ft); slot >= start && slot < start+batch {
							led.stored(ft.ID)
						}
					}
				}
				if read.gets != len(later) {
					t.Errorf("ledger read %d trials after the first read, want %d (each stored trial once)", read.gets, len(later))
				}
			})
		}
	}
}

// stored returns the trials of later with slot < before.
func stored(later []goptuna.FrozenTrial, before int) []goptuna.FrozenTrial {
	var out []goptuna.FrozenTrial
	for _, ft := range later {
		if slot, _ := slotOf(ft); slot < before {
			out = append(out, ft)
		}
	}
	return out
}

// countingStorage counts GetTrial calls.
type countingStorage struct {
	goptuna.Storage
	gets int
}

func (c *countingStorage) GetTrial(id int) (goptuna.FrozenTrial, error) {
	c.gets++
	return c.Storage.GetTrial(id)
}

// TestLedgerRefusesSecondCompleteTrialOfASlot keeps takeInventory's check
// for trials read incrementally.
func TestLedgerRefusesSecondCompleteTrialOfASlot(t *testing.T) {
	space := testSpace(t)
	st := goptuna.NewInMemoryStorage()
	if _, err := Run(context.Background(), st, Config{Study: "s", Sampler: SamplerRandom, Seed: 1, Trials: 2, BatchSize: 1, Workers: 1},
		space, quadratic(false)); err != nil {
		t.Fatal(err)
	}
	all, err := st.GetAllTrials(goptuna.InMemoryStorageStudyID)
	if err != nil {
		t.Fatal(err)
	}
	led, err := newLedger("s", space, all)
	if err != nil {
		t.Fatal(err)
	}
	led.stored(all[1].ID)
	if err := led.catchUp(st); !errors.Is(err, ErrCorruptStudy) {
		t.Fatalf("catch-up of a slot already complete: %v, want ErrCorruptStudy", err)
	}
}
