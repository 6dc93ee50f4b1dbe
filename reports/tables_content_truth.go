package reports

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/cgx-dev/cgx/internal/keys"
)

// Content truth tables (issue 14 item 6): what the scene parameters cgx
// rendered say about a content search, beside what the discriminator said.
// They read the run's content truth metrics (internal/keys, docs/DATA.md).
const (
	TableShelf    = "content-shelf"
	TableStanding = "content-standing"
)

// Verdict thresholds (docs/REPORTS.md).
const (
	shelfRight = 0.5  // a level "comes out right" when at least this share of its objects on the best images obey the rule (cgx reproduce's exp2-levels rule)
	leadMargin = 0.05 // a level leads the other when its object share is higher by more than this
	trustShare = 0.8  // exp1: the discriminator is trusted when at least this share of the trials it calls standing stand
)

// Shelf verdicts.
const (
	shelfNoVerdict = "no shelf verdict"
	shelfTopOnly   = "top right, bottom wrong"
	shelfBottom    = "bottom right, top wrong"
	shelfBoth      = "both right"
	shelfNeither   = "both wrong"
)

// Standing verdicts.
const (
	standingNone          = "none called standing"
	standingOverconfident = "overconfident"
	standingSound         = "sound"
)

// shelfRow is one search round's shelf rule metrics.
type shelfRow struct {
	key roundKey
	m   map[string]float64
}

var shelfMeasures = []string{keys.MeasureShelfImages, keys.MeasureShelfCalled, keys.MeasureShelfTopLevel, keys.MeasureShelfBottomLevel,
	keys.MeasureShelfTop, keys.MeasureShelfBottom, keys.MeasureShelfTopKind, keys.MeasureShelfTopPose,
	keys.MeasureShelfBottomKind, keys.MeasureShelfBottomPose, keys.MeasureTrials}

// shelfRows returns the rounds with shelf rule metrics, in round order.
func (rd *RunData) shelfRows() []shelfRow {
	var out []shelfRow
	for subj, m := range metricGroups(rd.Metrics, searchRoundSubject, shelfMeasures...) {
		if _, ok := m[keys.MeasureShelfTopLevel]; !ok {
			continue
		}
		e, r := splitSubject(subj)
		out = append(out, shelfRow{roundKey{e, r}, m})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key.less(out[j].key) })
	return out
}

func splitSubject(subj string) (string, int) {
	for i := len(subj) - 1; i >= 0; i-- {
		if subj[i] == 0 {
			r, _ := strconv.Atoi(subj[i+1:])
			return subj[:i], r
		}
	}
	return subj, 0
}

// shelfLead names the level whose objects obey the rule more often, "even"
// within leadMargin: the published reverse sensitivity is the lead moving
// from the top level after round 1 to the bottom after round 2.
func shelfLead(top, bottom float64) string {
	switch {
	case top-bottom > leadMargin:
		return "top"
	case bottom-top > leadMargin:
		return "bottom"
	default:
		return "even"
	}
}

// shelfVerdict says which levels come out right on the best images; none
// when no best image reached the threshold (the discriminator called none
// of them shelf, so they say nothing about what it takes for a shelf).
func shelfVerdict(called, top, bottom float64) string {
	switch {
	case called < 1:
		return shelfNoVerdict
	case top >= shelfRight && bottom < shelfRight:
		return shelfTopOnly
	case top < shelfRight && bottom >= shelfRight:
		return shelfBottom
	case top >= shelfRight:
		return shelfBoth
	default:
		return shelfNeither
	}
}

func (rd *RunData) shelfTable() Table {
	t := Table{
		Name:  TableShelf,
		Title: "Shelf rule per level on each round's best images (experiment 2)",
		Notes: []string{
			"Scored from the scene parameters cgx rendered, not by a classifier. Shelf rule: top level (objects 1-3) small items (under 1 L) standing (tilt under 15 degrees); bottom level (objects 4-6) large items (1 L or more) lying (tilt over 75) facing the camera (heading within 15 degrees).",
			"best images: the round's lowest-loss trials, all samplers and seeds pooled, k = max(5, 10% of the trials); reached: how many of them the discriminator called shelf (confidence at the threshold).",
			"lead: the level whose object share is higher by more than 5 points, else even (the published reverse sensitivity: the lead moves from top to bottom between rounds 1 and 2).",
			"top level, bottom level: the share of the best images whose three objects on that level all obey the rule; top objects, bottom objects: the share of those objects that do; kind and pose: the share with the right product size, the right pose.",
			fmt.Sprintf("verdict: a level is right when at least %.0f%% of its objects on the best images obey the rule (the rule cgx reproduce applies; the whole-level image shares are stricter: all three objects at once); %q when no best image reached the threshold. Published: %q after round 1, the reverse sensitivity after round 2.", 100*shelfRight, shelfNoVerdict, shelfTopOnly),
		},
		Columns: []Column{
			{Key: "search", Label: "search"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "trials", Label: "trials", Kind: Int},
			{Key: "best", Label: "best images", Kind: Int},
			{Key: "reached", Label: "reached", Kind: Int},
			{Key: "top_level", Label: "top level", Kind: Percent, Digits: 0},
			{Key: "bottom_level", Label: "bottom level", Kind: Percent, Digits: 0},
			{Key: "top_objects", Label: "top objects", Kind: Percent, Digits: 0},
			{Key: "bottom_objects", Label: "bottom objects", Kind: Percent, Digits: 0},
			{Key: "top_kind", Label: "top kind", Kind: Percent, Digits: 0},
			{Key: "top_pose", Label: "top pose", Kind: Percent, Digits: 0},
			{Key: "bottom_kind", Label: "bottom kind", Kind: Percent, Digits: 0},
			{Key: "bottom_pose", Label: "bottom pose", Kind: Percent, Digits: 0},
			{Key: "lead", Label: "lead"},
			{Key: "verdict", Label: "verdict"},
		},
	}
	for _, r := range rd.shelfRows() {
		m := r.m
		t.Rows = append(t.Rows, []Cell{Str(r.key.search), Num(float64(r.key.round)), metricCell(m, keys.MeasureTrials),
			metricCell(m, keys.MeasureShelfImages), metricCell(m, keys.MeasureShelfCalled),
			metricCell(m, keys.MeasureShelfTopLevel), metricCell(m, keys.MeasureShelfBottomLevel),
			metricCell(m, keys.MeasureShelfTop), metricCell(m, keys.MeasureShelfBottom),
			metricCell(m, keys.MeasureShelfTopKind), metricCell(m, keys.MeasureShelfTopPose),
			metricCell(m, keys.MeasureShelfBottomKind), metricCell(m, keys.MeasureShelfBottomPose),
			Str(shelfLead(m[keys.MeasureShelfTop], m[keys.MeasureShelfBottom])), Str(shelfVerdict(m[keys.MeasureShelfCalled], m[keys.MeasureShelfTop], m[keys.MeasureShelfBottom]))})
	}
	return t
}

// standingRow is exp1's truth over a round or one block of its trials.
type standingRow struct {
	key         roundKey
	first, last int // trials first..last; 0, 0 for the whole round
	m           map[string]float64
}

var standingMeasures = []string{keys.MeasureTruthTrials, keys.MeasureCalledStanding, keys.MeasureStandingVertical, keys.MeasureVertical}

// standingRows returns per round its whole-round row, then its blocks in
// trial order.
func (rd *RunData) standingRows() []standingRow {
	parse := func(stage string) ([]string, bool) {
		first, last := 0, 0
		if round, a, b, ok := keys.ParseTrialBlock(stage); ok {
			stage, first, last = round, a, b
		}
		e, r, ok := keys.ParseSearchRound(stage)
		return []string{e, strconv.Itoa(r), strconv.Itoa(first), strconv.Itoa(last)}, ok
	}
	var out []standingRow
	for subj, m := range metricGroups(rd.Metrics, parse, standingMeasures...) {
		if _, ok := m[keys.MeasureTruthTrials]; !ok {
			continue
		}
		rest, last := splitSubject(subj)
		rest, first := splitSubject(rest)
		e, r := splitSubject(rest)
		out = append(out, standingRow{roundKey{e, r}, first, last, m})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].key != out[j].key {
			return out[i].key.less(out[j].key)
		}
		return out[i].first < out[j].first
	})
	return out
}

// standingVerdict: sound when at least trustShare of the trials called
// standing stand, overconfident otherwise.
func standingVerdict(called float64, precision float64, ok bool) string {
	switch {
	case called < 1 || !ok:
		return standingNone
	case precision >= trustShare:
		return standingSound
	default:
		return standingOverconfident
	}
}

func (rd *RunData) standingTable() Table {
	t := Table{
		Name:  TableStanding,
		Title: "Trials called standing that stand (experiment 1)",
		Notes: []string{
			"Scored from each trial's rotation as the renderer applies it (Euler XYZ): a bottle stands when its axis is within 15 degrees of vertical. called standing: the trials whose standing confidence reached the threshold.",
			"Per round over all its trials, then in blocks of trials (by trial slot, all samplers and seeds pooled), to show whether the discriminator passes trials from the first one on.",
			"stand among called: the share of the trials called standing that stand (the discriminator's precision); stand among all: the share of all trials that stand (what calling every trial standing would score). A precision near the base rate means the discriminator's verdict carries little about the pose.",
			fmt.Sprintf("verdict: %q when at least %.0f%% of the trials called standing stand, %q otherwise.", standingSound, 100*trustShare, standingOverconfident),
		},
		Columns: []Column{
			{Key: "search", Label: "search"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "trials_range", Label: "trials"},
			{Key: "trials", Label: "n", Kind: Int},
			{Key: "called", Label: "called standing", Kind: Int},
			{Key: "called_share", Label: "called share", Kind: Percent, Digits: 0},
			{Key: "stand_called", Label: "stand among called", Kind: Percent, Digits: 0},
			{Key: "stand_all", Label: "stand among all", Kind: Percent, Digits: 0},
			{Key: "verdict", Label: "verdict"},
		},
	}
	for _, r := range rd.standingRows() {
		m := r.m
		span := "all"
		if r.last > 0 {
			span = fmt.Sprintf("%d-%d", r.first, r.last)
		}
		n, called := m[keys.MeasureTruthTrials], m[keys.MeasureCalledStanding]
		share := Missing()
		if n > 0 {
			share = Num(called / n)
		}
		prec, ok := m[keys.MeasureStandingVertical]
		t.Rows = append(t.Rows, []Cell{Str(r.key.search), Num(float64(r.key.round)), Str(span), Num(n), Num(called), share,
			metricCell(m, keys.MeasureStandingVertical), metricCell(m, keys.MeasureVertical), Str(standingVerdict(called, prec, ok))})
	}
	return t
}
