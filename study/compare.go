package study

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// LossAtConfidence is the cross-entropy loss of a target-class probability
// p: -ln p. LossAtConfidence(0.5) = ln 2 ≈ 0.693 is the usual success
// threshold (the discriminator is fooled at 50 % confidence).
func LossAtConfidence(p float64) float64 { return -fmath.Log(p) }

// CompareConfig describes a sampler comparison: the same objective searched
// by every sampler with every seed, each pair its own study named
// StudyName(Prefix, sampler, seed).
type CompareConfig struct {
	Prefix    string   // e.g. "run-5/search/exp2.1/round-1"
	Samplers  []string // e.g. {"tpe", "cmaes", "random"}
	Seeds     []int64  // study seeds, each used by every sampler
	Trials    int      // per study; Summarize counts slots below it (all when 0)
	BatchSize int
	Workers   int
	UserAttrs map[string]string // added to every study's user attributes
	// Threshold is the value at or below which a trial counts as a success,
	// normally LossAtConfidence(0.5).
	Threshold float64
	Progress  func(Progress) // passed to every Run
}

// StudyName is the name of the study of sampler and seed in a comparison:
// "<prefix>/<sampler>/seed-<seed>".
func StudyName(prefix, sampler string, seed int64) string {
	return prefix + "/" + sampler + "/seed-" + strconv.FormatInt(seed, 10)
}

func (c CompareConfig) validate() error {
	var errs []error
	if c.Prefix == "" {
		errs = append(errs, errors.New("comparison prefix is empty"))
	}
	if len(c.Samplers) == 0 {
		errs = append(errs, errors.New("no samplers to compare"))
	}
	if len(c.Seeds) == 0 {
		errs = append(errs, errors.New("no seeds"))
	}
	seen := map[string]bool{}
	for _, s := range c.Samplers {
		if err := CheckSampler(s); err != nil {
			errs = append(errs, err)
		}
		if seen[s] {
			errs = append(errs, fmt.Errorf("sampler %q listed twice", s))
		}
		seen[s] = true
	}
	seenSeed := map[int64]bool{}
	for _, s := range c.Seeds {
		if seenSeed[s] {
			errs = append(errs, fmt.Errorf("seed %d listed twice", s))
		}
		seenSeed[s] = true
	}
	if math.IsNaN(c.Threshold) || math.IsInf(c.Threshold, 0) {
		errs = append(errs, fmt.Errorf("threshold %v is not a finite number", c.Threshold))
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrInvalidConfig, errors.Join(errs...))
	}
	return nil
}

// Compare runs (or resumes) one study per sampler and seed, samplers in the
// given order and seeds within each, then summarises the stored trials. The
// study of sampler s and seed n has Seed n, so every sampler starts from the
// same trial seeds. storage must hold many studies (the tracker's store does;
// goptuna.InMemoryStorage does not).
func Compare(ctx context.Context, storage goptuna.Storage, cfg CompareConfig, space Space, obj Objective) (Comparison, error) {
	if err := cfg.validate(); err != nil {
		return Comparison{}, err
	}
	for _, smp := range cfg.Samplers {
		for _, seed := range cfg.Seeds {
			rc := Config{Study: StudyName(cfg.Prefix, smp, seed), Sampler: smp, Seed: seed, Trials: cfg.Trials,
				BatchSize: cfg.BatchSize, Workers: cfg.Workers, UserAttrs: maps.Clone(cfg.UserAttrs), Progress: cfg.Progress}
			if _, err := Run(ctx, storage, rc, space, obj); err != nil {
				return Comparison{}, fmt.Errorf("compare samplers: %w", err)
			}
		}
	}
	return Summarize(storage, cfg)
}

// Comparison is the per-sampler summary of a comparison's stored trials.
// All values are plain data for tables and figures.
type Comparison struct {
	Prefix    string         `json:"prefix"`
	Threshold float64        `json:"threshold"` // success: value <= Threshold
	Samplers  []SamplerStats `json:"samplers"`  // in CompareConfig.Samplers order
}

// SamplerStats aggregates one sampler's studies. Aggregates cover the studies
// with at least one COMPLETE trial (Seeds of them); with none, the losses are
// 0, the rates 0 and MedianTrialsToThreshold -1.
type SamplerStats struct {
	Sampler string       `json:"sampler"`
	Studies []StudyStats `json:"studies"` // one per seed, in CompareConfig.Seeds order
	Seeds   int          `json:"seeds"`   // studies with at least one COMPLETE trial
	// BestLoss is the lowest value over all seeds.
	BestLoss float64 `json:"best_loss"`
	// MedianBestLoss is the median over seeds of each study's lowest value.
	MedianBestLoss float64 `json:"median_best_loss"`
	// SeedSuccessRate is the fraction of seeds whose lowest value reached the threshold.
	SeedSuccessRate float64 `json:"seed_success_rate"`
	// TrialSuccessRate is the fraction of all COMPLETE trials, pooled over
	// seeds, whose value reached the threshold.
	TrialSuccessRate float64 `json:"trial_success_rate"`
	// MedianTrialsToThreshold is the median over the seeds that reached the
	// threshold of StudyStats.TrialsToThreshold; -1 when no seed did.
	MedianTrialsToThreshold float64 `json:"median_trials_to_threshold"`
	// MedianBestSoFar[i] is the median over seeds of BestSoFar[i], over the
	// studies that have an element i.
	MedianBestSoFar []float64 `json:"median_best_so_far"`
}

// StudyStats summarises one study of a comparison.
type StudyStats struct {
	Study   string `json:"study"`
	Seed    int64  `json:"seed"`
	Missing bool   `json:"missing"` // the storage does not know the study (never run)
	Trials  int    `json:"trials"`  // COMPLETE trials counted
	// BestLoss is the lowest value and BestSlot its slot (0 and -1 when Trials == 0).
	BestLoss float64 `json:"best_loss"`
	BestSlot int     `json:"best_slot"`
	// Successes counts trials whose value reached the threshold.
	Successes int `json:"successes"`
	// TrialsToThreshold is how many trials, in slot order, it took to first
	// reach the threshold (1 if the first trial did); -1 if none did.
	TrialsToThreshold int `json:"trials_to_threshold"`
	// BestSoFar[i] is the lowest value among the first i+1 COMPLETE trials in
	// slot order; for a finished study that is slots 0..i.
	BestSoFar []float64 `json:"best_so_far"`
}

// Summarize computes a Comparison from the stored trials of the studies named
// by cfg.Prefix, cfg.Samplers and cfg.Seeds, counting slots below cfg.Trials
// (all slots when it is 0) against cfg.Threshold. It runs nothing, so reports
// can recompute it from the database.
func Summarize(storage goptuna.Storage, cfg CompareConfig) (Comparison, error) {
	if err := cfg.validate(); err != nil {
		return Comparison{}, err
	}
	c := Comparison{Prefix: cfg.Prefix, Threshold: cfg.Threshold}
	for _, smp := range cfg.Samplers {
		ss := SamplerStats{Sampler: smp}
		for _, seed := range cfg.Seeds {
			st, err := studyStats(storage, StudyName(cfg.Prefix, smp, seed), seed, cfg.Trials, cfg.Threshold)
			if err != nil {
				return Comparison{}, fmt.Errorf("summarize comparison: %w", err)
			}
			ss.Studies = append(ss.Studies, st)
		}
		aggregate(&ss)
		c.Samplers = append(c.Samplers, ss)
	}
	return c, nil
}

func studyStats(storage goptuna.Storage, name string, seed int64, trials int, threshold float64) (StudyStats, error) {
	st := StudyStats{Study: name, Seed: seed, BestSlot: -1, TrialsToThreshold: -1, BestSoFar: []float64{}}
	if _, err := storage.GetStudyIDFromName(name); err != nil {
		st.Missing = true
		return st, nil
	}
	results, err := Results(storage, name)
	if err != nil {
		return st, err
	}
	best := math.Inf(1)
	for _, r := range results {
		if trials > 0 && r.Slot >= trials {
			break
		}
		st.Trials++
		if r.Value < best {
			best, st.BestSlot = r.Value, r.Slot
		}
		st.BestSoFar = append(st.BestSoFar, best)
		if r.Value <= threshold {
			st.Successes++
			if st.TrialsToThreshold < 0 {
				st.TrialsToThreshold = st.Trials
			}
		}
	}
	if st.Trials > 0 {
		st.BestLoss = best
	}
	return st, nil
}

func aggregate(ss *SamplerStats) {
	var bests, reach []float64
	var trials, successes, reached int
	curves := [][]float64{}
	for _, st := range ss.Studies {
		if st.Trials == 0 {
			continue
		}
		ss.Seeds++
		bests = append(bests, st.BestLoss)
		trials += st.Trials
		successes += st.Successes
		if st.TrialsToThreshold > 0 {
			reached++
			reach = append(reach, float64(st.TrialsToThreshold))
		}
		curves = append(curves, st.BestSoFar)
	}
	ss.MedianTrialsToThreshold = -1
	ss.MedianBestSoFar = []float64{}
	if ss.Seeds == 0 {
		return
	}
	ss.BestLoss = bests[0]
	for _, b := range bests {
		ss.BestLoss = math.Min(ss.BestLoss, b)
	}
	ss.MedianBestLoss = median(bests)
	ss.SeedSuccessRate = float64(reached) / float64(ss.Seeds)
	ss.TrialSuccessRate = float64(successes) / float64(trials)
	if len(reach) > 0 {
		ss.MedianTrialsToThreshold = median(reach)
	}
	for i := 0; ; i++ {
		var col []float64
		for _, c := range curves {
			if i < len(c) {
				col = append(col, c[i])
			}
		}
		if len(col) == 0 {
			break
		}
		ss.MedianBestSoFar = append(ss.MedianBestSoFar, median(col))
	}
}

// median of xs (the mean of the middle two for an even count); xs is reordered.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
