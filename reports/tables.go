package reports

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
)

// Table names, in the order reports show them.
const (
	TableDiscriminator = "discriminator"
	TableStyle         = "style-success"
	TableSegmentation  = "segmentation"
	TableSamplers      = "samplers"
	TableContent       = "content-rounds"
	TableRecovery      = "gap-recovery"
	TableProfile       = "gap-profile"
	TableStudies       = "studies"
)

var tableBuilders = []struct {
	name  string
	build func(*RunData) Table
}{
	{TableDiscriminator, (*RunData).discriminatorTable},
	{TableStyle, (*RunData).styleTable},
	{TableSegmentation, (*RunData).segmentationTable},
	{TableSamplers, (*RunData).samplerTable},
	{TableContent, (*RunData).contentTable},
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

func segmentationSubject(stage string) ([]string, bool) {
	set, ok := keys.ParseSegmentationStage(stage)
	return []string{set}, ok
}

func fitSubject(stage string) ([]string, bool) {
	m, d, ok := keys.ParseFitStage(stage)
	return []string{m, d}, ok
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
	for _, name := range sortedKeys(g) {
		t.Rows = append(t.Rows, []Cell{Str(name), metricCell(g[name], keys.MeasureAccuracy)})
	}
	return t
}

func (rd *RunData) segmentationTable() Table {
	t := Table{
		Name:  TableSegmentation,
		Title: "Instance segmentation AP per training set",
		Notes: []string{"COCO mask AP averaged over IoU 0.50:0.95, and at IoU 0.50 and 0.75, on the held-out real images."},
		Columns: []Column{
			{Key: "training_set", Label: "training set"},
			{Key: "AP", Label: "AP", Kind: Float, Digits: 3},
			{Key: "AP50", Label: "AP50", Kind: Float, Digits: 3},
			{Key: "AP75", Label: "AP75", Kind: Float, Digits: 3},
		},
	}
	g := metricGroups(rd.Metrics, segmentationSubject, keys.MeasureAP, keys.MeasureAP50, keys.MeasureAP75)
	names := sortedKeys(g)
	sort.SliceStable(names, func(i, j int) bool { return names[i] == keys.BaselineSet && names[j] != keys.BaselineSet })
	for _, name := range names {
		m := g[name]
		t.Rows = append(t.Rows, []Cell{Str(name), metricCell(m, keys.MeasureAP), metricCell(m, keys.MeasureAP50),
			metricCell(m, keys.MeasureAP75)})
	}
	return t
}

type styleKey struct{ manipulation, direction string }

func (rd *RunData) styleTable() Table {
	t := Table{
		Name:  TableStyle,
		Title: "Style fitting: success per manipulation and direction",
		Notes: []string{"success: the discriminator gives the target class at least the study's threshold confidence (default 0.5); computed from the trials, or taken from the run's fit/ metrics when the database holds no trials for that fit."},
		Columns: []Column{
			{Key: "manipulation", Label: "manipulation"},
			{Key: "direction", Label: "direction"},
			{Key: "images", Label: "images", Kind: Int},
			{Key: "succeeded", Label: "succeeded", Kind: Int},
			{Key: "success_rate", Label: "success rate", Kind: Percent, Digits: 1},
			{Key: "mean_steps", Label: "mean steps", Kind: Float, Digits: 1},
			{Key: "median_loss", Label: "median final loss", Kind: Float, Digits: 3},
		},
	}
	type acc struct {
		images, succeeded int
		steps, losses     []float64
	}
	groups := map[styleKey]*acc{}
	for _, s := range rd.Studies {
		if s.Kind != KindStyle {
			continue
		}
		k := styleKey{s.Manipulation, s.Direction}
		a := groups[k]
		if a == nil {
			a = &acc{}
			groups[k] = a
		}
		for _, tr := range s.Complete() {
			a.images++
			if s.succeeded(tr) {
				a.succeeded++
			}
			if tr.Steps >= 0 {
				a.steps = append(a.steps, float64(tr.Steps))
			}
			a.losses = append(a.losses, tr.Value)
		}
	}
	type row struct {
		k     styleKey
		cells []Cell
	}
	var rows []row
	for k, a := range groups {
		rate := Missing()
		if a.images > 0 {
			rate = Num(float64(a.succeeded) / float64(a.images))
		}
		rows = append(rows, row{k, []Cell{Str(k.manipulation), Str(k.direction), Num(float64(a.images)),
			Num(float64(a.succeeded)), rate, Num(mean(a.steps)), Num(median(a.losses))}})
	}
	for subj, m := range metricGroups(rd.Metrics, fitSubject, keys.MeasureSuccessRate, keys.MeasureImages, keys.MeasureMeanSteps) {
		parts := strings.Split(subj, "\x00")
		k := styleKey{parts[0], parts[1]}
		if _, ok := groups[k]; ok {
			continue
		}
		succ := Missing()
		if n, ok := m[keys.MeasureImages]; ok {
			if r, ok := m[keys.MeasureSuccessRate]; ok {
				succ = Num(math.Round(n * r))
			}
		}
		rows = append(rows, row{k, []Cell{Str(k.manipulation), Str(k.direction), metricCell(m, keys.MeasureImages),
			succ, metricCell(m, keys.MeasureSuccessRate), metricCell(m, keys.MeasureMeanSteps), Missing()}})
	}
	sort.Slice(rows, func(i, j int) bool {
		a, b := rows[i].k, rows[j].k
		if a.manipulation != b.manipulation {
			return lessRanked(manipulationOrder, a.manipulation, b.manipulation)
		}
		return lessRanked(directionOrder, a.direction, b.direction)
	})
	for _, r := range rows {
		t.Rows = append(t.Rows, r.cells)
	}
	return t
}

func (rd *RunData) studiesTable() Table {
	t := Table{
		Name:  TableStudies,
		Title: "Studies and their seeds",
		Columns: []Column{
			{Key: "id", Label: "id", Kind: Int},
			{Key: "name", Label: "name"},
			{Key: "kind", Label: "kind"},
			{Key: "method", Label: "manipulation / sampler"},
			{Key: "seed", Label: "seed"},
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
		seed := ""
		if s.HasSeed {
			seed = fmt.Sprint(s.Seed)
		}
		c := s.Complete()
		vals := make([]float64, len(c))
		for i, tr := range c {
			vals[i] = tr.Value
		}
		best, _ := minValue(vals)
		t.Rows = append(t.Rows, []Cell{Num(float64(s.ID)), Str(s.Name), Str(s.Kind), Str(strings.TrimSpace(method)),
			Str(seed), Num(float64(len(s.Trials))), Num(float64(len(c))), Num(best)})
	}
	return t
}
