package study

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStudyName(t *testing.T) {
	if got := StudyName("run-5/search/exp2.1/round-1", "cmaes", 2); got != "run-5/search/exp2.1/round-1/cmaes/seed-2" {
		t.Errorf("StudyName = %q", got)
	}
	if got := StudyName("p", "tpe", -3); got != "p/tpe/seed--3" {
		t.Errorf("StudyName with a negative seed = %q", got)
	}
}

// slotTable returns an objective whose value is table[slot], whatever the parameters.
func slotTable(table ...float64) Objective {
	return func(_ context.Context, in TrialInput) (Outcome, error) {
		return Outcome{Value: table[in.Slot]}, nil
	}
}

func TestSummarizeStatistics(t *testing.T) {
	space := testSpace(t)
	st := &multiStore{}
	cfg := CompareConfig{Prefix: "cmp", Samplers: []string{"random", "tpe"}, Seeds: []int64{1, 2, 3}, Trials: 5,
		BatchSize: 2, Workers: 2, Threshold: LossAtConfidence(0.5)}
	tables := map[string][]float64{ // study -> value per slot; slot 5 lies beyond Trials
		"cmp/random/seed-1": {3, 2, 0.5, 0.6, 0.1, 0},
		"cmp/random/seed-2": {1, 0.9, 0.8, 0.7, 0.75, 0},
		"cmp/random/seed-3": {0.2, 5, 5, 5, 5, 0},
		"cmp/tpe/seed-1":    {4, 4, 4, 4, 1, 0},
		"cmp/tpe/seed-2":    {2, 0.3, 9, 9, 9, 0},
		// cmp/tpe/seed-3 is never run.
	}
	for name, table := range tables {
		parts := strings.Split(name, "/")
		seed := map[string]int64{"seed-1": 1, "seed-2": 2, "seed-3": 3}[parts[2]]
		mustRun(t, st, Config{Study: name, Sampler: parts[1], Seed: seed, Trials: 6, BatchSize: 2, Workers: 2}, space, slotTable(table...))
	}
	got, err := Summarize(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := Comparison{Prefix: "cmp", Threshold: math.Ln2, Samplers: []SamplerStats{
		{
			Sampler: "random", Seeds: 3,
			Studies: []StudyStats{
				{Study: "cmp/random/seed-1", Seed: 1, Trials: 5, BestLoss: 0.1, BestSlot: 4, Successes: 3, TrialsToThreshold: 3,
					BestSoFar: []float64{3, 2, 0.5, 0.5, 0.1}},
				{Study: "cmp/random/seed-2", Seed: 2, Trials: 5, BestLoss: 0.7, BestSlot: 3, Successes: 0, TrialsToThreshold: -1,
					BestSoFar: []float64{1, 0.9, 0.8, 0.7, 0.7}},
				{Study: "cmp/random/seed-3", Seed: 3, Trials: 5, BestLoss: 0.2, BestSlot: 0, Successes: 1, TrialsToThreshold: 1,
					BestSoFar: []float64{0.2, 0.2, 0.2, 0.2, 0.2}},
			},
			BestLoss: 0.1, MedianBestLoss: 0.2, SeedSuccessRate: 2.0 / 3, TrialSuccessRate: 4.0 / 15,
			MedianTrialsToThreshold: 2, MedianBestSoFar: []float64{1, 0.9, 0.5, 0.5, 0.2},
		},
		{
			Sampler: "tpe", Seeds: 2,
			Studies: []StudyStats{
				{Study: "cmp/tpe/seed-1", Seed: 1, Trials: 5, BestLoss: 1, BestSlot: 4, TrialsToThreshold: -1,
					BestSoFar: []float64{4, 4, 4, 4, 1}},
				{Study: "cmp/tpe/seed-2", Seed: 2, Trials: 5, BestLoss: 0.3, BestSlot: 1, Successes: 1, TrialsToThreshold: 2,
					BestSoFar: []float64{2, 0.3, 0.3, 0.3, 0.3}},
				{Study: "cmp/tpe/seed-3", Seed: 3, Missing: true, BestSlot: -1, TrialsToThreshold: -1, BestSoFar: []float64{}},
			},
			BestLoss: 0.3, MedianBestLoss: 0.65, SeedSuccessRate: 0.5, TrialSuccessRate: 0.1,
			MedianTrialsToThreshold: 2, MedianBestSoFar: []float64{3, 2.15, 2.15, 2.15, 0.65},
		},
	}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("Summarize (-want +got):\n%s", d)
	}
}

func TestCompareRunsEverySamplerAndSeed(t *testing.T) {
	space := testSpace(t)
	cfg := CompareConfig{Prefix: "run-1/search/exp/round-1", Samplers: Samplers(), Seeds: []int64{1, 2, 3, 4, 5}, Trials: 40,
		BatchSize: 4, Workers: 1, Threshold: 0.1, UserAttrs: map[string]string{"cgx.round": "1"}}
	st1 := &multiStore{}
	got, err := Compare(context.Background(), st1, cfg, space, quadratic(false))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Workers = 4
	st4 := &multiStore{}
	got4, err := Compare(context.Background(), st4, cfg, space, quadratic(true))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, got4); d != "" {
		t.Errorf("comparison with 4 workers differs from 1 worker:\n%s", d)
	}
	if len(st1.names) != 15 {
		t.Fatalf("made %d studies, want 15: %v", len(st1.names), st1.names)
	}
	for _, ss := range got.Samplers {
		for _, s := range ss.Studies {
			if s.Trials != 40 || len(s.BestSoFar) != 40 {
				t.Errorf("%s: %d trials, %d curve points, want 40", s.Study, s.Trials, len(s.BestSoFar))
			}
			for i := 1; i < len(s.BestSoFar); i++ {
				if s.BestSoFar[i] > s.BestSoFar[i-1] {
					t.Fatalf("%s: best-so-far rises at %d", s.Study, i)
				}
			}
			id, _ := st1.GetStudyIDFromName(s.Study)
			attrs, _ := st1.GetStudyUserAttrs(id)
			if attrs["cgx.round"] != "1" || attrs["cgx.sampler"] != ss.Sampler {
				t.Errorf("%s user attributes %v", s.Study, attrs)
			}
		}
		t.Logf("%-6s best %.4f median best %.4f seed success %.2f trial success %.3f median trials to %.1f: %.1f",
			ss.Sampler, ss.BestLoss, ss.MedianBestLoss, ss.SeedSuccessRate, ss.TrialSuccessRate, cfg.Threshold, ss.MedianTrialsToThreshold)
	}
	// On this smooth bowl the model-based samplers beat random search.
	byName := map[string]SamplerStats{}
	for _, ss := range got.Samplers {
		byName[ss.Sampler] = ss
	}
	for _, s := range []string{SamplerTPE, SamplerCMAES} {
		if byName[s].MedianBestLoss >= byName[SamplerRandom].MedianBestLoss {
			t.Errorf("%s median best %.4f does not beat random %.4f", s, byName[s].MedianBestLoss, byName[SamplerRandom].MedianBestLoss)
		}
	}
}

func TestCompareConfigErrors(t *testing.T) {
	good := CompareConfig{Prefix: "p", Samplers: []string{"tpe"}, Seeds: []int64{1}, Trials: 2, BatchSize: 1, Workers: 1, Threshold: 1}
	tests := []struct {
		name string
		edit func(*CompareConfig)
		want string
	}{
		{"no prefix", func(c *CompareConfig) { c.Prefix = "" }, "prefix is empty"},
		{"no samplers", func(c *CompareConfig) { c.Samplers = nil }, "no samplers"},
		{"unknown sampler", func(c *CompareConfig) { c.Samplers = []string{"tpe", "bayes"} }, `unknown sampler "bayes"`},
		{"sampler twice", func(c *CompareConfig) { c.Samplers = []string{"tpe", "tpe"} }, `sampler "tpe" listed twice`},
		{"no seeds", func(c *CompareConfig) { c.Seeds = nil }, "no seeds"},
		{"seed twice", func(c *CompareConfig) { c.Seeds = []int64{4, 4} }, "seed 4 listed twice"},
		{"nan threshold", func(c *CompareConfig) { c.Threshold = math.NaN() }, "threshold NaN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			st := &multiStore{}
			_, err := Compare(context.Background(), st, cfg, testSpace(t), quadratic(false))
			if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Compare error = %v, want ErrInvalidConfig with %q", err, tc.want)
			}
			if len(st.names) != 0 {
				t.Errorf("an invalid comparison made studies %v", st.names)
			}
		})
	}
}
