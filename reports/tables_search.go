package reports

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
)

// roundKey names one content search round.
type roundKey struct {
	search string
	round  int
}

func (k roundKey) String() string { return fmt.Sprintf("%s round %d", k.search, k.round) }

func (k roundKey) less(o roundKey) bool {
	if k.search != o.search {
		return k.search < o.search
	}
	return k.round < o.round
}

// isContent reports whether s is a content search study.
func (s StudyData) isContent() bool {
	return s.Kind == KindContent || (s.Kind == "" && s.Search != "")
}

// contentRounds groups the run's content studies by search round, rounds in
// order and studies within a round by sampler (tpe, cmaes, random, others),
// then seed, then id.
func (rd *RunData) contentRounds() ([]roundKey, map[roundKey][]StudyData) {
	groups := map[roundKey][]StudyData{}
	for _, s := range rd.Studies {
		if s.isContent() {
			k := roundKey{s.Search, s.Round}
			groups[k] = append(groups[k], s)
		}
	}
	rounds := make([]roundKey, 0, len(groups))
	for k, ss := range groups {
		rounds = append(rounds, k)
		sort.SliceStable(ss, func(i, j int) bool {
			if ss[i].Sampler != ss[j].Sampler {
				return lessRanked(samplerOrder, ss[i].Sampler, ss[j].Sampler)
			}
			if ss[i].SpecSeed != ss[j].SpecSeed {
				return ss[i].SpecSeed < ss[j].SpecSeed
			}
			if ss[i].Seed != ss[j].Seed {
				return ss[i].Seed < ss[j].Seed
			}
			return ss[i].ID < ss[j].ID
		})
	}
	sort.Slice(rounds, func(i, j int) bool { return rounds[i].less(rounds[j]) })
	return rounds, groups
}

// seedStats summarises one content study (one sampler, one seed).
type seedStats struct {
	trials    int     // complete trials
	succeeded int     // complete trials that succeeded
	best      float64 // lowest loss, +Inf when no complete trial
	bestTrial Trial
	// reachAt is the trial count (Index+1) at the first complete trial whose
	// loss is at most the study's loss threshold; +Inf when none did.
	reachAt float64
}

func studyStats(s StudyData) seedStats {
	st := seedStats{best: math.Inf(1), reachAt: math.Inf(1)}
	lt := s.LossThreshold()
	for _, t := range s.Complete() {
		st.trials++
		if s.succeeded(t) {
			st.succeeded++
		}
		if t.Value < st.best {
			st.best, st.bestTrial = t.Value, t
		}
		if t.Value <= lt && float64(t.Index()+1) < st.reachAt {
			st.reachAt = float64(t.Index() + 1)
		}
	}
	return st
}

func (rd *RunData) samplerTable() Table {
	t := Table{
		Name:  TableSamplers,
		Title: "Sampler comparison",
		Notes: []string{
			"Per sampler over its seeds (one study per seed). best loss: the lowest loss of any seed; median best loss: the median over seeds of each seed's lowest loss.",
			"trials to threshold: the median over seeds of the number of trials run (its slot, or trial number, + 1) when the loss first reached -ln(threshold), ln 2 = 0.693 for the 0.5-confidence point; a seed that never did counts as infinite, so the median is missing when half or more never did. seeds reaching counts the seeds that did.",
			"success rate: the fraction of all complete trials whose rendered scene reached the threshold confidence.",
		},
		Columns: []Column{
			{Key: "search", Label: "search"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "sampler", Label: "sampler"},
			{Key: "seeds", Label: "seeds", Kind: Int},
			{Key: "trials", Label: "trials", Kind: Int},
			{Key: "best_loss", Label: "best loss", Kind: Float, Digits: 4},
			{Key: "median_best_loss", Label: "median best loss", Kind: Float, Digits: 4},
			{Key: "trials_to_threshold", Label: "trials to threshold", Kind: Float, Digits: 1},
			{Key: "seeds_reaching", Label: "seeds reaching", Kind: Int},
			{Key: "success_rate", Label: "success rate", Kind: Percent, Digits: 1},
		},
	}
	rounds, groups := rd.contentRounds()
	for _, k := range rounds {
		var samplers []string
		bySampler := map[string][]StudyData{}
		for _, s := range groups[k] {
			if _, ok := bySampler[s.Sampler]; !ok {
				samplers = append(samplers, s.Sampler)
			}
			bySampler[s.Sampler] = append(bySampler[s.Sampler], s)
		}
		for _, sampler := range samplers {
			var bests, reach []float64
			trials, succeeded, reached := 0, 0, 0
			for _, s := range bySampler[sampler] {
				st := studyStats(s)
				trials += st.trials
				succeeded += st.succeeded
				if st.trials > 0 {
					bests = append(bests, st.best)
				}
				reach = append(reach, st.reachAt)
				if !math.IsInf(st.reachAt, 1) {
					reached++
				}
			}
			best, _ := minValue(bests)
			rate := Missing()
			if trials > 0 {
				rate = Num(float64(succeeded) / float64(trials))
			}
			name := sampler
			if name == "" {
				name = "(unnamed)"
			}
			t.Rows = append(t.Rows, []Cell{Str(k.search), Num(float64(k.round)), Str(name),
				Num(float64(len(bySampler[sampler]))), Num(float64(trials)), Num(best), Num(median(bests)),
				Num(median(reach)), Num(float64(reached)), rate})
		}
	}
	return t
}

// searchRoundSubject is metricGroups' parser for round metrics: the
// experiment and the round number as text.
func searchRoundSubject(stage string) ([]string, bool) {
	e, r, ok := keys.ParseSearchRound(stage)
	return []string{e, strconv.Itoa(r)}, ok
}

func (rd *RunData) contentTable() Table {
	t := Table{
		Name:  TableContent,
		Title: "Content search results per round",
		Notes: []string{"All samplers and seeds of a round pooled; best trial names the study's sampler and seed and the trial number. Rounds with no trials in the database come from the run's search/ metrics."},
		Columns: []Column{
			{Key: "search", Label: "search"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "samplers", Label: "samplers"},
			{Key: "studies", Label: "studies", Kind: Int},
			{Key: "trials", Label: "trials", Kind: Int},
			{Key: "best_loss", Label: "best loss", Kind: Float, Digits: 4},
			{Key: "best_confidence", Label: "best confidence", Kind: Float, Digits: 3},
			{Key: "success_rate", Label: "success rate", Kind: Percent, Digits: 1},
			{Key: "best_trial", Label: "best trial"},
		},
	}
	type row struct {
		k     roundKey
		cells []Cell
	}
	var rows []row
	rounds, groups := rd.contentRounds()
	seen := map[roundKey]bool{}
	for _, k := range rounds {
		seen[k] = true
		var samplers []string
		trials, succeeded := 0, 0
		best, bestTrial, bestStudy := math.Inf(1), Trial{}, StudyData{}
		for _, s := range groups[k] {
			if len(samplers) == 0 || samplers[len(samplers)-1] != s.Sampler {
				samplers = append(samplers, s.Sampler)
			}
			st := studyStats(s)
			trials += st.trials
			succeeded += st.succeeded
			if st.best < best {
				best, bestTrial, bestStudy = st.best, st.bestTrial, s
			}
		}
		rate, conf, where := Missing(), Missing(), Str("")
		if trials > 0 {
			rate = Num(float64(succeeded) / float64(trials))
			conf = Num(bestTrial.Confidence)
			where = Str(trialLabel(bestStudy, bestTrial))
		}
		rows = append(rows, row{k, []Cell{Str(k.search), Num(float64(k.round)), Str(strings.Join(samplers, ", ")),
			Num(float64(len(groups[k]))), Num(float64(trials)), Num(best), conf, rate, where}})
	}
	for subj, m := range metricGroups(rd.Metrics, searchRoundSubject, keys.MeasureBestLoss, keys.MeasureSuccessRate, keys.MeasureTrials) {
		parts := strings.Split(subj, "\x00")
		r, _ := strconv.Atoi(parts[1])
		k := roundKey{parts[0], r}
		if seen[k] {
			continue
		}
		rows = append(rows, row{k, []Cell{Str(k.search), Num(float64(r)), Str(""), Missing(), metricCell(m, keys.MeasureTrials),
			metricCell(m, keys.MeasureBestLoss), Missing(), metricCell(m, keys.MeasureSuccessRate), Str("")}})
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].k.less(rows[j].k) })
	for _, r := range rows {
		t.Rows = append(t.Rows, r.cells)
	}
	return t
}

// trialLabel names a content trial: "cmaes seed 2 #14".
func trialLabel(s StudyData, t Trial) string {
	var parts []string
	if s.Sampler != "" {
		parts = append(parts, s.Sampler)
	}
	if n := s.seedName(); n != "" {
		parts = append(parts, n)
	}
	if len(parts) == 0 {
		parts = append(parts, fmt.Sprintf("study %d", s.ID))
	}
	return fmt.Sprintf("%s #%d", strings.Join(parts, " "), t.Number)
}
