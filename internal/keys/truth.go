package keys

import (
	"strconv"
	"strings"
)

// Content truth measures: what the scene parameters cgx rendered say about
// a search round's results, beside what the discriminator said (issue 14
// item 6; docs/DATA.md). Run metrics keyed by the round,
// "search/<experiment>/round-<k>/<measure>", and for exp1 also by block of
// trials, "search/exp1/round-<k>/trials-<a>-<b>/<measure>" (TrialBlock).
const (
	// exp2, on the round's best images (the ShelfImages lowest-loss
	// trials of every sampler and seed pooled). Per level (top: under 1 L
	// and standing; bottom: 1 L or more, lying, facing the camera):
	// *_level, the share of the best images whose three objects on that
	// level all obey the rule; shelf_top and shelf_bottom, the share of
	// the objects on that level that obey it; *_kind and *_pose, the share
	// with the right product size or the right pose.
	MeasureShelfTopLevel    = "shelf_top_level"
	MeasureShelfBottomLevel = "shelf_bottom_level"
	MeasureShelfTop         = "shelf_top"
	MeasureShelfTopKind     = "shelf_top_kind"
	MeasureShelfTopPose     = "shelf_top_pose"
	MeasureShelfBottom      = "shelf_bottom"
	MeasureShelfBottomKind  = "shelf_bottom_kind"
	MeasureShelfBottomPose  = "shelf_bottom_pose"
	MeasureShelfImages      = "shelf_images" // best images scored (k)
	MeasureShelfCalled      = "shelf_called" // of them, the ones that reached the threshold
	// exp1: trials scored; trials whose target confidence reached the
	// threshold (called standing); the share of those whose bottle axis is
	// within 15 degrees of vertical; the share of all trials that are.
	MeasureTruthTrials      = "truth_trials"
	MeasureCalledStanding   = "called_standing"
	MeasureStandingVertical = "called_standing_vertical"
	MeasureVertical         = "vertical"
)

const blockPrefix = "trials-"

// TrialBlock returns "<round>/trials-<first>-<last>", the stage part of the
// metrics of trials first..last (1-based, in slot order) of a search round
// (SearchRound).
func TrialBlock(round string, first, last int) string {
	return round + "/" + blockPrefix + strconv.Itoa(first) + "-" + strconv.Itoa(last)
}

// ParseTrialBlock inverts TrialBlock: the round prefix and the block's first
// and last trial; first >= 1 and last >= first.
func ParseTrialBlock(stage string) (round string, first, last int, ok bool) {
	i := strings.LastIndexByte(stage, '/')
	if i <= 0 {
		return "", 0, 0, false
	}
	rest, found := strings.CutPrefix(stage[i+1:], blockPrefix)
	if !found {
		return "", 0, 0, false
	}
	a, b, found := strings.Cut(rest, "-")
	if !found {
		return "", 0, 0, false
	}
	first, ok1 := parseRound(a)
	last, ok2 := parseRound(b)
	if !ok1 || !ok2 || first < 1 || last < first || strconv.Itoa(first) != a || strconv.Itoa(last) != b {
		return "", 0, 0, false
	}
	return stage[:i], first, last, true
}
