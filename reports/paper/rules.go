package paper

import (
	"fmt"
	"math"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/reports"
)

// Thresholds of the verdict rules (docs/REPRODUCE.md states each).
const (
	minAccuracy      = 0.99  // "almost perfect" separation: within 0.7 points of the published 99.7%
	minHeldOut       = 200   // held-out images for an accuracy to 0.5 points
	minImages        = 50    // fitted images for a success rate or a parameter histogram
	minCast          = 0.005 // smallest green median that counts as a cast
	castRatio        = 2.0   // green moves at least this many times as far as red and blue
	earlyShare       = 0.10  // "very early": within the first 10% of the trials
	minTrials        = 50    // search trials per seed for exp1, exp2, exp2.1 TPE
	minCalled        = 10    // exp1 trials called standing
	minSeeds         = 2     // seeds per sampler
	minSamplerTrials = 30    // trials per seed in the sampler comparison
	apMargin         = 0.05  // "barely moves": a paired AP difference within 0.05
	minSegImages     = 300   // segmentation training images
	minEvalImages    = 50    // segmentation evaluation images
)

// styleSpecs measure the style discriminator: any run on the cg and real
// domains trains the same one (shared through the stage cache).
var styleSpecs = []string{"style/all", "style/brightness-contrast", "style/blur", "style/all-real-to-cg"}

// outcome is one row of METHOD.md's manipulation table.
type outcome struct {
	manipulation, label, outcome string
	succeed                      bool
}

var outcomes = []outcome{
	{"brightness-contrast", "Brightness/contrast per RGB channel", "most images succeed", true},
	{"patch-brightness-contrast", "Brightness/contrast per patch (8x8 grid)", "most images succeed", true},
	{"hsv", "HSV shift", "most images fail", false},
	{"blur", "Gaussian blur", "most images succeed", true},
	{"channel-blur", "Per-channel Gaussian blur", "most images succeed", true},
	{"noise", "Gaussian noise", "most images fail", false},
	{"exposure", "Exposure", "most images fail", false},
}

func evalDiscriminator(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	key := keys.Metric(keys.DiscriminatorStage(keys.DiscriminatorMain), keys.MeasureAccuracy)
	acc, ok := rd.Metrics[key]
	if !ok {
		return r.with(NotComparable, "the run records no "+key+" metric")
	}
	r = r.value(acc)
	r.Rerun = pct(acc) + " held-out accuracy"
	var n float64
	for _, k := range []string{"datasets.cg.count", "datasets.real.count"} {
		v, err := in.setting(rd, k)
		if err != nil {
			return r.with(NotComparable, "held-out size unknown: "+err.Error())
		}
		n += v
	}
	tf, err := in.setting(rd, "discriminator.test_fraction")
	if err != nil {
		return r.with(NotComparable, "held-out size unknown: "+err.Error())
	}
	held := int(math.Round(n * tf))
	r.Rerun += fmt.Sprintf(" on %d held-out images", held)
	if held < minHeldOut {
		return r.with(NotComparable, fmt.Sprintf("%s: %d held-out images (under %d), not comparable", profileOf(rd), held, minHeldOut))
	}
	if acc >= minAccuracy {
		return r.with(Reproduced, fmt.Sprintf("%s >= %s (%s)", pct(acc), pct(minAccuracy), profileOf(rd)))
	}
	return r.with(NotReproduced, fmt.Sprintf("%s < %s (%s)", pct(acc), pct(minAccuracy), profileOf(rd)))
}

func evalOutcome(o outcome) func(input, Finding) Row {
	return func(in input, f Finding) Row {
		rd, ok := in.run(f.Specs)
		if !ok {
			return missingRun(f)
		}
		r := row(f, rd)
		var fit map[string]reports.Cell
		for _, t := range table(rd, reports.TableStyle) {
			round, _ := num(t, "round")
			if text(t, "manipulation") == o.manipulation && text(t, "direction") == keys.DirectionCGToReal && round <= 1 {
				fit = t
				break
			}
		}
		if fit == nil {
			return r.with(NotComparable, fmt.Sprintf("the run records no cg-to-real fit of %s", o.manipulation))
		}
		images, ok1 := num(fit, "images")
		succ, ok2 := num(fit, "succeeded")
		if !ok1 || !ok2 || images <= 0 {
			return r.with(NotComparable, fmt.Sprintf("the %s fit records no images", o.manipulation))
		}
		n, k := int(images), int(succ)
		rate := float64(k) / float64(n)
		lo, hi := wilson(k, n)
		r = r.value(rate)
		r.Rerun = fmt.Sprintf("%s succeed (%d of %d images; 95%% interval %s to %s)", pct(rate), k, n, pct(lo), pct(hi))
		if n < minImages {
			return r.with(NotComparable, fmt.Sprintf("%s: %d images (under %d), not comparable", profileOf(rd), n, minImages))
		}
		agree, disagree := lo > 0.5, hi < 0.5
		if !o.succeed {
			agree, disagree = disagree, agree
		}
		switch {
		case agree:
			return r.with(Reproduced, fmt.Sprintf("the 95%% interval lies %s 50%% (%s)", side(o.succeed), profileOf(rd)))
		case disagree:
			return r.with(NotReproduced, fmt.Sprintf("the 95%% interval lies %s 50%% (%s)", side(!o.succeed), profileOf(rd)))
		}
		return r.with(NotComparable, fmt.Sprintf("the 95%% interval contains 50%%: %d images cannot tell (%s)", n, profileOf(rd)))
	}
}

func side(above bool) string {
	if above {
		return "above"
	}
	return "below"
}

func evalGreen(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	var trials []reports.Trial
	found := false
	for _, s := range rd.Studies {
		if s.Kind == reports.KindStyle && !s.Distribution && s.Manipulation == "brightness-contrast" &&
			s.Direction == keys.DirectionCGToReal && s.Round <= 1 {
			trials, found = s.Complete(), true
			break
		}
	}
	if !found {
		return r.with(NotComparable, "the run records no cg-to-real brightness-contrast fit with trials")
	}
	var parts []string
	negative, positive, measured := false, false, 0
	var quant []string
	for _, group := range []string{"contrast", "brightness"} {
		var med [3]float64
		var green []float64
		complete := true
		for i, c := range []string{"r", "g", "b"} {
			var v []float64
			for _, t := range trials {
				if x, ok := t.Params[group+"_"+c]; ok {
					v = append(v, x)
				}
			}
			if len(v) == 0 {
				complete = false
				break
			}
			med[i] = median(v)
			if c == "g" {
				green = v
			}
		}
		if !complete {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s r/g/b %s/%s/%s", group, f3(med[0]), f3(med[1]), f3(med[2])))
		if k, q := quantised(green); q {
			quant = append(quant, fmt.Sprintf("%s_g takes %d values over %d images", group, k, len(green)))
			continue
		}
		measured++
		other := math.Max(math.Abs(med[0]), math.Abs(med[2]))
		dominant := math.Abs(med[1]) >= minCast && math.Abs(med[1]) >= castRatio*other
		if dominant && med[1] < 0 {
			negative = true
			if r.Value == nil {
				r = r.value(med[1])
			}
		}
		if dominant && med[1] > 0 {
			positive = true
		}
	}
	if len(parts) == 0 {
		return r.with(NotComparable, "the brightness-contrast fit records no per-channel parameters")
	}
	r.Rerun = "medians: " + strings.Join(parts, "; ")
	if len(trials) < minImages {
		return r.with(NotComparable, fmt.Sprintf("%s: %d images (under %d), not comparable", profileOf(rd), len(trials), minImages))
	}
	if measured == 0 {
		return r.with(NotComparable, "quantised values, equal optimiser steps rather than per-image measurements: "+strings.Join(quant, ", "))
	}
	switch {
	case negative && !positive:
		return r.with(Reproduced, fmt.Sprintf("green negative and at least %gx red and blue (%s, %d images)", castRatio, profileOf(rd), len(trials)))
	case positive:
		return r.with(NotReproduced, fmt.Sprintf("green moves up, not down (%s)", profileOf(rd)))
	}
	return r.with(NotReproduced, fmt.Sprintf("green does not move at least %gx as far as red and blue, or by %g (%s)", castRatio, minCast, profileOf(rd)))
}

// samplerRows returns the samplers-table rows of a search round.
func samplerRows(rd *reports.RunData, search string, round int) []map[string]reports.Cell {
	var out []map[string]reports.Cell
	for _, t := range table(rd, reports.TableSamplers) {
		k, _ := num(t, "round")
		if text(t, "search") == search && int(k) == round {
			out = append(out, t)
		}
	}
	return out
}

// perSeed returns a sampler row's trials per seed.
func perSeed(t map[string]reports.Cell) (trials float64, seeds int) {
	n, _ := num(t, "trials")
	s, _ := num(t, "seeds")
	if s < 1 {
		s = 1
	}
	return n / s, int(s)
}

func pick(rows []map[string]reports.Cell, sampler string) map[string]reports.Cell {
	for _, t := range rows {
		if text(t, "sampler") == sampler {
			return t
		}
	}
	return nil
}

func evalExp1Early(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	rows := samplerRows(rd, "exp1", 1)
	if len(rows) == 0 {
		return r.with(NotComparable, "the run records no round-1 exp1 search")
	}
	t := pick(rows, "tpe")
	if t == nil {
		t = rows[0]
	}
	n, _ := perSeed(t)
	ttt, reached := num(t, "trials_to_threshold")
	rate, _ := num(t, "success_rate")
	if reached {
		r = r.value(ttt)
		r.Rerun = fmt.Sprintf("%s: first trial at the 50%% point is number %.0f of %.0f; %s of all trials reach it", text(t, "sampler"), ttt, n, pct(rate))
	} else {
		r.Rerun = fmt.Sprintf("%s: no trial reaches the 50%% point in %.0f trials (median seed)", text(t, "sampler"), n)
	}
	if n < minTrials {
		return r.with(NotComparable, fmt.Sprintf("%s: %.0f trials per seed (under %d), not comparable", profileOf(rd), n, minTrials))
	}
	if !reached {
		return r.with(NotReproduced, "the search never reaches the 50% point")
	}
	if ttt <= earlyShare*n {
		return r.with(Reproduced, fmt.Sprintf("within the first %s of the trials (%s)", pct(earlyShare), profileOf(rd)))
	}
	return r.with(NotReproduced, fmt.Sprintf("later than the first %s of the trials (%s)", pct(earlyShare), profileOf(rd)))
}

func evalExp1Stand(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	prefix := keys.SearchRound("exp1", 1)
	called, ok := rd.Metrics[keys.Metric(prefix, keys.MeasureCalledStanding)]
	if !ok {
		return r.with(NotComparable, "the run records no "+keys.Metric(prefix, keys.MeasureCalledStanding)+" metric yet")
	}
	share, ok := rd.Metrics[keys.Metric(prefix, keys.MeasureStandingVertical)]
	if !ok {
		r.Rerun = fmt.Sprintf("%.0f trials called standing", called)
		return r.with(NotComparable, "no trial is called standing, so none can be checked")
	}
	r = r.value(share)
	r.Rerun = fmt.Sprintf("%s of %.0f trials called standing are within 15 degrees of vertical", pct(share), called)
	if called < minCalled {
		return r.with(NotComparable, fmt.Sprintf("%s: %.0f trials called standing (under %d), not comparable", profileOf(rd), called, minCalled))
	}
	if share >= 0.5 {
		return r.with(Reproduced, fmt.Sprintf("most called standing really stand (%s)", profileOf(rd)))
	}
	return r.with(NotReproduced, fmt.Sprintf("most called standing do not stand: an overconfident discriminator (%s)", profileOf(rd)))
}

func evalExp2Levels(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	prefix := keys.SearchRound("exp2", 1)
	top, ok1 := rd.Metrics[keys.Metric(prefix, keys.MeasureShelfTop)]
	bottom, ok2 := rd.Metrics[keys.Metric(prefix, keys.MeasureShelfBottom)]
	if !ok1 || !ok2 {
		return r.with(NotComparable, "the run records no shelf-rule metric ("+keys.Metric(prefix, keys.MeasureShelfTop)+") yet")
	}
	images := rd.Metrics[keys.Metric(prefix, keys.MeasureShelfImages)]
	trials := rd.Metrics[keys.Metric(prefix, keys.MeasureTrials)]
	success := rd.Metrics[keys.Metric(prefix, keys.MeasureSuccessRate)]
	r = r.value(top - bottom)
	r.Rerun = fmt.Sprintf("shelf rule on the %.0f best images: top %s, bottom %s; %s of %.0f trials reach the 50%% point", images, pct(top), pct(bottom), pct(success), trials)
	if trials < minTrials {
		return r.with(NotComparable, fmt.Sprintf("%s: %.0f trials (under %d), not comparable", profileOf(rd), trials, minTrials))
	}
	if success <= 0 {
		return r.with(NotComparable, "no trial reaches the 50% point: the best images are none the discriminator calls shelf")
	}
	if top >= 0.5 && bottom < 0.5 {
		return r.with(Reproduced, fmt.Sprintf("top >= 50%% and bottom < 50%% (%s)", profileOf(rd)))
	}
	return r.with(NotReproduced, fmt.Sprintf("not top >= 50%% with bottom < 50%% (%s)", profileOf(rd)))
}

func evalExp21TPE(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	t := pick(samplerRows(rd, "exp2", 2), "tpe")
	if t == nil {
		return r.with(NotComparable, "the run records no round-2 TPE search (content.mix_rounds = 0?)")
	}
	n, _ := perSeed(t)
	rate, _ := num(t, "success_rate")
	best, ok := num(t, "best_loss")
	r = r.value(rate)
	r.Rerun = fmt.Sprintf("%s of the TPE trials reach the 50%% point", pct(rate))
	if ok {
		r.Rerun += fmt.Sprintf("; best loss %s (confidence %s)", f3(best), pct(math.Exp(-best)))
	}
	if n < minTrials {
		return r.with(NotComparable, fmt.Sprintf("%s: %.0f trials per seed (under %d), not comparable", profileOf(rd), n, minTrials))
	}
	if rate == 0 {
		return r.with(Reproduced, fmt.Sprintf("no TPE trial reaches a shelf verdict (%s)", profileOf(rd)))
	}
	return r.with(NotReproduced, fmt.Sprintf("TPE trials do reach a shelf verdict (%s)", profileOf(rd)))
}

func evalCMAES(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	rows := samplerRows(rd, "exp2", 2)
	cm := pick(rows, "cmaes")
	if cm == nil || len(rows) < 2 {
		return r.with(NotComparable, "the run records no round-2 comparison of CMA-ES with another sampler")
	}
	var parts []string
	lowest, others := true, 0
	cmBest, okc := num(cm, "median_best_loss")
	fewSeeds, fewTrials := false, false
	for _, t := range rows {
		v, ok := num(t, "median_best_loss")
		n, seeds := perSeed(t)
		if seeds < minSeeds {
			fewSeeds = true
		}
		if n < minSamplerTrials {
			fewTrials = true
		}
		if !ok {
			continue
		}
		parts = append(parts, fmt.Sprintf("%s %s", text(t, "sampler"), f3(v)))
		if text(t, "sampler") != "cmaes" {
			others++
			if okc && v <= cmBest {
				lowest = false
			}
		}
	}
	r.Rerun = "median best loss over seeds: " + strings.Join(parts, ", ")
	if okc {
		r = r.value(cmBest)
	}
	switch {
	case !okc || others == 0:
		return r.with(NotComparable, "no best loss for CMA-ES or for another sampler")
	case fewSeeds:
		return r.with(NotComparable, fmt.Sprintf("%s: a sampler has fewer than %d seeds, not comparable", profileOf(rd), minSeeds))
	case fewTrials:
		return r.with(NotComparable, fmt.Sprintf("%s: under %d trials per seed, not comparable", profileOf(rd), minSamplerTrials))
	case lowest:
		return r.with(Reproduced, fmt.Sprintf("CMA-ES strictly lowest (%s)", profileOf(rd)))
	}
	return r.with(NotReproduced, fmt.Sprintf("another sampler is as low or lower (%s)", profileOf(rd)))
}

func evalSegmentation(in input, f Finding) Row {
	rd, ok := in.run(f.Specs)
	if !ok {
		return missingRun(f)
	}
	r := row(f, rd)
	sets := map[string]map[string]reports.Cell{}
	for _, t := range table(rd, reports.TableSegmentation) {
		sets[text(t, "training_set")] = t
	}
	var parts []string
	within, outside, undecided := true, false, false
	var wide []string // proposals whose interval reaches beyond the margin
	maxAbs := 0.0
	for _, set := range []string{"brightness-contrast", "blur"} {
		t, ok := sets[set]
		if !ok {
			return r.with(NotComparable, "the run records no AP of training set "+set)
		}
		d, okd := num(t, "AP_diff")
		lo, okl := num(t, "AP_diff_ci_low")
		hi, okh := num(t, "AP_diff_ci_high")
		pairs, _ := num(t, "pairs")
		if !okd {
			return r.with(NotComparable, "no paired AP difference of "+set+" to the baseline (no baseline set?)")
		}
		parts = append(parts, fmt.Sprintf("%s %+.3f", set, d))
		if okl && okh {
			parts[len(parts)-1] += fmt.Sprintf(" [%+.3f, %+.3f]", lo, hi)
		}
		parts[len(parts)-1] += fmt.Sprintf(" over %.0f seeds", pairs)
		if math.Abs(d) > maxAbs {
			maxAbs = math.Abs(d)
		}
		if pairs < 2 || !okl || !okh {
			undecided = true
			continue
		}
		if math.Abs(d) > apMargin {
			within = false
		}
		if lo > apMargin || hi < -apMargin {
			outside = true
		}
		if lo < -apMargin || hi > apMargin {
			wide = append(wide, set)
		}
	}
	r = r.value(maxAbs)
	r.Rerun = "Δ AP vs baseline: " + strings.Join(parts, "; ")
	for _, k := range []struct {
		key string
		min int
	}{{"segmentation.images", minSegImages}, {"datasets.eval.count", minEvalImages}} {
		v, err := in.setting(rd, k.key)
		if err != nil {
			return r.with(NotComparable, "sizes unknown: "+err.Error())
		}
		if int(v) < k.min {
			return r.with(NotComparable, fmt.Sprintf("%s: %s = %.0f (under %d), not comparable", profileOf(rd), k.key, v, k.min))
		}
	}
	switch {
	case undecided:
		return r.with(NotComparable, "fewer than 2 seeds per set: no interval")
	case outside:
		return r.with(NotReproduced, fmt.Sprintf("the seeds support a change of more than %g AP (%s)", apMargin, profileOf(rd)))
	case within:
		reason := fmt.Sprintf("every proposal's mean within %g AP of the baseline (%s)", apMargin, profileOf(rd))
		if len(wide) > 0 {
			reason += fmt.Sprintf("; the 95%% interval of %s reaches beyond ±%g: the seeds cannot exclude a larger change", strings.Join(wide, " and "), apMargin)
		}
		return r.with(Reproduced, reason)
	}
	return r.with(NotComparable, fmt.Sprintf("a difference beyond %g AP whose interval reaches back within it: the seeds cannot tell (%s)", apMargin, profileOf(rd)))
}
