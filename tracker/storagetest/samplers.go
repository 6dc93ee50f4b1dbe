package storagetest

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/c-bata/goptuna/cmaes"
	"github.com/c-bata/goptuna/medianstopping"
	"github.com/c-bata/goptuna/tpe"
	"github.com/google/go-cmp/cmp"
)

// samplerCase is a whole seeded study.
type samplerCase struct {
	name   string
	trials int
	opts   func(seed int64) []goptuna.StudyOption
	prune  bool
}

func samplerCases() []samplerCase {
	return []samplerCase{
		{name: "random", trials: 60, opts: func(seed int64) []goptuna.StudyOption {
			return []goptuna.StudyOption{goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(seed)))}
		}},
		{name: "tpe", trials: 40, opts: func(seed int64) []goptuna.StudyOption {
			return []goptuna.StudyOption{goptuna.StudyOptionSampler(tpe.NewSampler(tpe.SamplerOptionSeed(seed)))}
		}},
		{name: "tpe maximize", trials: 30, opts: func(seed int64) []goptuna.StudyOption {
			return []goptuna.StudyOption{
				goptuna.StudyOptionSampler(tpe.NewSampler(tpe.SamplerOptionSeed(seed))),
				goptuna.StudyOptionDirection(goptuna.StudyDirectionMaximize),
			}
		}},
		{name: "cmaes", trials: 40, opts: func(seed int64) []goptuna.StudyOption {
			return []goptuna.StudyOption{
				goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(seed))),
				goptuna.StudyOptionRelativeSampler(cmaes.NewSampler(cmaes.SamplerOptionSeed(seed), cmaes.SamplerOptionNStartupTrials(4))),
			}
		}},
		{name: "random with median pruner", trials: 40, prune: true, opts: func(seed int64) []goptuna.StudyOption {
			return []goptuna.StudyOption{
				goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(seed))),
				goptuna.StudyOptionPruner(medianstopping.NewMedianPruner()),
			}
		}},
	}
}

var errObjective = errors.New("objective refuses this region")

// objective is deterministic in the suggested values; it fails in one
// corner so failed trials are part of the comparison, and, with prune,
// reports intermediate values.
func objective(prune bool) goptuna.FuncObjective {
	return func(tr goptuna.Trial) (float64, error) {
		x, err := tr.SuggestFloat("x", -5, 5)
		if err != nil {
			return 0, err
		}
		y, err := tr.SuggestFloat("y", -5, 5)
		if err != nil {
			return 0, err
		}
		n, err := tr.SuggestInt("n", 0, 10)
		if err != nil {
			return 0, err
		}
		lr, err := tr.SuggestLogFloat("lr", 1e-4, 1)
		if err != nil {
			return 0, err
		}
		v := (x-1)*(x-1) + (y+2)*(y+2) + 0.1*float64(n) + math.Pow(math.Log10(lr)+2, 2)
		if err := tr.SetUserAttr("value", fmt.Sprintf("%.6g", v)); err != nil {
			return 0, err
		}
		if x > 4.5 {
			return 0, errObjective
		}
		if prune {
			for step := 0; step < 4; step++ {
				if err := tr.ShouldPrune(step, v*float64(4-step)); err != nil {
					return 0, err
				}
			}
		}
		return v, nil
	}
}

func runStudy(t *testing.T, s goptuna.Storage, sc samplerCase, seed int64) []Trial {
	t.Helper()
	opts := append([]goptuna.StudyOption{
		goptuna.StudyOptionStorage(s),
		goptuna.StudyOptionLogger(nil),
		goptuna.StudyOptionIgnoreError(true),
	}, sc.opts(seed)...)
	study, err := goptuna.CreateStudy("sampler-"+sc.name, opts...)
	if err != nil {
		t.Fatal(err)
	}
	seedGlobalRand(t, seed)
	if err := study.Optimize(objective(sc.prune), sc.trials); err != nil {
		t.Fatalf("optimize: %v", err)
	}
	trials, err := s.GetAllTrials(study.ID)
	if err != nil {
		t.Fatal(err)
	}
	r := newRecorder(s)
	out := make([]Trial, len(trials))
	for i, tr := range trials {
		r.remember(tr.ID)
		out[i] = r.norm(tr)
	}
	return out
}

// RunSamplers runs whole seeded studies on both storages and compares every
// trial (ids and timestamps aside).
func RunSamplers(t *testing.T, subject Factory) {
	for _, sc := range samplerCases() {
		t.Run(sc.name, func(t *testing.T) {
			const seed = 20210601
			want := runStudy(t, goptuna.NewInMemoryStorage(), sc, seed)
			got := runStudy(t, subject(t), sc, seed)
			if len(want) != sc.trials {
				t.Fatalf("reference ran %d trials, want %d", len(want), sc.trials)
			}
			if d := cmp.Diff(want, got, cmpOpts); d != "" {
				t.Errorf("seed %d: trials differ from goptuna.InMemoryStorage (-reference +subject):\n%s", seed, d)
			}
			states := map[goptuna.TrialState]int{}
			for _, tr := range got {
				states[tr.State]++
			}
			if states[goptuna.TrialStateComplete] == 0 {
				t.Errorf("no complete trials: %v", states)
			}
			if sc.prune && states[goptuna.TrialStatePruned] == 0 {
				t.Errorf("pruner case pruned nothing: %v", states)
			}
		})
	}
}
