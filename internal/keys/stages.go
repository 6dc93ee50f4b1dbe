package keys

import (
	"strconv"
	"strings"
)

// Stage families: the first part of a stage name.
const (
	FamilyDataset       = "dataset"
	FamilyDiscriminator = "discriminator"
	FamilyFit           = "fit"
	FamilySearch        = "search"
	FamilyMix           = "mix"
	FamilySegmentation  = "segmentation"
)

// DiscriminatorMain names the discriminator of style and segmentation runs;
// content runs name theirs Round(k).
const DiscriminatorMain = "main"

// BaselineSet is the segmentation training set of unmodified CG images; the
// other sets are named after manipulations.
const BaselineSet = "baseline"

// Round returns "round-<k>".
func Round(k int) string { return "round-" + strconv.Itoa(k) }

// DatasetStage returns "dataset/<role>".
func DatasetStage(role string) string { return FamilyDataset + "/" + role }

// DiscriminatorStage returns "discriminator/<name>".
func DiscriminatorStage(name string) string { return FamilyDiscriminator + "/" + name }

// FitStage returns "fit/<manipulation>/<direction>".
func FitStage(manipulation, direction string) string {
	return FamilyFit + "/" + manipulation + "/" + direction
}

// SearchRound returns "search/<experiment>/round-<k>", the prefix of every
// search stage of round k and the stage part of the round's metric keys.
func SearchRound(experiment string, round int) string {
	return FamilySearch + "/" + experiment + "/" + Round(round)
}

// SearchStage returns "search/<experiment>/round-<k>/<sampler>/seed-<n>", the
// stage of one search study.
func SearchStage(experiment string, round int, sampler string, seed int64) string {
	return SearchRound(experiment, round) + "/" + sampler + "/seed-" + strconv.FormatInt(seed, 10)
}

// MixStage returns "mix/round-<k>".
func MixStage(round int) string { return FamilyMix + "/" + Round(round) }

// SegmentationStage returns "segmentation/<training set>".
func SegmentationStage(set string) string { return FamilySegmentation + "/" + set }

// ParseDiscriminatorStage returns the name of a "discriminator/<name>" stage.
func ParseDiscriminatorStage(stage string) (name string, ok bool) {
	name, ok = strings.CutPrefix(stage, FamilyDiscriminator+"/")
	return name, ok && name != ""
}

// ParseSegmentationStage returns the training set of a
// "segmentation/<set>" stage.
func ParseSegmentationStage(stage string) (set string, ok bool) {
	set, ok = strings.CutPrefix(stage, FamilySegmentation+"/")
	return set, ok && set != ""
}

// ParseFitStage returns the manipulation and direction of a
// "fit/<manipulation>/<direction>" stage; neither part may be empty or
// contain a slash.
func ParseFitStage(stage string) (manipulation, direction string, ok bool) {
	rest, found := strings.CutPrefix(stage, FamilyFit+"/")
	if !found {
		return "", "", false
	}
	manipulation, direction, found = strings.Cut(rest, "/")
	if !found || manipulation == "" || direction == "" || strings.Contains(direction, "/") {
		return "", "", false
	}
	return manipulation, direction, true
}

const roundSep = "/round-"

// ParseSearchRound returns the experiment and round of a stage that is
// exactly a search round, "search/<experiment>/round-<k>" (the experiment may
// contain slashes; the last "/round-" separates it).
func ParseSearchRound(stage string) (experiment string, round int, ok bool) {
	rest, found := strings.CutPrefix(stage, FamilySearch+"/")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndex(rest, roundSep)
	if i <= 0 {
		return "", 0, false
	}
	r, ok := parseRound(rest[i+len(roundSep):])
	if !ok {
		return "", 0, false
	}
	return rest[:i], r, true
}

// ParseSearchStage returns the experiment and round of a search round or of
// any stage beneath one ("search/<experiment>/round-<k>/..."). Of several
// "/round-<k>" parts, the last one followed by a slash or the end counts.
func ParseSearchStage(stage string) (experiment string, round int, ok bool) {
	rest, found := strings.CutPrefix(stage, FamilySearch+"/")
	if !found {
		return "", 0, false
	}
	for end := len(rest); end > 0; {
		i := strings.LastIndex(rest[:end], roundSep)
		if i <= 0 {
			return "", 0, false
		}
		digits, _, _ := strings.Cut(rest[i+len(roundSep):], "/")
		if r, ok := parseRound(digits); ok {
			return rest[:i], r, true
		}
		end = i
	}
	return "", 0, false
}

// parseRound parses the decimal digits of a round number (any number of
// digits that fits an int; no sign).
func parseRound(s string) (int, bool) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, false
	}
	r, err := strconv.Atoi(s)
	return r, err == nil
}

// StudyName returns "run-<id>/<stage>", the name of the study a stage of run
// id makes.
func StudyName(run int, stage string) string { return RunPrefix(run) + stage }

// RunPrefix returns "run-<id>/", the prefix of every study name of run id.
func RunPrefix(run int) string { return "run-" + strconv.Itoa(run) + "/" }

// ParseStudyName splits "run-<id>/<stage>" into the run id and the stage name.
func ParseStudyName(name string) (run int, stage string, ok bool) {
	rest, found := strings.CutPrefix(name, "run-")
	if !found {
		return 0, "", false
	}
	id, stage, found := strings.Cut(rest, "/")
	if !found || id == "" || strings.TrimLeft(id, "0123456789") != "" {
		return 0, "", false
	}
	run, err := strconv.Atoi(id)
	if err != nil {
		return 0, "", false
	}
	return run, stage, true
}

// TrimRunPrefix returns name without a leading "run-<digits>/", or name
// unchanged when it has none.
func TrimRunPrefix(name string) string {
	rest, found := strings.CutPrefix(name, "run-")
	if !found {
		return name
	}
	id, stage, found := strings.Cut(rest, "/")
	if !found || id == "" || strings.TrimLeft(id, "0123456789") != "" {
		return name
	}
	return stage
}

// FitRoundStage returns the stage of round k of style.rounds for one
// manipulation and direction: round 1 (and 0, not in rounds) is the plain
// FitStage, later rounds "fit/<manipulation>/<direction>/round-<k>".
func FitRoundStage(manipulation, direction string, round int) string {
	if round <= 1 {
		return FitStage(manipulation, direction)
	}
	return FitStage(manipulation, direction) + "/" + Round(round)
}

// ParseFitRoundStage returns the manipulation, direction and round of a fit
// stage: round 1 for a plain "fit/<manipulation>/<direction>" (the first, or
// only, round), k for "fit/<manipulation>/<direction>/round-<k>" with k >= 2
// written without leading zeros (what FitRoundStage writes).
func ParseFitRoundStage(stage string) (manipulation, direction string, round int, ok bool) {
	if m, d, ok := ParseFitStage(stage); ok {
		return m, d, 1, true
	}
	i := strings.LastIndex(stage, roundSep)
	if i < 0 {
		return "", "", 0, false
	}
	digits := stage[i+len(roundSep):]
	k, ok := parseRound(digits)
	if !ok || k < 2 || digits[0] == '0' {
		return "", "", 0, false
	}
	m, d, ok := ParseFitStage(stage[:i])
	if !ok {
		return "", "", 0, false
	}
	return m, d, k, true
}

// RoundDiscriminator returns the name of the discriminator trained for
// round k (k >= 2) of style.rounds of a manipulation, "<manipulation>/round-<k>";
// its stage is DiscriminatorStage(RoundDiscriminator(m, k)). Round 1 uses
// DiscriminatorMain.
func RoundDiscriminator(manipulation string, round int) string {
	return manipulation + "/" + Round(round)
}

// ParseRoundDiscriminator inverts RoundDiscriminator: the manipulation (not
// empty, no slash) and round (>= 2, no leading zeros) of a discriminator
// name; content rounds' discriminators ("round-<k>") do not match.
func ParseRoundDiscriminator(name string) (manipulation string, round int, ok bool) {
	m, r, found := strings.Cut(name, roundSep)
	if !found || m == "" || strings.Contains(m, "/") || r == "" || r[0] == '0' {
		return "", 0, false
	}
	k, ok := parseRound(r)
	if !ok || k < 2 {
		return "", 0, false
	}
	return m, k, true
}

// SegmentationSeedStage returns "segmentation/<set>/seed-<k>", the stage of
// one training seed (k from 1, the short spec seed, not a derived one) of a
// segmentation training set trained several times. Its metrics are
// Metric(SegmentationSeedStage(set, k), MeasureAP) and likewise AP50, AP75.
// Every seed, the first included, is its own stage: a set's plain
// "segmentation/<set>" metrics, when present beside seeds, are taken as the
// runner's summary, never as one more seed.
func SegmentationSeedStage(set string, seed int) string {
	return SegmentationStage(set) + "/seed-" + strconv.Itoa(seed)
}

// ParseSegmentationSeedStage returns the set and seed of a
// "segmentation/<set>/seed-<k>" stage (k >= 1 without leading zeros; the set
// may contain slashes, the last "/seed-" separates it).
func ParseSegmentationSeedStage(stage string) (set string, seed int, ok bool) {
	rest, found := strings.CutPrefix(stage, FamilySegmentation+"/")
	if !found {
		return "", 0, false
	}
	i := strings.LastIndex(rest, "/seed-")
	if i <= 0 {
		return "", 0, false
	}
	d := rest[i+len("/seed-"):]
	if d == "" || d[0] == '0' {
		return "", 0, false
	}
	k, ok := parseRound(d)
	if !ok || k < 1 {
		return "", 0, false
	}
	return rest[:i], k, true
}

// ParseSearchStudyStage inverts SearchStage: the experiment, round, sampler
// and short spec seed (the n of "seed-<n>", not a derived seed) of
// "search/<experiment>/round-<k>/<sampler>/seed-<n>". The sampler may not
// contain a slash; n is decimal without sign or leading zeros.
func ParseSearchStudyStage(stage string) (experiment string, round int, sampler string, seed int64, ok bool) {
	i := strings.LastIndex(stage, "/seed-")
	if i < 0 {
		return "", 0, "", 0, false
	}
	digits := stage[i+len("/seed-"):]
	if digits == "" || strings.TrimLeft(digits, "0123456789") != "" || (digits[0] == '0' && digits != "0") {
		return "", 0, "", 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	if err != nil {
		return "", 0, "", 0, false
	}
	j := strings.LastIndexByte(stage[:i], '/')
	if j < 0 {
		return "", 0, "", 0, false
	}
	sampler = stage[j+1 : i]
	experiment, round, ok = ParseSearchRound(stage[:j])
	if !ok || sampler == "" || SearchStage(experiment, round, sampler, n) != stage {
		return "", 0, "", 0, false
	}
	return experiment, round, sampler, n, true
}
