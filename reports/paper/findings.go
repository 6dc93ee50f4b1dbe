package paper

import (
	"fmt"
	"math"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/reports"
)

// Verdict says whether a rerun reproduces a published finding.
type Verdict string

// Verdicts.
const (
	Reproduced    Verdict = "reproduced"
	NotReproduced Verdict = "not reproduced"
	// NotComparable: the runs do not record the metric, the spec was not
	// run, or the rerun is too small for the rule to decide.
	NotComparable Verdict = "not comparable"
)

// Finding is one published finding of the method (METHOD.md) with its rule.
type Finding struct {
	ID        string   `json:"id"`
	Claim     string   `json:"claim"`     // the published claim, in METHOD.md's words
	Published string   `json:"published"` // its number or outcome
	Specs     []string `json:"specs"`     // built-in specs whose runs measure it, preferred first
	Rule      string   `json:"rule"`      // the verdict rule (docs/REPRODUCE.md)
	eval      func(in input, f Finding) Row
}

// Row is a finding evaluated on a reproduction's runs.
type Row struct {
	Finding   string   `json:"finding"` // Finding.ID
	Claim     string   `json:"claim"`
	Published string   `json:"published"`
	Spec      string   `json:"spec,omitempty"` // the spec of the run read ("" when none was)
	Run       int      `json:"run,omitempty"`
	Rerun     string   `json:"rerun"`           // the rerun's value in words ("" when none)
	Value     *float64 `json:"value,omitempty"` // its headline number, when it has one
	Verdict   Verdict  `json:"verdict"`
	Reason    string   `json:"reason"`
	Rule      string   `json:"rule"`
}

// Evaluate sets every published finding beside the runs' values: one Row
// per Finding, in Findings order. runs are the reproduction's runs (one per
// spec; of several runs of one spec the last counts); settings resolves a
// run's spec (nil: rules that need a size say it is unknown).
func Evaluate(runs []*reports.RunData, settings SettingsFunc) []Row {
	in := newInput(runs, settings)
	var out []Row
	for _, f := range Findings() {
		out = append(out, f.eval(in, f))
	}
	return out
}

// Findings lists the published findings in METHOD.md's order.
func Findings() []Finding {
	out := []Finding{{
		ID:        "discriminator",
		Claim:     "The CG-vs-real discriminator separates the domains almost perfectly (20K + 20K training, 5K + 5K test, 2 epochs).",
		Published: "99.7% held-out accuracy",
		Specs:     styleSpecs,
		Rule:      fmt.Sprintf("held-out accuracy (metric discriminator/main/accuracy) >= %s: reproduced, else not; not comparable under %d held-out images ((datasets.cg.count + datasets.real.count) x discriminator.test_fraction).", pct(minAccuracy), minHeldOut),
		eval:      evalDiscriminator,
	}}
	for _, o := range outcomes {
		out = append(out, Finding{
			ID:        "outcome/" + o.manipulation,
			Claim:     fmt.Sprintf("%s, CG to real: %s.", o.label, o.outcome),
			Published: o.outcome,
			Specs:     []string{"style/all", "style/" + o.manipulation},
			Rule:      fmt.Sprintf("success rate of the cg-to-real fit (table style-success, round 1) with its 95%% Wilson interval: the interval wholly on the published side of 50%% is reproduced, wholly on the other side not reproduced, containing 50%% not comparable; not comparable under %d images.", minImages),
			eval:      evalOutcome(o),
		})
	}
	out = append(out,
		Finding{
			ID:        "green-negative",
			Claim:     "The fitted per-channel brightness/contrast over ~1300 CG images: red and blue centred near zero, green clearly negative (the renders are too green).",
			Published: "green negative, red and blue near 0",
			Specs:     []string{"style/all", "style/brightness-contrast"},
			Rule:      fmt.Sprintf("per group (contrast, brightness) the median over images of each channel's fitted value; green is negative and dominant when its median <= -%g and |median| >= %g x the larger of red's and blue's. Reproduced when it is in at least one group that is not quantised and green is positive and dominant in none; else not reproduced; not comparable under %d images or when every group is quantised (2 to max(3, n/8) distinct values: equal optimiser steps).", minCast, castRatio, minImages),
			eval:      evalGreen,
		},
		Finding{
			ID:        "exp1-early",
			Claim:     "Experiment 1 (lying bottle searched to look standing): the best loss is found very early in the search.",
			Published: "solved very early",
			Specs:     []string{"content/exp1"},
			Rule:      fmt.Sprintf("trials to threshold of round 1 (table samplers: median over seeds of the index + 1 of the first trial reaching the 50%% point) <= %s of the trials per seed: reproduced; later, or never, not reproduced; not comparable under %d trials per seed.", pct(earlyShare), minTrials),
			eval:      evalExp1Early,
		},
		Finding{
			ID:        "exp1-stand",
			Claim:     "Experiment 1: most results stand (some tilted).",
			Published: "most results stand",
			Specs:     []string{"content/exp1"},
			Rule:      fmt.Sprintf("of the round-1 trials the discriminator calls standing (metric search/exp1/round-1/%s), the share whose bottle axis is within 15 degrees of vertical (%s) >= 50%%: reproduced, else not; not comparable under %d trials called standing.", keys.MeasureCalledStanding, keys.MeasureStandingVertical, minCalled),
			eval:      evalExp1Stand,
		},
		Finding{
			ID:        "exp2-levels",
			Claim:     "Experiment 2 (random arrangement searched to look like the two-level shelf): the top level comes out right, the bottom level mostly wrong.",
			Published: "top right, bottom wrong",
			Specs:     []string{"content/exp2", "content/exp2.1"},
			Rule:      fmt.Sprintf("on the round-1 best images, the share of objects obeying the shelf rule per level (metrics search/exp2/round-1/%s and %s): top >= 50%% and bottom < 50%% reproduced, else not; not comparable under %d trials, without the metrics, or when no trial reached the 50%% point (the best images are then none the discriminator calls shelf).", keys.MeasureShelfTop, keys.MeasureShelfBottom, minTrials),
			eval:      evalExp2Levels,
		},
		Finding{
			ID:        "exp2.1-tpe",
			Claim:     "Experiment 2.1 (generated images mixed into the random set, discriminator retrained): with TPE no image reaches a shelf verdict (every loss above 0.69).",
			Published: "no TPE trial reaches 50%",
			Specs:     []string{"content/exp2.1", "content/samplers"},
			Rule:      fmt.Sprintf("the TPE row of round 2 (table samplers): success rate 0 (no trial reaches the 50%% point) reproduced, any success not reproduced; not comparable under %d trials per seed or without a round 2.", minTrials),
			eval:      evalExp21TPE,
		},
		Finding{
			ID:        "exp2.1-cmaes",
			Claim:     "Experiment 2.1: CMA-ES found the best images (the parameters are mostly continuous).",
			Published: "CMA-ES best",
			Specs:     []string{"content/samplers"},
			Rule:      fmt.Sprintf("round 2 of the sampler comparison (table samplers): CMA-ES's median over seeds of each seed's best loss strictly lowest of all samplers reproduced, else not; not comparable with fewer than %d seeds per sampler, under %d trials per seed, or without a second sampler.", minSeeds, minSamplerTrials),
			eval:      evalCMAES,
		},
		Finding{
			ID:        "segmentation",
			Claim:     "Instance segmentation trained on CG after fitted brightness/contrast (proposal 1) or blur (proposal 2) instead of the original CG: AP did not improve much.",
			Published: "AP barely moves",
			Specs:     []string{"segmentation/baseline-vs-proposals"},
			Rule:      fmt.Sprintf("for each proposal (training sets brightness-contrast and blur) the paired mean difference of AP to the baseline over seeds, with its 95%% t-interval (table segmentation): every |mean| <= %g reproduced; some interval wholly outside [-%g, %g] not reproduced; otherwise, or with fewer than 2 seeds, not comparable; not comparable under %d training images or %d evaluation images.", apMargin, apMargin, apMargin, minSegImages, minEvalImages),
			eval:      evalSegmentation,
		},
	)
	return out
}

// row starts the Row of finding f read from rd (nil: no run).
func row(f Finding, rd *reports.RunData) Row {
	r := Row{Finding: f.ID, Claim: f.Claim, Published: f.Published, Rule: f.Rule}
	if rd != nil {
		r.Spec, r.Run = rd.Run.Name, rd.Run.ID
	}
	return r
}

func (r Row) with(v Verdict, reason string) Row {
	r.Verdict, r.Reason = v, reason
	return r
}

func (r Row) value(v float64) Row {
	if !math.IsNaN(v) && !math.IsInf(v, 0) {
		r.Value = &v
	}
	return r
}

// missingRun is the row of a finding none of whose specs was run.
func missingRun(f Finding) Row {
	return row(f, nil).with(NotComparable, fmt.Sprintf("no run of %s in this reproduction", specList(f.Specs)))
}

func specList(specs []string) string {
	switch len(specs) {
	case 0:
		return "any spec"
	case 1:
		return specs[0]
	}
	s := specs[0]
	for _, x := range specs[1 : len(specs)-1] {
		s += ", " + x
	}
	return s + " or " + specs[len(specs)-1]
}
