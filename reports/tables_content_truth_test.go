package reports

import (
	"context"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/internal/keys"
)

// shelfMetrics is one exp2 round's truth metrics.
func shelfMetrics(m map[string]float64, search string, round int, called, top, bottom float64) {
	p := keys.SearchRound(search, round)
	for k, v := range map[string]float64{keys.MeasureTrials: 100, keys.MeasureShelfImages: 10, keys.MeasureShelfCalled: called,
		keys.MeasureShelfTopLevel: top, keys.MeasureShelfBottomLevel: bottom, keys.MeasureShelfTop: top, keys.MeasureShelfBottom: bottom,
		keys.MeasureShelfTopKind: 1, keys.MeasureShelfTopPose: top, keys.MeasureShelfBottomKind: 1, keys.MeasureShelfBottomPose: bottom} {
		m[keys.Metric(p, k)] = v
	}
}

// TestShelfVerdicts: each verdict of the shelf table comes out on
// synthetic rounds, including the published sequence (top right after round
// 1, the reverse after round 2) and a round whose best images none reached
// the threshold.
func TestShelfVerdicts(t *testing.T) {
	m := map[string]float64{}
	shelfMetrics(m, "exp2", 1, 10, 0.9, 0.1)
	shelfMetrics(m, "exp2", 2, 4, 0.2, 0.7)
	shelfMetrics(m, "exp2", 3, 10, 0.6, 0.5)
	shelfMetrics(m, "exp2", 4, 3, 0.1, 0.4)
	shelfMetrics(m, "exp2", 5, 0, 0.9, 0.1)
	m[keys.Metric(keys.SearchRound("exp2", 6), keys.MeasureTrials)] = 100 // a round without truth metrics: no row
	rd := &RunData{Metrics: m}
	tab, err := rd.Table(TableShelf)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{shelfTopOnly, shelfBottom, shelfBoth, shelfNeither, shelfNoVerdict}
	if len(tab.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(tab.Rows), len(want))
	}
	for i, w := range want {
		row := tab.Rows[i]
		if r := int(col(tab, row, "round").Num); r != i+1 {
			t.Errorf("row %d is round %d", i, r)
		}
		if got := col(tab, row, "verdict").Text; got != w {
			t.Errorf("round %d: verdict %q, want %q", i+1, got, w)
		}
	}
	if got := col(tab, tab.Rows[0], "top_level").Num; got != 0.9 {
		t.Errorf("round 1 top level %v, want 0.9", got)
	}
	for i, w := range []string{"top", "bottom", "top", "bottom", "top"} {
		if got := col(tab, tab.Rows[i], "lead").Text; got != w {
			t.Errorf("round %d: lead %q, want %q", i+1, got, w)
		}
	}
	if got := shelfLead(0.5, 0.53); got != "even" {
		t.Errorf("lead of 50%% vs 53%%: %q, want even", got)
	}
	fs := rd.contentTruthFindings()
	if len(fs) != 1 || !strings.Contains(fs[0].Text, "round 1 "+shelfTopOnly) || !strings.Contains(fs[0].Text, "round 2 "+shelfBottom) ||
		!strings.Contains(fs[0].Text, "the lead moves from the top level to the bottom; round 2") ||
		len(fs[0].Caveats) != 1 || !strings.Contains(fs[0].Caveats[0], "Round 5") {
		t.Errorf("findings %+v", fs)
	}
	figs := rd.contentTruthFigures()
	if len(figs) != 1 || figs[0].Name != "shelf-exp2" {
		t.Fatalf("figures %+v", figs)
	}
	png, err := figs[0].Render(context.Background(), nil, FigurePNG)
	if err != nil || len(png) < 1000 {
		t.Errorf("render: %d bytes, %v", len(png), err)
	}
}

func standingMetrics(m map[string]float64, stage string, n, called, prec, base float64) {
	m[keys.Metric(stage, keys.MeasureTruthTrials)] = n
	m[keys.Metric(stage, keys.MeasureCalledStanding)] = called
	m[keys.Metric(stage, keys.MeasureVertical)] = base
	if called > 0 {
		m[keys.Metric(stage, keys.MeasureStandingVertical)] = prec
	}
}

// TestStandingVerdicts: an overconfident discriminator (it calls 90% of the
// trials standing, of which 30% stand, about the base rate) and a sound one
// (few called, nearly all standing), with its blocks in trial order.
func TestStandingVerdicts(t *testing.T) {
	m := map[string]float64{}
	r1 := keys.SearchRound("exp1", 1)
	standingMetrics(m, r1, 20, 18, 0.3, 0.3)
	standingMetrics(m, keys.TrialBlock(r1, 11, 20), 10, 9, 0.2, 0.2)
	standingMetrics(m, keys.TrialBlock(r1, 1, 10), 10, 9, 0.4, 0.4)
	r2 := keys.SearchRound("exp1", 2)
	standingMetrics(m, r2, 20, 5, 1, 0.4)
	standingMetrics(m, keys.TrialBlock(r2, 1, 10), 10, 0, 0, 0.1)
	standingMetrics(m, keys.TrialBlock(r2, 11, 20), 10, 5, 1, 0.7)
	rd := &RunData{Metrics: m}
	tab, err := rd.Table(TableStanding)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]string{{"all", standingOverconfident}, {"1-10", standingOverconfident}, {"11-20", standingOverconfident},
		{"all", standingSound}, {"1-10", standingNone}, {"11-20", standingSound}}
	if len(tab.Rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(tab.Rows), len(want))
	}
	for i, w := range want {
		row := tab.Rows[i]
		if got := [2]string{col(tab, row, "trials_range").Text, col(tab, row, "verdict").Text}; got != w {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
	}
	if got := col(tab, tab.Rows[0], "called_share").Num; got != 0.9 {
		t.Errorf("called share %v, want 0.9", got)
	}
	if c := col(tab, tab.Rows[4], "stand_called"); c.Valid {
		t.Errorf("a block with none called standing has a precision %v", c.Num)
	}
	fs := rd.contentTruthFindings()
	if len(fs) != 2 || !strings.Contains(fs[0].Text, standingOverconfident) || len(fs[0].Caveats) != 1 ||
		!strings.Contains(fs[1].Text, standingSound) || len(fs[1].Caveats) != 0 {
		t.Errorf("findings %+v", fs)
	}
	figs := rd.contentTruthFigures()
	if len(figs) != 2 || figs[0].Name != "standing-exp1-round-1" {
		t.Fatalf("figures %+v", figs)
	}
	if png, err := figs[1].Render(context.Background(), nil, FigureSVG); err != nil || len(png) < 1000 {
		t.Errorf("render: %d bytes, %v", len(png), err)
	}
}
