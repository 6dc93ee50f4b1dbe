package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
)

// Table names, in the order reports show them.
const (
	TableDiscriminator = "discriminator"
	TableStyle         = "style-success"
	// TableRounds (style-rounds) is defined with its table.
	TableSegmentation = "segmentation"
	TableSamplers     = "samplers"
	TableContent      = "content-rounds"
	TableRecovery     = "gap-recovery"
	TableProfile      = "gap-profile"
	TableStudies      = "studies"
)

var tableBuilders = []struct {
	name  string
	build func(*RunData) Table
}{
	{TableDiscriminator, (*RunData).discriminatorTable},
	{TableStyle, (*RunData).styleTable},
	{TableRounds, (*RunData).roundsTable},
	{TableDistributions, (*RunData).distributionsTable},
	{TableSegmentation, (*RunData).segmentationTable},
	{TableSamplers, (*RunData).samplerTable},
	{TableContent, (*RunData).contentTable},
	{TableShelf, (*RunData).shelfTable},       // tables_content_truth.go
	{TableStanding, (*RunData).standingTable}, // tables_content_truth.go
	{TableRecovery, (*RunData).recoveryTable},
	{TableProfile, (*RunData).profileTable},
	{TableStudies, (*RunData).studiesTable},
}

// TableNames returns every table name, in report order.
func TableNames() []string {
	out := make([]string, len(tableBuilders))
	for i, b := range tableBuilders {
		out[i] = b.name
	}
	return out
}

// Tables returns the tables that have at least one row, in report order.
func (rd *RunData) Tables() []Table {
	var out []Table
	for _, b := range tableBuilders {
		if t := b.build(rd); len(t.Rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// Table returns table name, possibly with no rows; the error wraps ErrNotFound
// for an unknown name.
func (rd *RunData) Table(name string) (Table, error) {
	for _, b := range tableBuilders {
		if b.name == name {
			return b.build(rd), nil
		}
	}
	return Table{}, fmt.Errorf("table %q: %w (tables: %s)", name, ErrNotFound, strings.Join(TableNames(), ", "))
}

// succeeded is the trial's success attribute, or, when the runner did not
// judge the trial, whether its loss reached the study's loss threshold.
func (s StudyData) succeeded(t Trial) bool {
	if t.Judged {
		return t.Success
	}
	return t.Value <= s.LossThreshold()
}

// Ranks of manipulations (as METHOD.md lists them), directions and samplers
// (as the docs list them).
var (
	manipulationOrder = ranks(keys.Manipulations())
	directionOrder    = ranks(keys.Directions())
	samplerOrder      = ranks(keys.Samplers())
)

// ranks maps each name to its position in names.
func ranks(names []string) map[string]int {
	out := make(map[string]int, len(names))
	for i, n := range names {
		out[n] = i
	}
	return out
}

func rankOf(order map[string]int, s string) int {
	if r, ok := order[s]; ok {
		return r
	}
	return len(order)
}

// lessRanked orders by rank, then alphabetically.
func lessRanked(order map[string]int, a, b string) bool {
	ra, rb := rankOf(order, a), rankOf(order, b)
	if ra != rb {
		return ra < rb
	}
	return a < b
}

// metricGroups finds the metrics whose stage name parse accepts and whose
// measure is one of measures, and returns subject -> measure -> value; the
// subject is what parse returns, its parts joined by NUL.
func metricGroups(m map[string]float64, parse func(stage string) ([]string, bool), measures ...string) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for k, v := range m {
		stage, meas, ok := keys.SplitMetric(k)
		if !ok || !slices.Contains(measures, meas) {
			continue
		}
		parts, ok := parse(stage)
		if !ok {
			continue
		}
		subj := strings.Join(parts, "\x00")
		if out[subj] == nil {
			out[subj] = map[string]float64{}
		}
		out[subj][meas] = v
	}
	return out
}

// The stage parsers of metricGroups, over package keys' parsers.
func discriminatorSubject(stage string) ([]string, bool) {
	name, ok := keys.ParseDiscriminatorStage(stage)
	return []string{name}, ok
}

// metricCell returns the measure as a cell, missing when absent.
func metricCell(m map[string]float64, key string) Cell {
	if v, ok := m[key]; ok {
		return Num(v)
	}
	return Missing()
}

func (rd *RunData) discriminatorTable() Table {
	t := Table{
		Name:  TableDiscriminator,
		Title: "Discriminator accuracy (held-out)",
		Columns: []Column{
			{Key: "discriminator", Label: "discriminator"},
			{Key: "accuracy", Label: "accuracy", Kind: Percent, Digits: 1},
		},
	}
	g := metricGroups(rd.Metrics, discriminatorSubject, keys.MeasureAccuracy)
	names := sortedKeys(g)
	// main first, then by name, a manipulation's rounds in round order.
	sort.SliceStable(names, func(i, j int) bool {
		a, b := names[i], names[j]
		if (a == keys.DiscriminatorMain) != (b == keys.DiscriminatorMain) {
			return a == keys.DiscriminatorMain
		}
		ma, ra, oka := keys.ParseRoundDiscriminator(a)
		mb, rb, okb := keys.ParseRoundDiscriminator(b)
		if oka && okb && ma == mb {
			return ra < rb
		}
		return a < b
	})
	for _, name := range names {
		t.Rows = append(t.Rows, []Cell{Str(name), metricCell(g[name], keys.MeasureAccuracy)})
	}
	return t
}

// segRuns holds one training set's AP measures, per seed (keys.SegmentationSeedStage),
// or as one unlabelled value (plain "segmentation/<set>" metrics, seed 0)
// when the set has no seed stages.
type segRuns map[int]map[string]float64

// segmentationSets collects the segmentation metrics per training set.
func (rd *RunData) segmentationSets() map[string]segRuns {
	out := map[string]segRuns{}
	plain := map[string]map[string]float64{}
	for k, v := range rd.Metrics {
		stage, meas, ok := keys.SplitMetric(k)
		if !ok || (meas != keys.MeasureAP && meas != keys.MeasureAP50 && meas != keys.MeasureAP75) {
			continue
		}
		if set, seed, ok := keys.ParseSegmentationSeedStage(stage); ok {
			if out[set] == nil {
				out[set] = segRuns{}
			}
			if out[set][seed] == nil {
				out[set][seed] = map[string]float64{}
			}
			out[set][seed][meas] = v
		} else if set, ok := keys.ParseSegmentationStage(stage); ok {
			if plain[set] == nil {
				plain[set] = map[string]float64{}
			}
			plain[set][meas] = v
		}
	}
	for set, m := range plain {
		if out[set] == nil { // a set trained with seeds keeps its plain values as the runner's summary only
			out[set] = segRuns{0: m}
		}
	}
	return out
}

// values returns the measure per seed, in seed order, with the seeds.
func (r segRuns) values(meas string) (seeds []int, vals []float64) {
	for _, k := range sortedInts(r) {
		if v, ok := r[k][meas]; ok {
			seeds, vals = append(seeds, k), append(vals, v)
		}
	}
	return seeds, vals
}

func sortedInts[V any](m map[int]V) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func (rd *RunData) segmentationTable() Table {
	t := Table{
		Name:  TableSegmentation,
		Title: "Instance segmentation AP per training set",
		Notes: []string{
			"COCO mask AP averaged over IoU 0.50:0.95 (AP), and at IoU 0.50 and 0.75, on the held-out real images; each a mean over the set's training seeds (metrics segmentation/<set>/seed-<k>/AP; a set recorded without seeds counts as one).",
			"AP 95% interval: mean ± t(0.975, n−1)·s/√n over the n seeds (none with one seed). Δ AP: the paired difference to the baseline set, mean over the seeds both sets trained with (same seed, same initialisation and order where the runner shares them), with its 95% t-interval over those pairs; an interval that excludes 0 is a difference the seeds support.",
		},
		Columns: []Column{
			{Key: "training_set", Label: "training set"},
			{Key: "seeds", Label: "seeds", Kind: Int},
			{Key: "AP", Label: "AP", Kind: Float, Digits: 3},
			{Key: "AP_ci_low", Label: "AP 95% low", Kind: Float, Digits: 3},
			{Key: "AP_ci_high", Label: "AP 95% high", Kind: Float, Digits: 3},
			{Key: "AP_diff", Label: "Δ AP vs baseline", Kind: Float, Digits: 3},
			{Key: "AP_diff_ci_low", Label: "Δ 95% low", Kind: Float, Digits: 3},
			{Key: "AP_diff_ci_high", Label: "Δ 95% high", Kind: Float, Digits: 3},
			{Key: "pairs", Label: "pairs", Kind: Int},
			{Key: "AP50", Label: "AP50", Kind: Float, Digits: 3},
			{Key: "AP75", Label: "AP75", Kind: Float, Digits: 3},
		},
	}
	sets := rd.segmentationSets()
	names := sortedKeys(sets)
	sort.SliceStable(names, func(i, j int) bool { return names[i] == keys.BaselineSet && names[j] != keys.BaselineSet })
	base, hasBase := sets[keys.BaselineSet]
	for _, name := range names {
		r := sets[name]
		_, ap := r.values(keys.MeasureAP)
		_, ap50 := r.values(keys.MeasureAP50)
		_, ap75 := r.values(keys.MeasureAP75)
		iv := tInterval(ap)
		diff, pairs := interval{mean: math.NaN(), low: math.NaN(), hig: math.NaN()}, Missing()
		if hasBase && name != keys.BaselineSet {
			var d []float64
			for _, k := range sortedInts(r) {
				a, ok1 := r[k][keys.MeasureAP]
				b, ok2 := base[k][keys.MeasureAP]
				if ok1 && ok2 {
					d = append(d, a-b)
				}
			}
			diff, pairs = tInterval(d), Num(float64(len(d)))
		}
		t.Rows = append(t.Rows, []Cell{Str(name), Num(float64(len(ap))), Num(iv.mean), Num(iv.low), Num(iv.hig),
			Num(diff.mean), Num(diff.low), Num(diff.hig), pairs, Num(mean(ap50)), Num(mean(ap75))})
	}
	return t
}

type styleKey struct {
	manipulation, direction string
	round                   int
}

func fitRoundSubject(stage string) ([]string, bool) {
	m, d, k, ok := keys.ParseFitRoundStage(stage)
	return []string{m, d, strconv.Itoa(k)}, ok
}

// styleKeyOf reads a fitRoundSubject subject.
func styleKeyOf(subj string) styleKey {
	parts := strings.Split(subj, "\x00")
	k, _ := strconv.Atoi(parts[2])
	return styleKey{parts[0], parts[1], k}
}

func lessStyleKey(a, b styleKey) bool {
	if a.manipulation != b.manipulation {
		return lessRanked(manipulationOrder, a.manipulation, b.manipulation)
	}
	if a.direction != b.direction {
		return lessRanked(directionOrder, a.direction, b.direction)
	}
	return a.round < b.round
}

func (rd *RunData) styleTable() Table {
	t := Table{
		Name:  TableStyle,
		Title: "Style fitting: success per manipulation and direction",
		Notes: []string{
			"success: the discriminator gives the target class at least the study's threshold confidence (default 0.5); computed from the trials, or taken from the run's fit/ metrics when the database holds no trials for that fit. round: 1 unless the fit is a later round of style.rounds (see style-rounds).",
			"at bound: images with at least one parameter at a bound of its range (the fit wanted more than the range allows).",
		},
		Columns: []Column{
			{Key: "manipulation", Label: "manipulation"},
			{Key: "direction", Label: "direction"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "images", Label: "images", Kind: Int},
			{Key: "succeeded", Label: "succeeded", Kind: Int},
			{Key: "success_rate", Label: "success rate", Kind: Percent, Digits: 1},
			{Key: "at_bound", Label: "at bound", Kind: Int},
			{Key: "at_bound_share", Label: "at bound share", Kind: Percent, Digits: 1},
			{Key: "mean_steps", Label: "mean steps", Kind: Float, Digits: 1},
			{Key: "median_loss", Label: "median final loss", Kind: Float, Digits: 3},
		},
	}
	type row struct {
		k     styleKey
		cells []Cell
	}
	var rows []row
	groups := rd.styleGroups()
	for k, a := range groups {
		rate, bound := Missing(), Missing()
		if a.images > 0 {
			rate = Num(float64(a.succeeded) / float64(a.images))
			bound = Num(float64(a.atBound) / float64(a.images))
		}
		rows = append(rows, row{k, []Cell{Str(k.manipulation), Str(k.direction), Num(float64(k.round)), Num(float64(a.images)),
			Num(float64(a.succeeded)), rate, Num(float64(a.atBound)), bound, Num(mean(a.steps)), Num(median(a.losses))}})
	}
	for subj, m := range metricGroups(rd.Metrics, fitRoundSubject, keys.MeasureSuccessRate, keys.MeasureImages, keys.MeasureMeanSteps, keys.MeasureAtBound) {
		k := styleKeyOf(subj)
		if _, ok := groups[k]; ok {
			continue
		}
		succ, bound := Missing(), Missing()
		if n, ok := m[keys.MeasureImages]; ok {
			if r, ok := m[keys.MeasureSuccessRate]; ok {
				succ = Num(math.Round(n * r))
			}
			if b, ok := m[keys.MeasureAtBound]; ok {
				bound = Num(math.Round(n * b))
			}
		}
		rows = append(rows, row{k, []Cell{Str(k.manipulation), Str(k.direction), Num(float64(k.round)), metricCell(m, keys.MeasureImages),
			succ, metricCell(m, keys.MeasureSuccessRate), bound, metricCell(m, keys.MeasureAtBound), metricCell(m, keys.MeasureMeanSteps), Missing()}})
	}
	sort.Slice(rows, func(i, j int) bool { return lessStyleKey(rows[i].k, rows[j].k) })
	for _, r := range rows {
		t.Rows = append(t.Rows, r.cells)
	}
	return t
}

// styleAcc pools the complete trials of the style studies of one fit.
type styleAcc struct {
	images, succeeded, atBound int
	steps, losses              []float64
}

// styleGroups pools the style studies' complete trials by manipulation,
// direction and round.
func (rd *RunData) styleGroups() map[styleKey]*styleAcc {
	groups := map[styleKey]*styleAcc{}
	for _, s := range rd.Studies {
		if !s.pointFit() {
			continue
		}
		k := styleKey{s.Manipulation, s.Direction, styleRound(s)}
		a := groups[k]
		if a == nil {
			a = &styleAcc{}
			groups[k] = a
		}
		for _, tr := range s.Complete() {
			a.images++
			if s.succeeded(tr) {
				a.succeeded++
			}
			if len(tr.AtBound) > 0 {
				a.atBound++
			}
			if tr.Steps >= 0 {
				a.steps = append(a.steps, float64(tr.Steps))
			}
			a.losses = append(a.losses, tr.Value)
		}
	}
	return groups
}

func (rd *RunData) studiesTable() Table {
	t := Table{
		Name:  TableStudies,
		Title: "Studies and their seeds",
		Notes: []string{"seed: the short seed the spec names for a search study (its stage's seed-<n>), which labels figures (\"cmaes seed 2\"); derived seed: the seed the study ran with (cgx.seed), derived from the run's seed and the stage name."},
		Columns: []Column{
			{Key: "id", Label: "id", Kind: Int},
			{Key: "name", Label: "name"},
			{Key: "kind", Label: "kind"},
			{Key: "method", Label: "manipulation / sampler"},
			{Key: "seed", Label: "seed"},
			{Key: "derived_seed", Label: "derived seed"},
			{Key: "trials", Label: "trials", Kind: Int},
			{Key: "complete", Label: "complete", Kind: Int},
			{Key: "best_loss", Label: "best loss", Kind: Float, Digits: 4},
		},
	}
	for _, s := range rd.Studies {
		method := s.Manipulation
		if s.Direction != "" {
			method += " " + s.Direction
		}
		if s.Sampler != "" {
			method = s.Sampler
		}
		seed, derived := "", ""
		if s.HasSpecSeed {
			seed = fmt.Sprint(s.SpecSeed)
		}
		if s.HasSeed {
			derived = fmt.Sprint(s.Seed)
		}
		c := s.Complete()
		vals := make([]float64, len(c))
		for i, tr := range c {
			vals[i] = tr.Value
		}
		best, _ := minValue(vals)
		t.Rows = append(t.Rows, []Cell{Num(float64(s.ID)), Str(s.Name), Str(s.Kind), Str(strings.TrimSpace(method)),
			Str(seed), Str(derived), Num(float64(len(s.Trials))), Num(float64(len(c))), Num(best)})
	}
	return t
}
