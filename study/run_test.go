package study

import (
	"runtime"
	"testing"

	"github.com/c-bata/goptuna"
)

// samplerCases are the configurations every determinism test runs: batch
// sizes chosen so that TPE leaves its start-up phase and CMA-ES (population 7
// for 3 numerical parameters) tells several generations, including ones that
// straddle batches.
var samplerCases = []struct {
	name   string
	cfg    Config
	trials int
}{
	{"tpe", Config{Sampler: SamplerTPE, Seed: 11, BatchSize: 4}, 36},
	{"cmaes", Config{Sampler: SamplerCMAES, Seed: 12, BatchSize: 5}, 45},
	{"random", Config{Sampler: SamplerRandom, Seed: 13, BatchSize: 3}, 20},
}

func TestWorkersDoNotChangeStoredTrials(t *testing.T) {
	space := testSpace(t)
	for _, tc := range samplerCases {
		t.Run(tc.name, func(t *testing.T) {
			var ref []goptuna.FrozenTrial
			for _, workers := range []int{1, 4, 3} {
				st := goptuna.NewInMemoryStorage()
				cfg := tc.cfg
				cfg.Study, cfg.Trials, cfg.Workers = "s/"+tc.name, tc.trials, workers
				sum := mustRun(t, st, cfg, space, quadratic(true))
				if sum.Trials != tc.trials || sum.Ran != tc.trials || sum.Failed != 0 {
					t.Fatalf("workers %d: summary %+v, want %d trials all run, none failed", workers, sum, tc.trials)
				}
				got := allTrials(t, st, sum.StudyID)
				if ref == nil {
					ref = got
					continue
				}
				if d := diffTrials(ref, got); d != "" {
					t.Fatalf("workers %d store different trials than workers 1 (-1 +%d):\n%s", workers, workers, d)
				}
			}
		})
	}
}

func TestGOMAXPROCSDoesNotChangeStoredTrials(t *testing.T) {
	space := testSpace(t)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, tc := range samplerCases {
		t.Run(tc.name, func(t *testing.T) {
			var ref []goptuna.FrozenTrial
			for _, procs := range []int{1, 2} {
				runtime.GOMAXPROCS(procs)
				st := goptuna.NewInMemoryStorage()
				cfg := tc.cfg
				cfg.Study, cfg.Trials, cfg.Workers = "s", tc.trials, 0 // 0: one worker per P
				sum := mustRun(t, st, cfg, space, quadratic(true))
				got := allTrials(t, st, sum.StudyID)
				if ref == nil {
					ref = got
					continue
				}
				if d := diffTrials(ref, got); d != "" {
					t.Fatalf("GOMAXPROCS %d differs from GOMAXPROCS 1:\n%s", procs, d)
				}
			}
		})
	}
}
