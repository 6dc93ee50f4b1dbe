package study

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
)

func TestRunRejectsBadConfig(t *testing.T) {
	space := testSpace(t)
	good := Config{Study: "s", Sampler: SamplerTPE, Trials: 4, BatchSize: 2, Workers: 1}
	tests := []struct {
		name    string
		edit    func(*Config)
		space   *Space
		nilObj  bool
		wantErr error
		want    []string
	}{
		{"empty study name", func(c *Config) { c.Study = "" }, nil, false, ErrInvalidConfig, []string{"study name is empty"}},
		{"unknown sampler", func(c *Config) { c.Sampler = "grid" }, nil, false, ErrUnknownSampler, []string{`unknown sampler "grid"; use one of tpe, cmaes, random`}},
		{"negative trials", func(c *Config) { c.Trials = -1 }, nil, false, ErrInvalidConfig, []string{"trials -1 is negative"}},
		{"zero batch", func(c *Config) { c.BatchSize = 0 }, nil, false, ErrInvalidConfig, []string{"batch size 0 must be at least 1"}},
		{"negative workers", func(c *Config) { c.Workers = -2 }, nil, false, ErrInvalidConfig, []string{"workers -2 is negative"}},
		{"contradicting attr", func(c *Config) { c.UserAttrs = map[string]string{"cgx.sampler": "cmaes"} }, nil, false, ErrInvalidConfig, []string{`cgx.sampler = "cmaes" contradicts`}},
		{"several problems", func(c *Config) { c.Study, c.BatchSize = "", 0 }, nil, false, ErrInvalidConfig, []string{"study name is empty", "batch size 0"}},
		{"zero space", func(*Config) {}, &Space{}, false, ErrInvalidSpace, []string{"no parameters"}},
		{"nil objective", func(*Config) {}, nil, true, ErrInvalidConfig, []string{"objective is nil"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good
			tc.edit(&cfg)
			sp, obj := space, quadratic(false)
			if tc.space != nil {
				sp = *tc.space
			}
			if tc.nilObj {
				obj = nil
			}
			st := goptuna.NewInMemoryStorage()
			_, err := Run(context.Background(), st, cfg, sp, obj)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Run error = %v, want %v", err, tc.wantErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if trials, _ := st.GetAllTrials(1); len(trials) != 0 {
				t.Errorf("a rejected config stored %d trials", len(trials))
			}
		})
	}
}

func TestCheckSampler(t *testing.T) {
	for _, name := range Samplers() {
		if err := CheckSampler(name); err != nil {
			t.Errorf("CheckSampler(%q) = %v", name, err)
		}
	}
	if err := CheckSampler("TPE"); !errors.Is(err, ErrUnknownSampler) {
		t.Errorf("CheckSampler is not case-sensitive: %v", err)
	}
}

func TestResumeRejectsChangedSettings(t *testing.T) {
	space := testSpace(t)
	base := Config{Study: "s", Sampler: SamplerTPE, Seed: 1, Trials: 6, BatchSize: 3, Workers: 2}
	other, err := NewSpace(Float("x", -1, 2), LogFloat("scale", 1e-3, 10), Int("n", 0, 8), Categorical("kind", "bottle", "can", "box"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		edit  func(*Config)
		space Space
		want  string
	}{
		{"seed", func(c *Config) { c.Seed = 2 }, space, "cgx.seed = 1, now asked for 2"},
		{"sampler", func(c *Config) { c.Sampler = SamplerRandom }, space, "cgx.sampler = tpe, now asked for random"},
		{"batch size", func(c *Config) { c.BatchSize = 4 }, space, "cgx.batch = 3, now asked for 4"},
		{"space", func(*Config) {}, other, "cgx.space"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := goptuna.NewInMemoryStorage()
			mustRun(t, st, base, space, quadratic(false))
			cfg := base
			tc.edit(&cfg)
			_, err := Run(context.Background(), st, cfg, tc.space, quadratic(false))
			if !errors.Is(err, ErrStudyMismatch) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Run error = %v, want ErrStudyMismatch naming %q", err, tc.want)
			}
			if trials, _ := st.GetAllTrials(1); len(trials) != base.Trials {
				t.Errorf("mismatched resume changed the study: %d trials", len(trials))
			}
		})
	}
	t.Run("workers and trials may change", func(t *testing.T) {
		st := goptuna.NewInMemoryStorage()
		mustRun(t, st, base, space, quadratic(false))
		cfg := base
		cfg.Workers, cfg.Trials = 5, 9
		if sum := mustRun(t, st, cfg, space, quadratic(false)); sum.Trials != 9 || sum.Ran != 3 {
			t.Errorf("summary %+v, want 9 trials, 3 run", sum)
		}
	})
}

func TestRunRejectsForeignStudies(t *testing.T) {
	space := testSpace(t)
	cfg := Config{Study: "mine", Sampler: SamplerRandom, Trials: 3, BatchSize: 1, Workers: 1}

	t.Run("in-memory storage reused for a second study", func(t *testing.T) {
		st := goptuna.NewInMemoryStorage()
		mustRun(t, st, cfg, space, quadratic(false))
		other := cfg
		other.Study = "another"
		_, err := Run(context.Background(), st, other, space, quadratic(false))
		if !errors.Is(err, ErrStudyMismatch) || !strings.Contains(err.Error(), "InMemoryStorage holds one study") {
			t.Fatalf("Run error = %v, want ErrStudyMismatch about InMemoryStorage", err)
		}
	})
	t.Run("study made by plain goptuna", func(t *testing.T) {
		st := goptuna.NewInMemoryStorage()
		s, err := goptuna.CreateStudy("mine", goptuna.StudyOptionStorage(st), goptuna.StudyOptionLogger(nil))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Optimize(func(tr goptuna.Trial) (float64, error) { return tr.SuggestFloat("x", 0, 1) }, 2); err != nil {
			t.Fatal(err)
		}
		_, err = Run(context.Background(), st, cfg, space, quadratic(false))
		if !errors.Is(err, ErrStudyMismatch) || !strings.Contains(err.Error(), "did not make it") {
			t.Fatalf("Run error = %v, want ErrStudyMismatch", err)
		}
	})
	t.Run("maximising study", func(t *testing.T) {
		st := goptuna.NewInMemoryStorage()
		if _, err := goptuna.CreateStudy("mine", goptuna.StudyOptionStorage(st), goptuna.StudyOptionLogger(nil),
			goptuna.StudyOptionDirection(goptuna.StudyDirectionMaximize)); err != nil {
			t.Fatal(err)
		}
		_, err := Run(context.Background(), st, cfg, space, quadratic(false))
		if !errors.Is(err, ErrStudyMismatch) || !strings.Contains(err.Error(), "maximises") {
			t.Fatalf("Run error = %v, want ErrStudyMismatch", err)
		}
	})
	t.Run("created but settings never written", func(t *testing.T) {
		st := goptuna.NewInMemoryStorage()
		if _, err := st.CreateNewStudy("mine"); err != nil {
			t.Fatal(err)
		}
		if sum := mustRun(t, st, cfg, space, quadratic(false)); sum.Trials != 3 {
			t.Fatalf("summary %+v", sum)
		}
	})
}

func TestCorruptStudiesAreReported(t *testing.T) {
	space := testSpace(t)
	cfg := Config{Study: "s", Sampler: SamplerRandom, Trials: 3, BatchSize: 1, Workers: 1}
	tests := []struct {
		name string
		add  goptuna.FrozenTrial
		want string
	}{
		{"duplicate slot", goptuna.FrozenTrial{SystemAttrs: map[string]string{AttrSlot: "1"}}, "both complete slot 1"},
		{"no slot", goptuna.FrozenTrial{SystemAttrs: map[string]string{}}, "has no valid cgx.slot"},
		{"bad slot", goptuna.FrozenTrial{SystemAttrs: map[string]string{AttrSlot: "-4"}}, "has no valid cgx.slot"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := goptuna.NewInMemoryStorage()
			sum := mustRun(t, st, cfg, space, quadratic(false))
			tr := tc.add
			tr.State = goptuna.TrialStateComplete
			tr.InternalParams, tr.Params, tr.Distributions = map[string]float64{}, map[string]any{}, map[string]any{}
			tr.UserAttrs, tr.IntermediateValues = map[string]string{}, map[int]float64{}
			if _, err := st.CloneTrial(sum.StudyID, tr); err != nil {
				t.Fatal(err)
			}
			_, err := Run(context.Background(), st, cfg, space, quadratic(false))
			if !errors.Is(err, ErrCorruptStudy) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Run error = %v, want ErrCorruptStudy with %q", err, tc.want)
			}
			if _, err := Results(st, "s"); !errors.Is(err, ErrCorruptStudy) {
				t.Errorf("Results error = %v, want ErrCorruptStudy", err)
			}
		})
	}
}
