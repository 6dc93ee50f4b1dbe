package reports

import (
	"fmt"
	"math"
	"regexp"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
)

// Finding is one line of a report's findings summary: what the run shows on
// one topic, in words, with the caveats that limit how far it can be read.
type Finding struct {
	Topic   string // discriminator, style, recovery, rounds, segmentation, content
	Text    string
	Caveats []string

	verdict, fit string // style fits: for the summary line
}

// Style verdicts by success rate.
const (
	verdictMost = "for most images"
	verdictSome = "for some images"
	verdictFew  = "for few images"
)

// Thresholds of the findings' wording (docs/REPORTS.md).
const (
	mostShare      = 0.7   // a manipulation "closes the gap for most images" at this success rate
	fewShare       = 0.3   // ... "for few images" at or below this one
	easyCue        = 0.995 // a discriminator this accurate may rely on one easy cue
	boundCaveat    = 0.1   // images with a parameter at a bound worth a caveat
	quantiseImages = 8     // fits of fewer images are not checked for quantised values
)

// Findings summarises the run for the top of its report: per discriminator,
// style fit, planted-gap recovery, round sequence, segmentation set and
// content round what the tables say, with the caveats that apply (a
// discriminator near 100%, parameters at bounds, quantised or unmoved
// values, checks that fail, differences the seeds do not support).
func (rd *RunData) Findings() []Finding {
	var out []Finding
	out = append(out, rd.discriminatorFindings()...)
	out = append(out, rd.styleFindings()...)
	out = append(out, rd.distributionFindings()...)
	out = append(out, rd.recoveryFindings()...)
	out = append(out, rd.roundFindings()...)
	out = append(out, rd.segmentationFindings()...)
	out = append(out, rd.contentFindings()...)
	out = append(out, rd.contentTruthFindings()...) // findings_content_truth.go
	return out
}

// col returns the cell of column key in row.
func col(t Table, row []Cell, key string) Cell {
	for i, c := range t.Columns {
		if c.Key == key && i < len(row) {
			return row[i]
		}
	}
	return Missing()
}

func pct(v float64) string { return formatFloat(100*v, 1) + "%" }

func (rd *RunData) discriminatorFindings() []Finding {
	t := rd.discriminatorTable()
	var out []Finding
	for _, row := range t.Rows {
		name, acc := row[0].Text, col(t, row, "accuracy")
		if !acc.Valid {
			continue
		}
		if _, _, ok := keys.ParseRoundDiscriminator(name); ok {
			continue // in the rounds' finding
		}
		f := Finding{Topic: "discriminator", Text: fmt.Sprintf("Discriminator %s: %s held-out accuracy.", name, pct(acc.Num))}
		if acc.Num >= easyCue {
			f.Caveats = append(f.Caveats, "At or near 100%: it may separate the domains by one easy cue (the published explanation of weak segmentation gains); a fit that fools it fixes that cue, not necessarily the whole gap.")
		}
		out = append(out, f)
	}
	return out
}

// quantised reports whether values take so few distinct values that they
// come from a step count rather than each image (equal-size optimiser
// steps), with the number of distinct values.
func quantised(values []float64) (int, bool) {
	if len(values) < quantiseImages {
		return 0, false
	}
	seen := map[float64]bool{}
	for _, v := range values {
		seen[math.Round(v*1e6)/1e6] = true
	}
	return len(seen), len(seen) >= 2 && len(seen) <= max(3, len(values)/8)
}

// blurStart is where a blur sigma's fit starts (docs/MANIPULATIONS.md).
const blurStart = 0.15

var sigmaParam = regexp.MustCompile(`^sigma(_[rgb])?$`)

func (rd *RunData) styleFindings() (out []Finding) {
	defer func() {
		// One line first that says which manipulations close the gap.
		groups := map[string][]string{}
		for _, f := range out {
			if f.verdict != "" {
				groups[f.verdict] = append(groups[f.verdict], f.fit)
			}
		}
		var parts []string
		for _, v := range []string{verdictMost, verdictSome, verdictFew} {
			if len(groups[v]) > 0 {
				parts = append(parts, v+": "+strings.Join(groups[v], ", "))
			}
		}
		if len(parts) > 1 || len(out) > 1 {
			out = append([]Finding{{Topic: "style", Text: "Which manipulations close the gap (share of images that fool the discriminator): " + strings.Join(parts, "; ") + "."}}, out...)
		}
	}()
	for _, s := range rd.Studies {
		if !s.pointFit() || styleRound(s) != 1 {
			continue
		}
		c := s.Complete()
		if len(c) == 0 {
			continue
		}
		succ := 0
		for _, t := range c {
			if s.succeeded(t) {
				succ++
			}
		}
		rate := float64(succ) / float64(len(c))
		verdict := verdictSome
		switch {
		case rate >= mostShare:
			verdict = verdictMost
		case rate <= fewShare:
			verdict = verdictFew
		}
		f := Finding{Topic: "style", Text: fmt.Sprintf("%s: closes the gap %s (%d of %d images fool the discriminator, %s).",
			studyLabel(s), verdict, succ, len(c), pct(rate)), verdict: verdict, fit: fmt.Sprintf("%s (%s)", studyLabel(s), pct(rate))}
		var medians []string
		params := paramNames(c)
		if len(params) <= 8 {
			for _, p := range params {
				v := paramValues(c, p)
				medians = append(medians, fmt.Sprintf("%s %s", paramLabel(p), formatFloat(median(v), 3)))
				if n, q := quantised(v); q {
					f.Caveats = append(f.Caveats, fmt.Sprintf("%s takes only %d distinct values over %d images: equal-size optimiser steps, a step count rather than a per-image measurement.", p, n, len(v)))
				}
				if sigmaParam.MatchString(p) && math.Abs(median(v)-blurStart) < 0.01 {
					f.Caveats = append(f.Caveats, fmt.Sprintf("%s stays at its %.2f px start (median %s): the discriminator did not need sharpness changed, which does not mean the domains are equally sharp.", p, blurStart, formatFloat(median(v), 3)))
				}
			}
			f.Text += " Fitted medians: " + strings.Join(medians, ", ") + "."
			if step, ok := equalMoves(c, params); ok {
				f.Caveats = append(f.Caveats, fmt.Sprintf("On most images every parameter moved by about the same size (median %s): equal-size optimiser steps (Adam's first updates), not what each parameter needs; parameters the gap does not involve moved as far as those it does.", formatFloat(step, 4)))
			}
			if cast := channelCast(c, s.Direction); cast != "" {
				f.Text += " " + cast
			}
		}
		if b := boundShare(s); b >= boundCaveat {
			f.Caveats = append(f.Caveats, fmt.Sprintf("%s of the images end with a parameter at a bound of its range (%s): those values are lower limits, not measurements.", pct(b), boundedParams(c)))
		}
		out = append(out, f)
	}
	return out
}

func paramValues(trials []Trial, p string) []float64 {
	var out []float64
	for _, t := range trials {
		if v, ok := t.Params[p]; ok {
			if magnitudeOnly[p] {
				v = math.Abs(v)
			}
			out = append(out, v)
		}
	}
	return out
}

// boundedParams lists the parameters at a bound with their image shares.
func boundedParams(trials []Trial) string {
	n := map[string]int{}
	for _, t := range trials {
		for _, p := range t.AtBound {
			n[p]++
		}
	}
	names := SortParamNames(sortedKeys(n))
	parts := make([]string, len(names))
	for i, p := range names {
		parts[i] = fmt.Sprintf("%s on %s", p, pct(float64(n[p])/float64(len(trials))))
	}
	return strings.Join(parts, ", ")
}

// channelCast reads per-channel brightness/contrast medians: when one
// channel moves at least twice as far as the others (and by 0.005 or more),
// it names the channel and what that says about the renders.
func channelCast(trials []Trial, direction string) string {
	for _, group := range []string{"contrast", "brightness"} {
		var med [3]float64
		ok := true
		for i, c := range []string{"r", "g", "b"} {
			v := paramValues(trials, group+"_"+c)
			if len(v) == 0 {
				ok = false
				break
			}
			med[i] = median(v)
		}
		if !ok {
			continue
		}
		top := 0
		for i := range med {
			if math.Abs(med[i]) > math.Abs(med[top]) {
				top = i
			}
		}
		other := 0.0
		for i := range med {
			if i != top {
				other = math.Max(other, math.Abs(med[i]))
			}
		}
		if math.Abs(med[top]) < 0.005 || math.Abs(med[top]) < 2*other {
			continue
		}
		ch := []string{"red", "green", "blue"}[top]
		way := "lowers"
		if med[top] > 0 {
			way = "raises"
		}
		reading := ""
		switch direction {
		case keys.DirectionCGToReal:
			if med[top] < 0 {
				reading = fmt.Sprintf(": the renders are too %s", ch)
			} else {
				reading = fmt.Sprintf(": the renders lack %s", ch)
			}
		case keys.DirectionRealToCG:
			if med[top] < 0 {
				reading = fmt.Sprintf(": photographs have more %s than renders", ch)
			} else {
				reading = fmt.Sprintf(": renders are more %s than photographs", ch)
			}
		}
		return fmt.Sprintf("The fit %s %s %s well beyond the other channels%s.", way, ch, group, reading)
	}
	return ""
}

func (rd *RunData) recoveryFindings() []Finding {
	var out []Finding
	for _, s := range rd.Studies {
		if !s.hasRecovery() || styleRound(s) != 1 {
			continue
		}
		var parts []string
		passed, checks := 0, 0
		ratio := map[string]float64{}
		for _, r := range studyRecovery(s) {
			ratio[r.param] = r.sizeRatio()
			cs := r.checks()
			if cs[0].verdict == checkNA && cs[1].verdict == checkNA && cs[2].verdict == checkNA {
				continue
			}
			part := paramLabel(r.param)
			var facts []string
			if c := r.corr(); !math.IsNaN(c) {
				facts = append(facts, "r "+formatFloat(c, 2))
			}
			if q := r.sizeRatio(); !math.IsNaN(q) {
				facts = append(facts, fmt.Sprintf("fitted %s of the planted size", pct(q)))
			}
			if e := median(r.relErr); !math.IsNaN(e) {
				facts = append(facts, "median rel. error "+pct(e))
			} else if r.zeroLimit > 0 {
				facts = append(facts, fmt.Sprintf("planted 0, moved %s (limit %s, a quarter of %s's planted size)",
					formatFloat(median(r.absErr), 3), formatFloat(r.zeroLimit, 3), r.zeroSibling))
			}
			for _, c := range cs {
				if c.verdict == checkNA {
					continue
				}
				checks++
				if c.verdict == checkPass {
					passed++
				}
				facts = append(facts, c.name+" "+c.verdict)
			}
			if r.atBound() > 0 {
				facts = append(facts, pct(r.boundShare())+" at a bound")
			}
			if len(r.relErr) == 0 && r.magnitudeCheck() == checkPass && r.atBound() == 0 {
				continue // planted 0 and left alone: counted, not worth a sentence
			}
			parts = append(parts, part+": "+strings.Join(facts, ", "))
		}
		if checks == 0 {
			continue
		}
		f := Finding{Topic: "recovery", Text: fmt.Sprintf("Planted gap, %s: %d of %d checks pass. %s.", studyLabel(s), passed, checks, strings.Join(parts, "; "))}
		for _, c := range []string{"r", "g", "b"} {
			b, okb := ratio["brightness_"+c]
			k, okc := ratio["contrast_"+c]
			if okb && okc && !math.IsNaN(b) && !math.IsNaN(k) && (b-1)*(k-1) < 0 {
				f.Caveats = append(f.Caveats, fmt.Sprintf("brightness_%s and contrast_%s miss on opposite sides (%s and %s of planted): both move the channel's mean, so the discriminator cannot tell them apart; read their combined shift, not each alone.", c, c, pct(b), pct(k)))
			}
		}
		out = append(out, f)
	}
	return out
}

func (rd *RunData) roundFindings() []Finding {
	rows := rd.roundsOf()
	type seq struct {
		key      styleKey
		accs     []string
		stopped  bool
		allHigh  bool
		hasFits  bool
		lastFits roundRow
	}
	var seqs []*seq
	byKey := map[[2]string]*seq{}
	for _, r := range rows {
		k := [2]string{r.key.manipulation, r.key.direction}
		s := byKey[k]
		if s == nil {
			s = &seq{key: r.key, allHigh: true}
			byKey[k] = s
			seqs = append(seqs, s)
		}
		a := "–"
		if !math.IsNaN(r.accuracy) {
			a = pct(r.accuracy)
			if r.accuracy < 0.95 {
				s.allHigh = false
			}
		}
		s.accs = append(s.accs, a)
		if math.IsNaN(r.images) {
			s.stopped = true
		} else {
			s.hasFits, s.lastFits = true, r
		}
	}
	var out []Finding
	for _, s := range seqs {
		text := fmt.Sprintf("Rounds, %s %s: discriminator accuracy per round %s", s.key.manipulation, s.key.direction, strings.Join(s.accs, " → "))
		if s.stopped {
			text += " (the last fell below style.round_accuracy: rounds stopped)"
		}
		text += "."
		var missed []string // cues whose composed median is outside relLimit of the planted one
		if s.hasFits {
			var parts []string
			for _, c := range s.lastFits.cues {
				if math.IsNaN(c.cumFitted) || math.IsNaN(c.cumPlanted) || c.cumPlanted == 0 {
					continue
				}
				p := fmt.Sprintf("%s median %s vs planted %s", c.param, formatFloat(c.cumFitted, 3), formatFloat(c.cumPlanted, 3))
				if !math.IsNaN(c.cumR) {
					p += ", r " + formatFloat(c.cumR, 2)
				}
				parts = append(parts, p)
				if share := c.cumFitted / c.cumPlanted; math.Abs(share-1) > relLimit {
					missed = append(missed, c.param+" "+pct(share))
				}
			}
			if len(parts) > 0 {
				text += fmt.Sprintf(" After round %d, all rounds composed: %s.", s.lastFits.key.round, strings.Join(parts, "; "))
			}
		}
		f := Finding{Topic: "rounds", Text: text}
		if len(missed) > 0 {
			f.Caveats = append(f.Caveats, fmt.Sprintf("Not recovered after round %d (the composed median is outside 75-125%% of the planted one): %s of planted. "+
				"A round moves each cue only until its own discriminator is fooled at the threshold, so a cue that discriminator barely relies on moves little, and one it rewards without limit runs past the gap; "+
				"docs/MANIPULATIONS.md (\"Iterated discriminator rounds\", \"Why blur is not recovered\") measures this on style/recovery.",
				s.lastFits.key.round, strings.Join(missed, ", ")))
		}
		if s.allHigh && len(s.accs) > 1 {
			f.Caveats = append(f.Caveats, "Every fresh discriminator separates the manipulated CG from real again (95% or more): each round stops at the previous discriminator's 50/50 boundary, so the manipulated images stay easy to tell from real and the rounds do not close the gap.")
		}
		out = append(out, f)
	}
	return out
}

func (rd *RunData) segmentationFindings() []Finding {
	t := rd.segmentationTable()
	var out []Finding
	for _, row := range t.Rows {
		name := row[0].Text
		seeds := col(t, row, "seeds")
		ap := col(t, row, "AP")
		if !ap.Valid {
			continue
		}
		text := fmt.Sprintf("Segmentation, %s: AP %s over %d seed(s)", name, formatFloat(ap.Num, 3), int(seeds.Num))
		if lo, hi := col(t, row, "AP_ci_low"), col(t, row, "AP_ci_high"); lo.Valid && hi.Valid {
			text += fmt.Sprintf(" (95%% interval %s to %s)", formatFloat(lo.Num, 3), formatFloat(hi.Num, 3))
		}
		f := Finding{Topic: "segmentation"}
		if d := col(t, row, "AP_diff"); d.Valid {
			text += fmt.Sprintf("; against baseline %+.3f", d.Num)
			lo, hi := col(t, row, "AP_diff_ci_low"), col(t, row, "AP_diff_ci_high")
			switch {
			case !lo.Valid || !hi.Valid:
				f.Caveats = append(f.Caveats, "One pair of seeds: no interval, so a difference of this size may be seed noise.")
			case lo.Num > 0:
				text += fmt.Sprintf(" (paired 95%% interval %+.3f to %+.3f: better, the seeds support it)", lo.Num, hi.Num)
			case hi.Num < 0:
				text += fmt.Sprintf(" (paired 95%% interval %+.3f to %+.3f: worse, the seeds support it)", lo.Num, hi.Num)
			default:
				text += fmt.Sprintf(" (paired 95%% interval %+.3f to %+.3f includes 0: no difference the seeds support)", lo.Num, hi.Num)
			}
		}
		f.Text = text + "."
		out = append(out, f)
	}
	return out
}

func (rd *RunData) contentFindings() []Finding {
	t := rd.contentTable()
	var out []Finding
	for _, row := range t.Rows {
		rate, conf := col(t, row, "success_rate"), col(t, row, "best_confidence")
		text := fmt.Sprintf("Content search %s round %d:", row[0].Text, int(col(t, row, "round").Num))
		if conf.Valid {
			text += fmt.Sprintf(" best confidence %s (%s)", formatFloat(conf.Num, 3), col(t, row, "best_trial").Text)
		} else if l := col(t, row, "best_loss"); l.Valid {
			text += fmt.Sprintf(" best loss %s", formatFloat(l.Num, 4))
		}
		if rate.Valid {
			text += fmt.Sprintf(", %s of the trials reach the threshold", pct(rate.Num))
		}
		f := Finding{Topic: "content", Text: text + "."}
		if rate.Valid && rate.Num >= 0.9 {
			f.Caveats = append(f.Caveats, "Nearly every trial passes: read it as a sign of an overconfident discriminator before reading it as a solved search.")
		}
		if rate.Valid && rate.Num == 0 {
			f.Caveats = append(f.Caveats, "No trial reaches the threshold: the search found no image the discriminator accepts, so nothing can be read from the parameters.")
		}
		out = append(out, f)
	}
	return out
}

func (rd *RunData) distributionFindings() []Finding {
	t := rd.distributionsTable()
	var out []Finding
	var spreads []string
	flush := func() {
		if len(out) > 0 && len(spreads) > 0 {
			out[len(out)-1].Text += " Median spreads: " + strings.Join(spreads, ", ") + "."
		}
		spreads = nil
	}
	last := ""
	for _, row := range t.Rows {
		fit := row[0].Text
		if fit != last || len(out) == 0 {
			flush()
			last = fit
			f := Finding{Topic: "stochastic", Text: fmt.Sprintf("Distribution fit, %s: the per-image means fool the discriminator on %s of %d images",
				fit, pct(col(t, row, "success_rate").Num), int(col(t, row, "images").Num))}
			if ss := col(t, row, "sample_success"); ss.Valid {
				f.Text += fmt.Sprintf(", draws from the distributions on %s", pct(ss.Num))
				if ss.Num < 0.5 {
					f.Caveats = append(f.Caveats, "Fewer than half the draws reach the threshold: augmentation by sampling mostly trains on images the discriminator still calls CG.")
				}
			}
			f.Text += "."
			out = append(out, f)
		}
		if sp := col(t, row, "spread_median"); sp.Valid {
			spreads = append(spreads, fmt.Sprintf("%s %s", col(t, row, "parameter").Text, formatFloat(sp.Num, 4)))
		}
	}
	flush()
	return out
}

// equalMoves reports whether, on at least half the images, three or more
// parameters moved by about the same size: the median over parameters of
// |value - start| / (the image's largest such move) is 0.9 or more, and that
// largest move is above 0.001. Equal-size optimiser steps (Adam's first
// updates) leave this signature; a fit that follows each parameter's
// gradient does not. It returns the median largest move of those images.
func equalMoves(trials []Trial, params []string) (float64, bool) {
	if len(params) < 3 || len(trials) == 0 {
		return 0, false
	}
	var sizes []float64
	for _, t := range trials {
		var moves []float64
		top := 0.0
		for _, p := range params {
			v, ok := t.Params[p]
			if !ok {
				continue
			}
			start := 0.0
			if sigmaParam.MatchString(p) {
				start = blurStart
			}
			m := math.Abs(v - start)
			moves = append(moves, m)
			top = math.Max(top, m)
		}
		if len(moves) < 3 || top <= 0.001 {
			continue
		}
		for i := range moves {
			moves[i] /= top
		}
		if median(moves) >= 0.9 {
			sizes = append(sizes, top)
		}
	}
	return median(sizes), 2*len(sizes) >= len(trials) && len(sizes) > 0
}
