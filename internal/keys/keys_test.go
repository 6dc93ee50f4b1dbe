package keys

import (
	"strings"
	"testing"
)

func TestStageNames(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"dataset", DatasetStage("cg"), "dataset/cg"},
		{"discriminator", DiscriminatorStage(DiscriminatorMain), "discriminator/main"},
		{"content discriminator", DiscriminatorStage(Round(2)), "discriminator/round-2"},
		{"fit", FitStage("blur", DirectionCGToReal), "fit/blur/cg-to-real"},
		{"search round", SearchRound("exp2.1", 1), "search/exp2.1/round-1"},
		{"search stage", SearchStage("exp2.1", 1, "cmaes", 2), "search/exp2.1/round-1/cmaes/seed-2"},
		{"mix", MixStage(3), "mix/round-3"},
		{"segmentation", SegmentationStage(BaselineSet), "segmentation/baseline"},
		{"study", StudyName(3, FitStage("brightness-contrast", DirectionCGToReal)), "run-3/fit/brightness-contrast/cg-to-real"},
		{"metric", Metric(FitStage("blur", DirectionCGToReal), MeasureImages), "fit/blur/cg-to-real/images"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestParseSearch(t *testing.T) {
	tests := []struct {
		stage      string
		exp        string
		round      int
		stageOK    bool
		exactRound bool
	}{
		{"search/exp1/round-1", "exp1", 1, true, true},
		{"search/exp1/round-12/tpe/seed-3", "exp1", 12, true, false},
		{"search/a/b/round-2", "a/b", 2, true, true},
		{"search/a/round-1/b/round-2", "a/round-1/b", 2, true, true},
		{"search/a/round-1/round-x", "a", 1, true, false},
		{"search/round-1", "", 0, false, false},
		{"search//round-1", "", 0, false, false},
		{"search/a/round-", "", 0, false, false},
		{"search/a/round--1", "", 0, false, false},
		{"search/a/round-1x", "", 0, false, false},
		{"search/a/round-99999999999999999999", "", 0, false, false},
		{"fit/a/round-1", "", 0, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.stage, func(t *testing.T) {
			exp, r, ok := ParseSearchStage(tc.stage)
			if ok != tc.stageOK || (ok && (exp != tc.exp || r != tc.round)) {
				t.Errorf("ParseSearchStage = %q, %d, %v; want %q, %d, %v", exp, r, ok, tc.exp, tc.round, tc.stageOK)
			}
			exp, r, ok = ParseSearchRound(tc.stage)
			if ok != tc.exactRound || (ok && (exp != tc.exp || r != tc.round)) {
				t.Errorf("ParseSearchRound = %q, %d, %v; want exact %v", exp, r, ok, tc.exactRound)
			}
		})
	}
}

func TestParseRoundsAndSeeds(t *testing.T) {
	fits := []struct {
		stage string
		m, d  string
		round int
		ok    bool
	}{
		{"fit/blur/cg-to-real", "blur", "cg-to-real", 1, true},
		{"fit/blur/cg-to-real/round-2", "blur", "cg-to-real", 2, true},
		{"fit/blur-brightness-contrast/cg-to-real/round-12", "blur-brightness-contrast", "cg-to-real", 12, true},
		{"fit/blur/cg-to-real/round-1", "", "", 0, false}, // round 1 is written plain
		{"fit/blur/cg-to-real/round-02", "", "", 0, false},
		{"fit/blur/cg-to-real/round-", "", "", 0, false},
		{"fit/a/b/c/round-2", "", "", 0, false},
		{"search/e/round-2", "", "", 0, false},
	}
	for _, tc := range fits {
		m, d, k, ok := ParseFitRoundStage(tc.stage)
		if ok != tc.ok || m != tc.m || d != tc.d || k != tc.round {
			t.Errorf("ParseFitRoundStage(%q) = %q %q %d %v; want %q %q %d %v", tc.stage, m, d, k, ok, tc.m, tc.d, tc.round, tc.ok)
		}
	}
	if got := FitRoundStage("blur", DirectionCGToReal, 3); got != "fit/blur/cg-to-real/round-3" {
		t.Errorf("FitRoundStage = %q", got)
	}
	if got := FitRoundStage("blur", DirectionCGToReal, 1); got != FitStage("blur", DirectionCGToReal) {
		t.Errorf("FitRoundStage round 1 = %q", got)
	}
	if m, k, ok := ParseRoundDiscriminator(RoundDiscriminator("noise", 3)); !ok || m != "noise" || k != 3 {
		t.Errorf("ParseRoundDiscriminator: %q %d %v", m, k, ok)
	}
	for _, bad := range []string{"main", "round-2", "a/b/round-2", "noise/round-1", "noise/round-02", "noise/round-2/x"} {
		if _, _, ok := ParseRoundDiscriminator(bad); ok {
			t.Errorf("ParseRoundDiscriminator(%q) accepted", bad)
		}
	}
	if got := Metric(SegmentationSeedStage("blur", 2), MeasureAP); got != "segmentation/blur/seed-2/AP" {
		t.Errorf("segmentation seed metric = %q", got)
	}
	if set, k, ok := ParseSegmentationSeedStage("segmentation/a/b/seed-10"); !ok || set != "a/b" || k != 10 {
		t.Errorf("ParseSegmentationSeedStage: %q %d %v", set, k, ok)
	}
	for _, bad := range []string{"segmentation/baseline", "segmentation/seed-1", "segmentation/a/seed-0", "segmentation/a/seed-01", "segmentation/a/seed-", "fit/a/seed-1"} {
		if _, _, ok := ParseSegmentationSeedStage(bad); ok {
			t.Errorf("ParseSegmentationSeedStage(%q) accepted", bad)
		}
	}
}

func TestParseOthers(t *testing.T) {
	if m, d, ok := ParseFitStage("fit/hsv/real-to-cg"); !ok || m != "hsv" || d != "real-to-cg" {
		t.Errorf("ParseFitStage: %q %q %v", m, d, ok)
	}
	for _, bad := range []string{"fit/hsv", "fit//x", "fit/a/b/c", "fit/a/", "dataset/a/b"} {
		if _, _, ok := ParseFitStage(bad); ok {
			t.Errorf("ParseFitStage(%q) accepted", bad)
		}
	}
	if n, ok := ParseDiscriminatorStage("discriminator/a/b"); !ok || n != "a/b" {
		t.Errorf("ParseDiscriminatorStage: %q %v", n, ok)
	}
	if _, ok := ParseDiscriminatorStage("discriminator/"); ok {
		t.Error("empty discriminator name accepted")
	}
	if s, ok := ParseSegmentationStage("segmentation/baseline"); !ok || s != "baseline" {
		t.Errorf("ParseSegmentationStage: %q %v", s, ok)
	}
	if r, s, ok := ParseStudyName("run-07/fit/x/y"); !ok || r != 7 || s != "fit/x/y" {
		t.Errorf("ParseStudyName: %d %q %v", r, s, ok)
	}
	for _, bad := range []string{"run-/x", "run-x/y", "run-1", "Run-1/x", "run-99999999999999999999/x"} {
		if _, _, ok := ParseStudyName(bad); ok {
			t.Errorf("ParseStudyName(%q) accepted", bad)
		}
	}
	if got := TrimRunPrefix("run-3/search/e/round-1"); got != "search/e/round-1" {
		t.Errorf("TrimRunPrefix: %q", got)
	}
	if got := TrimRunPrefix("other/run-3/x"); got != "other/run-3/x" {
		t.Errorf("TrimRunPrefix changed a name without the prefix: %q", got)
	}
	if st, m, ok := SplitMetric("search/e/round-1/tpe/seed-1/best_loss"); !ok || st != "search/e/round-1/tpe/seed-1" || m != MeasureBestLoss {
		t.Errorf("SplitMetric: %q %q %v", st, m, ok)
	}
	for _, bad := range []string{"accuracy", "/accuracy", "fit/x/"} {
		if _, _, ok := SplitMetric(bad); ok {
			t.Errorf("SplitMetric(%q) accepted", bad)
		}
	}
}

// FuzzParsers requires every parser to invert its constructor: what a parser
// accepts, the constructor rebuilds byte for byte, and nothing panics.
func FuzzParsers(f *testing.F) {
	for _, s := range []string{"search/exp1/round-1/tpe/seed-1", "fit/blur/cg-to-real", "run-3/x", "discriminator/main",
		"segmentation/baseline", "a/b/accuracy", "search/a/round-1/round-2", "search/a/round-01",
		"fit/blur/cg-to-real/round-3", "blur/round-2", "segmentation/a/b/seed-3", "fit/a/b/round-01",
		"search/exp1/round-1/trials-1-10", "x/trials-01-2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if m, d, ok := ParseFitStage(s); ok && FitStage(m, d) != s {
			t.Errorf("fit %q -> %q %q", s, m, d)
		}
		if m, d, k, ok := ParseFitRoundStage(s); ok && (FitRoundStage(m, d, k) != s || k < 1) {
			t.Errorf("fit round %q -> %q %q %d", s, m, d, k)
		}
		if m, k, ok := ParseRoundDiscriminator(s); ok && (RoundDiscriminator(m, k) != s || k < 2) {
			t.Errorf("round discriminator %q -> %q %d", s, m, k)
		}
		if set, k, ok := ParseSegmentationSeedStage(s); ok && (SegmentationSeedStage(set, k) != s || k < 1) {
			t.Errorf("segmentation seed %q -> %q %d", s, set, k)
		}
		if e, r, sa, n, ok := ParseSearchStudyStage(s); ok && SearchStage(e, r, sa, n) != s {
			t.Errorf("search study %q -> %q %d %q %d", s, e, r, sa, n)
		}
		if m, d, ok := ParseFitDistributionStage(s); ok && FitDistributionStage(m, d) != s {
			t.Errorf("fit distribution %q -> %q %q", s, m, d)
		}
		if r, a, b, ok := ParseTrialBlock(s); ok && (TrialBlock(r, a, b) != s || a < 1 || b < a) {
			t.Errorf("trial block %q -> %q %d %d", s, r, a, b)
		}
		if n, ok := ParseDiscriminatorStage(s); ok && DiscriminatorStage(n) != s {
			t.Errorf("discriminator %q -> %q", s, n)
		}
		if n, ok := ParseSegmentationStage(s); ok && SegmentationStage(n) != s {
			t.Errorf("segmentation %q -> %q", s, n)
		}
		if st, m, ok := SplitMetric(s); ok && (Metric(st, m) != s || strings.Contains(m, "/")) {
			t.Errorf("metric %q -> %q %q", s, st, m)
		}
		if e, r, ok := ParseSearchRound(s); ok {
			// Leading zeros are accepted, as the readers' regexps did; the
			// constructor writes none.
			if got := SearchRound(e, r); got != s && !strings.Contains(s, roundSep+"0") {
				t.Errorf("search round %q -> %q %d -> %q", s, e, r, got)
			}
			if e2, r2, ok := ParseSearchStage(s); !ok || e2 != e || r2 != r {
				t.Errorf("search round %q is not a search stage: %q %d %v", s, e2, r2, ok)
			}
		}
		if e, r, ok := ParseSearchStage(s); ok {
			if !strings.HasPrefix(s, FamilySearch+"/"+e+roundSep) || r < 0 {
				t.Errorf("search stage %q -> %q %d", s, e, r)
			}
		}
		if r, st, ok := ParseStudyName(s); ok {
			if r < 0 || TrimRunPrefix(s) != st {
				t.Errorf("study %q -> %d %q", s, r, st)
			}
			if got := StudyName(r, st); got != s && !strings.HasPrefix(s, "run-0") {
				t.Errorf("study %q -> %d %q -> %q", s, r, st, got)
			}
		}
	})
}

func TestParseFitDistributionStage(t *testing.T) {
	if m, d, ok := ParseFitDistributionStage(FitDistributionStage("brightness-contrast", DirectionCGToReal)); !ok || m != "brightness-contrast" || d != DirectionCGToReal {
		t.Errorf("ParseFitDistributionStage: %q %q %v", m, d, ok)
	}
	for _, bad := range []string{"fit/a/b", "fit-distribution/a", "fit-distribution/a/b/c", "fit-distribution//b"} {
		if _, _, ok := ParseFitDistributionStage(bad); ok {
			t.Errorf("ParseFitDistributionStage(%q) accepted", bad)
		}
	}
	if _, _, ok := ParseFitStage(FitDistributionStage("a", "b")); ok {
		t.Error("a distribution fit parses as a point fit")
	}
}

func TestParseSearchStudyStage(t *testing.T) {
	e, r, sa, n, ok := ParseSearchStudyStage(SearchStage("exp2.1", 2, "cmaes", 3))
	if !ok || e != "exp2.1" || r != 2 || sa != "cmaes" || n != 3 {
		t.Errorf("ParseSearchStudyStage = %q %d %q %d %v", e, r, sa, n, ok)
	}
	for _, bad := range []string{"search/e/round-1/cmaes", "search/e/round-1/seed-2", "search/e/round-1/cmaes/seed-02",
		"search/e/round-1/a/b/seed-2", "search/e/round-01/cmaes/seed-2", "fit/a/b/seed-1", "search/e/round-1/cmaes/seed-"} {
		if _, _, _, _, ok := ParseSearchStudyStage(bad); ok {
			t.Errorf("ParseSearchStudyStage(%q) accepted", bad)
		}
	}
}

func TestParseRecoveryMeasure(t *testing.T) {
	for _, tc := range []struct {
		in          string
		stat, param string
		cum, ok     bool
	}{
		{RecoveryMeasure(StatR, "sigma"), StatR, "sigma", false, true},
		{Cumulative(RecoveryMeasure(StatMedianRelError, "contrast_g")), StatMedianRelError, "contrast_g", true, true},
		{MeasureAtBound, "", "", false, false},
		{"r.", "", "", false, false},
		{".x", "", "", false, false},
	} {
		st, p, c, ok := ParseRecoveryMeasure(tc.in)
		if st != tc.stat || p != tc.param || c != tc.cum || ok != tc.ok {
			t.Errorf("ParseRecoveryMeasure(%q) = %q %q %v %v", tc.in, st, p, c, ok)
		}
	}
}

func TestParseTrialBlock(t *testing.T) {
	round := SearchRound("exp1", 2)
	stage := TrialBlock(round, 11, 20)
	if stage != "search/exp1/round-2/trials-11-20" {
		t.Fatalf("TrialBlock = %q", stage)
	}
	r, a, b, ok := ParseTrialBlock(stage)
	if !ok || r != round || a != 11 || b != 20 {
		t.Errorf("ParseTrialBlock(%q) = %q %d %d %v", stage, r, a, b, ok)
	}
	for _, bad := range []string{"trials-1-2", "search/exp1/round-1/trials-0-3", "search/exp1/round-1/trials-5-4",
		"search/exp1/round-1/trials-01-4", "search/exp1/round-1/trials-1", "search/exp1/round-1/tpe"} {
		if _, _, _, ok := ParseTrialBlock(bad); ok {
			t.Errorf("ParseTrialBlock(%q) ok", bad)
		}
	}
}
