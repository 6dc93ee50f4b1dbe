package paper

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

// settingsOf returns a SettingsFunc answering from one map per run id.
func settingsOf(m map[int]map[string]string) SettingsFunc {
	return func(r tracker.Run) (map[string]string, error) {
		s, ok := m[r.ID]
		if !ok {
			return nil, fmt.Errorf("no settings for run %d", r.ID)
		}
		return s, nil
	}
}

func newRun(id int, spec, profile string) *reports.RunData {
	return &reports.RunData{Run: tracker.Run{ID: id, Name: spec, Profile: profile}, Metrics: map[string]float64{}}
}

// styleRun is a style/all run whose fit of every manipulation in rates has
// n images with the given success rate (metrics only), its discriminator at
// acc.
func styleRun(id, n int, acc float64, rates map[string]float64) *reports.RunData {
	rd := newRun(id, "style/all", "default")
	rd.Metrics["discriminator/main/accuracy"] = acc
	for m, rate := range rates {
		st := keys.FitStage(m, keys.DirectionCGToReal)
		rd.Metrics[keys.Metric(st, keys.MeasureImages)] = float64(n)
		rd.Metrics[keys.Metric(st, keys.MeasureSuccessRate)] = math.Round(rate*float64(n)) / float64(n)
	}
	return rd
}

// bcStudy adds a brightness-contrast fit whose channel c has parameters
// drawn around means[c] (n images, spread so nothing is quantised).
func bcStudy(rd *reports.RunData, n int, means map[string]float64) {
	s := reports.StudyData{ID: 1, Kind: reports.KindStyle, Manipulation: "brightness-contrast", Direction: keys.DirectionCGToReal, Threshold: 0.5}
	for i := range n {
		t := reports.Trial{Number: i, Complete: true, Value: 0.5, Slot: -1, Params: map[string]float64{}}
		for _, g := range []string{"contrast", "brightness"} {
			for _, c := range []string{"r", "g", "b"} {
				t.Params[g+"_"+c] = means[c] + 0.001*float64(i%17-8)
			}
		}
		s.Trials = append(s.Trials, t)
	}
	rd.Studies = append(rd.Studies, s)
}

// searchStudy adds one content study (search, round, sampler, seed) whose
// trial losses are given in slot order.
func searchStudy(rd *reports.RunData, id int, search string, round int, sampler string, seed int64, losses []float64) {
	s := reports.StudyData{ID: id, Kind: reports.KindContent, Search: search, Round: round, Sampler: sampler,
		SpecSeed: seed, HasSpecSeed: true, Threshold: 0.5}
	for i, v := range losses {
		s.Trials = append(s.Trials, reports.Trial{Number: i, Complete: true, Value: v, Slot: i})
	}
	rd.Studies = append(rd.Studies, s)
}

// losses returns n losses of 1.0 with the first success (0.5) at slot at
// (none when at < 0) and every later slot at 0.9.
func losses(n, at int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = 1.0
		if at >= 0 && i > at {
			out[i] = 0.9
		}
	}
	if at >= 0 {
		out[at] = 0.5
	}
	return out
}

func evalOne(t *testing.T, id string, runs []*reports.RunData, settings SettingsFunc) Row {
	t.Helper()
	for _, r := range Evaluate(runs, settings) {
		if r.Finding == id {
			return r
		}
	}
	t.Fatalf("no row %s", id)
	return Row{}
}

func check(t *testing.T, r Row, want Verdict, reason string) {
	t.Helper()
	if r.Verdict != want || !strings.Contains(r.Reason, reason) {
		t.Errorf("%s: verdict %q reason %q; want %q with %q (rerun %q)", r.Finding, r.Verdict, r.Reason, want, reason, r.Rerun)
	}
}

var defaultSizes = map[string]string{"datasets.cg.count": "600", "datasets.real.count": "600", "discriminator.test_fraction": "0.2",
	"segmentation.images": "400", "datasets.eval.count": "60"}

func TestDiscriminatorVerdicts(t *testing.T) {
	small := map[string]string{"datasets.cg.count": "128", "datasets.real.count": "128", "discriminator.test_fraction": "0.2"}
	for _, c := range []struct {
		name     string
		acc      float64
		sizes    map[string]string
		want     Verdict
		reason   string
		settings bool
	}{
		{"near perfect", 0.996, defaultSizes, Reproduced, ">= 99.0%", true},
		{"weaker", 0.93, defaultSizes, NotReproduced, "< 99.0%", true},
		{"smoke sizes", 1, small, NotComparable, "51 held-out images (under 200)", true},
		{"no settings", 1, nil, NotComparable, "held-out size unknown", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rd := styleRun(4, 64, c.acc, nil)
			var sf SettingsFunc
			if c.settings {
				sf = settingsOf(map[int]map[string]string{4: c.sizes})
			}
			r := evalOne(t, "discriminator", []*reports.RunData{rd}, sf)
			check(t, r, c.want, c.reason)
			if r.Value == nil || *r.Value != c.acc || r.Run != 4 || r.Spec != "style/all" {
				t.Errorf("value %v run %d spec %q", r.Value, r.Run, r.Spec)
			}
		})
	}
	r := evalOne(t, "discriminator", nil, nil)
	check(t, r, NotComparable, "no run of style/all")
	rd := newRun(2, "style/blur", "paper")
	r = evalOne(t, "discriminator", []*reports.RunData{rd}, nil)
	check(t, r, NotComparable, "records no discriminator/main/accuracy")
}

func TestOutcomeVerdicts(t *testing.T) {
	for _, c := range []struct {
		name   string
		id     string
		n      int
		rate   float64
		want   Verdict
		reason string
	}{
		{"blur mostly succeeds", "outcome/blur", 64, 0.8, Reproduced, "lies above 50%"},
		{"blur mostly fails", "outcome/blur", 64, 0.2, NotReproduced, "lies below 50%"},
		{"blur undecided", "outcome/blur", 64, 0.55, NotComparable, "contains 50%"},
		{"hsv mostly fails", "outcome/hsv", 64, 0.1, Reproduced, "lies below 50%"},
		{"hsv mostly succeeds", "outcome/hsv", 1300, 0.9, NotReproduced, "lies above 50%"},
		{"smoke", "outcome/noise", 8, 0, NotComparable, "8 images (under 50), not comparable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := strings.TrimPrefix(c.id, "outcome/")
			rd := styleRun(3, c.n, 1, map[string]float64{m: c.rate})
			check(t, evalOne(t, c.id, []*reports.RunData{rd}, nil), c.want, c.reason)
		})
	}
	rd := styleRun(3, 64, 1, map[string]float64{"blur": 0.9})
	check(t, evalOne(t, "outcome/exposure", []*reports.RunData{rd}, nil), NotComparable, "no cg-to-real fit of exposure")
	// A single-manipulation spec measures its own row when style/all was not run.
	single := styleRun(5, 64, 1, map[string]float64{"exposure": 0.1})
	single.Run.Name = "style/exposure"
	r := evalOne(t, "outcome/exposure", []*reports.RunData{single}, nil)
	check(t, r, Reproduced, "below 50%")
	if r.Spec != "style/exposure" {
		t.Errorf("spec %q", r.Spec)
	}
}

func TestGreenVerdicts(t *testing.T) {
	for _, c := range []struct {
		name   string
		n      int
		means  map[string]float64
		want   Verdict
		reason string
	}{
		{"green cast", 64, map[string]float64{"r": 0.002, "g": -0.07, "b": -0.003}, Reproduced, "green negative"},
		{"green up", 64, map[string]float64{"r": 0.002, "g": 0.07, "b": -0.003}, NotReproduced, "moves up"},
		{"all channels alike", 64, map[string]float64{"r": -0.05, "g": -0.06, "b": -0.05}, NotReproduced, "at least 2x"},
		{"smoke", 8, map[string]float64{"r": 0, "g": -0.07, "b": 0}, NotComparable, "8 images (under 50)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rd := newRun(1, "style/all", "default")
			bcStudy(rd, c.n, c.means)
			check(t, evalOne(t, "green-negative", []*reports.RunData{rd}, nil), c.want, c.reason)
		})
	}
	// Every image moved by the same optimiser steps: quantised, not a measurement.
	rd := newRun(1, "style/all", "default")
	s := reports.StudyData{Kind: reports.KindStyle, Manipulation: "brightness-contrast", Direction: keys.DirectionCGToReal}
	for i := range 64 {
		v := -0.02
		if i%2 == 1 {
			v = -0.01
		}
		s.Trials = append(s.Trials, reports.Trial{Number: i, Complete: true, Slot: -1, Params: map[string]float64{
			"contrast_r": v, "contrast_g": v, "contrast_b": v, "brightness_r": v, "brightness_g": v, "brightness_b": v}})
	}
	rd.Studies = append(rd.Studies, s)
	check(t, evalOne(t, "green-negative", []*reports.RunData{rd}, nil), NotComparable, "quantised")
	check(t, evalOne(t, "green-negative", []*reports.RunData{newRun(1, "style/all", "default")}, nil), NotComparable, "no cg-to-real brightness-contrast fit")
}

func TestExp1Verdicts(t *testing.T) {
	for _, c := range []struct {
		name   string
		n, at  int
		want   Verdict
		reason string
	}{
		{"early", 100, 3, Reproduced, "within the first 10.0%"},
		{"late", 100, 40, NotReproduced, "later than"},
		{"never", 100, -1, NotReproduced, "never reaches"},
		{"smoke", 8, 0, NotComparable, "8 trials per seed (under 50)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rd := newRun(7, "content/exp1", "default")
			searchStudy(rd, 1, "exp1", 1, "tpe", 1, losses(c.n, c.at))
			check(t, evalOne(t, "exp1-early", []*reports.RunData{rd}, nil), c.want, c.reason)
		})
	}
	prefix := keys.SearchRound("exp1", 1)
	for _, c := range []struct {
		name          string
		called, share float64
		want          Verdict
		reason        string
	}{
		{"stand", 40, 0.8, Reproduced, "really stand"},
		{"tilted", 40, 0.2, NotReproduced, "overconfident"},
		{"few", 3, 1, NotComparable, "3 trials called standing"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rd := newRun(7, "content/exp1", "default")
			rd.Metrics[keys.Metric(prefix, keys.MeasureCalledStanding)] = c.called
			rd.Metrics[keys.Metric(prefix, keys.MeasureStandingVertical)] = c.share
			check(t, evalOne(t, "exp1-stand", []*reports.RunData{rd}, nil), c.want, c.reason)
		})
	}
	check(t, evalOne(t, "exp1-stand", []*reports.RunData{newRun(7, "content/exp1", "default")}, nil), NotComparable, "metric yet")
}

func TestExp2Verdicts(t *testing.T) {
	prefix := keys.SearchRound("exp2", 1)
	for _, c := range []struct {
		name                         string
		top, bottom, trials, success float64
		want                         Verdict
		reason                       string
	}{
		{"top right", 0.8, 0.2, 100, 0.1, Reproduced, "top >= 50%"},
		{"both right", 0.8, 0.7, 100, 0.1, NotReproduced, "not top"},
		{"nothing reached", 0.8, 0.2, 100, 0, NotComparable, "no trial reaches"},
		{"smoke", 0.8, 0.2, 8, 0.5, NotComparable, "8 trials (under 50)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rd := newRun(8, "content/exp2", "default")
			rd.Metrics[keys.Metric(prefix, keys.MeasureShelfTop)] = c.top
			rd.Metrics[keys.Metric(prefix, keys.MeasureShelfBottom)] = c.bottom
			rd.Metrics[keys.Metric(prefix, keys.MeasureTrials)] = c.trials
			rd.Metrics[keys.Metric(prefix, keys.MeasureSuccessRate)] = c.success
			check(t, evalOne(t, "exp2-levels", []*reports.RunData{rd}, nil), c.want, c.reason)
		})
	}
	check(t, evalOne(t, "exp2-levels", []*reports.RunData{newRun(8, "content/exp2", "default")}, nil), NotComparable, "no shelf-rule metric")
}

func TestExp21Verdicts(t *testing.T) {
	for _, c := range []struct {
		name   string
		n, at  int
		want   Verdict
		reason string
	}{
		{"no verdict", 100, -1, Reproduced, "no TPE trial"},
		{"verdict", 100, 50, NotReproduced, "do reach"},
		{"smoke", 8, -1, NotComparable, "under 50"},
	} {
		t.Run(c.name, func(t *testing.T) {
			rd := newRun(9, "content/exp2.1", "default")
			searchStudy(rd, 1, "exp2", 1, "tpe", 1, losses(c.n, 2))
			searchStudy(rd, 2, "exp2", 2, "tpe", 1, losses(c.n, c.at))
			check(t, evalOne(t, "exp2.1-tpe", []*reports.RunData{rd}, nil), c.want, c.reason)
		})
	}
	rd := newRun(9, "content/exp2.1", "default")
	searchStudy(rd, 1, "exp2", 1, "tpe", 1, losses(100, 2))
	check(t, evalOne(t, "exp2.1-tpe", []*reports.RunData{rd}, nil), NotComparable, "no round-2 TPE")
}

func TestCMAESVerdicts(t *testing.T) {
	build := func(trials int, seeds int, cmaes, tpe float64) *reports.RunData {
		rd := newRun(10, "content/samplers", "default")
		id := 1
		for seed := 1; seed <= seeds; seed++ {
			for smp, best := range map[string]float64{"cmaes": cmaes, "tpe": tpe, "random": tpe + 0.1} {
				l := losses(trials, -1)
				l[trials/2] = best + 0.01*float64(seed)
				searchStudy(rd, id, "exp2", 2, smp, int64(seed), l)
				id++
			}
		}
		return rd
	}
	for _, c := range []struct {
		name   string
		rd     *reports.RunData
		want   Verdict
		reason string
	}{
		{"cmaes best", build(60, 3, 0.70, 0.80), Reproduced, "strictly lowest"},
		{"tpe best", build(60, 3, 0.85, 0.80), NotReproduced, "as low or lower"},
		{"tie", build(60, 3, 0.80, 0.80), NotReproduced, "as low or lower"},
		{"one seed", build(60, 1, 0.70, 0.80), NotComparable, "fewer than 2 seeds"},
		{"smoke", build(6, 3, 0.70, 0.80), NotComparable, "under 30 trials"},
	} {
		t.Run(c.name, func(t *testing.T) {
			check(t, evalOne(t, "exp2.1-cmaes", []*reports.RunData{c.rd}, nil), c.want, c.reason)
		})
	}
}

func TestSegmentationVerdicts(t *testing.T) {
	build := func(seeds int, bc, blur []float64) *reports.RunData {
		rd := newRun(11, "segmentation/baseline-vs-proposals", "default")
		for k := 1; k <= seeds; k++ {
			base := 0.5 + 0.01*float64(k)
			rd.Metrics[keys.Metric(keys.SegmentationSeedStage("baseline", k), keys.MeasureAP)] = base
			rd.Metrics[keys.Metric(keys.SegmentationSeedStage("brightness-contrast", k), keys.MeasureAP)] = base + bc[k-1]
			rd.Metrics[keys.Metric(keys.SegmentationSeedStage("blur", k), keys.MeasureAP)] = base + blur[k-1]
		}
		return rd
	}
	sf := settingsOf(map[int]map[string]string{11: defaultSizes})
	for _, c := range []struct {
		name     string
		rd       *reports.RunData
		settings SettingsFunc
		want     Verdict
		reason   string
	}{
		{"barely moves", build(3, []float64{0.01, -0.01, 0.02}, []float64{-0.02, 0.0, -0.01}), sf, Reproduced, "within 0.05 AP of the baseline (default profile)"},
		{"barely moves, wide", build(3, []float64{0.1, -0.1, 0.05}, []float64{-0.02, 0.0, -0.01}), sf, Reproduced, "interval of brightness-contrast reaches beyond ±0.05"},
		{"blur hurts", build(3, []float64{0.01, -0.01, 0.02}, []float64{-0.21, -0.20, -0.22}), sf, NotReproduced, "more than 0.05 AP"},
		{"noisy", build(3, []float64{0.3, -0.1, 0.1}, []float64{0, 0, 0.01}), sf, NotComparable, "cannot tell"},
		{"one seed", build(1, []float64{0.01}, []float64{0.01}), sf, NotComparable, "fewer than 2 seeds"},
		{"smoke sizes", build(2, []float64{0.01, 0}, []float64{0, 0}), settingsOf(map[int]map[string]string{11: {"segmentation.images": "96", "datasets.eval.count": "24"}}), NotComparable, "segmentation.images = 96 (under 300)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			check(t, evalOne(t, "segmentation", []*reports.RunData{c.rd}, c.settings), c.want, c.reason)
		})
	}
}

// TestEveryFindingHasRuleAndNumber: each finding states its rule, its
// published value and at least one spec, and Evaluate returns one row per
// finding even with no runs at all (every one not comparable).
func TestEveryFindingHasRuleAndNumber(t *testing.T) {
	rows := Evaluate(nil, nil)
	fs := Findings()
	if len(rows) != len(fs) || len(fs) < 14 {
		t.Fatalf("%d rows for %d findings", len(rows), len(fs))
	}
	seen := map[string]bool{}
	for i, f := range fs {
		if f.Rule == "" || f.Published == "" || f.Claim == "" || len(f.Specs) == 0 || seen[f.ID] {
			t.Errorf("finding %d %q incomplete or duplicate", i, f.ID)
		}
		seen[f.ID] = true
		if rows[i].Verdict != NotComparable || !strings.Contains(rows[i].Reason, "no run of") {
			t.Errorf("%s with no runs: %q %q", f.ID, rows[i].Verdict, rows[i].Reason)
		}
	}
	if !strings.Contains(fs[0].Published, "99.7%") {
		t.Errorf("discriminator published %q", fs[0].Published)
	}
	tb := Table(rows)
	if len(tb.Rows) != len(rows) || tb.Rows[0][0].Text != "discriminator" {
		t.Errorf("table rows %d", len(tb.Rows))
	}
}
