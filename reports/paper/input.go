package paper

import (
	"fmt"
	"math"
	"sort"
	"strconv"

	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

// SettingsFunc resolves a run's spec under its profile and seed into dotted
// settings ("datasets.cg.count" -> "600"); experiments.ResolvedSettings is
// one. It may be nil: rules that need a setting then say it is unknown.
type SettingsFunc func(tracker.Run) (map[string]string, error)

// input is what the rules read: the runs by spec name (the last one given
// per name) and their settings.
type input struct {
	runs     map[string]*reports.RunData
	settings SettingsFunc
}

func newInput(runs []*reports.RunData, settings SettingsFunc) input {
	in := input{runs: map[string]*reports.RunData{}, settings: settings}
	for _, rd := range runs {
		if rd != nil {
			in.runs[rd.Run.Name] = rd
		}
	}
	return in
}

// run returns the run of the first spec in specs that has one.
func (in input) run(specs []string) (*reports.RunData, bool) {
	for _, s := range specs {
		if rd, ok := in.runs[s]; ok {
			return rd, true
		}
	}
	return nil, false
}

// setting returns a numeric setting of rd's spec.
func (in input) setting(rd *reports.RunData, key string) (float64, error) {
	if in.settings == nil {
		return 0, fmt.Errorf("no settings resolver given")
	}
	m, err := in.settings(rd.Run)
	if err != nil {
		return 0, fmt.Errorf("resolve the settings of run %d: %w", rd.Run.ID, err)
	}
	s, ok := m[key]
	if !ok {
		return 0, fmt.Errorf("run %d has no setting %s", rd.Run.ID, key)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("setting %s = %q of run %d is not a number", key, s, rd.Run.ID)
	}
	return v, nil
}

// table returns the rows of rd's table name as maps column key -> cell.
func table(rd *reports.RunData, name string) []map[string]reports.Cell {
	t, err := rd.Table(name)
	if err != nil {
		return nil
	}
	out := make([]map[string]reports.Cell, 0, len(t.Rows))
	for _, row := range t.Rows {
		m := make(map[string]reports.Cell, len(row))
		for i, c := range t.Columns {
			if i < len(row) {
				m[c.Key] = row[i]
			}
		}
		out = append(out, m)
	}
	return out
}

// text returns a text cell's text, "" when missing.
func text(row map[string]reports.Cell, key string) string {
	if c, ok := row[key]; ok && c.Valid {
		return c.Text
	}
	return ""
}

// num returns a numeric cell.
func num(row map[string]reports.Cell, key string) (float64, bool) {
	c, ok := row[key]
	if !ok || !c.Valid || math.IsNaN(c.Num) || math.IsInf(c.Num, 0) {
		return 0, false
	}
	return c.Num, true
}

// wilson returns the 95% Wilson score interval of k successes in n trials.
func wilson(k, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 1
	}
	const z = 1.959963984540054
	p := float64(k) / float64(n)
	nf := float64(n)
	den := 1 + z*z/nf
	centre := (p + z*z/(2*nf)) / den
	half := z * math.Sqrt(p*(1-p)/nf+z*z/(4*nf*nf)) / den
	return math.Max(0, centre-half), math.Min(1, centre+half)
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// quantised reports whether values (n >= 10) take between 2 and
// max(3, n/8) distinct values (rounded to 1e-6): equal optimiser steps, not
// per-image measurements (the rule of the reports' findings).
func quantised(values []float64) (int, bool) {
	if len(values) < 10 {
		return 0, false
	}
	seen := map[float64]bool{}
	for _, v := range values {
		seen[math.Round(v*1e6)/1e6] = true
	}
	return len(seen), len(seen) >= 2 && len(seen) <= max(3, len(values)/8)
}

func pct(v float64) string { return strconv.FormatFloat(100*v, 'f', 1, 64) + "%" }

func f3(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// profileOf names a run's profile for reasons ("smoke profile").
func profileOf(rd *reports.RunData) string {
	if rd.Run.Profile == "" {
		return "no profile"
	}
	return rd.Run.Profile + " profile"
}
