package reports

import (
	"bytes"
	"context"
	"maps"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/reports/reporttest"
)

// TestRecoveryTablesGolden keeps every table of the Recovery fixture (rounds,
// bound counts, checks, segmentation seeds) in Markdown and JSON.
func TestRecoveryTablesGolden(t *testing.T) {
	rd := loadRecovery(t)
	for _, tab := range rd.Tables() {
		for _, format := range []string{FormatMarkdown, FormatJSON} {
			t.Run(tab.Name+"."+format, func(t *testing.T) {
				var b bytes.Buffer
				if err := tab.Write(&b, format); err != nil {
					t.Fatal(err)
				}
				checkGolden(t, "recovery/"+tab.Name+"."+formatExt[format], b.Bytes())
			})
		}
	}
}

func TestRecoveryChecks(t *testing.T) {
	rd := loadRecovery(t)
	rec, err := rd.Table(TableRecovery)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		key             []string
		sign, magnitude string
	}{
		// sigma >= 0 by construction: no sign check, and at the 3 px bound
		// on most images its magnitude check fails.
		{"blur at bound fails", []string{"blur cg-to-real", "1", "sigma"}, checkNA, checkFail},
		// |noise_std| within 10% of the plant while its sign alternates.
		{"noise magnitude", []string{"noise cg-to-real", "1", "noise_std"}, checkNA, checkPass},
		// Half the cast recovered: right sign, magnitude 50% off.
		{"half the cast", []string{"blur-brightness-contrast cg-to-real", "1", "contrast_g"}, checkPass, checkFail},
		// Planted 0 and barely moved (within a quarter of contrast_g's
		// planted size): no sign to check, the magnitude check passes.
		{"planted zero", []string{"blur-brightness-contrast cg-to-real", "1", "contrast_r"}, checkNA, checkPass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := cell(t, rec, "sign_check", tc.key...).Text; got != tc.sign {
				t.Errorf("sign check = %q, want %q", got, tc.sign)
			}
			if got := cell(t, rec, "magnitude_check", tc.key...).Text; got != tc.magnitude {
				t.Errorf("magnitude check = %q, want %q", got, tc.magnitude)
			}
		})
	}
	if got := cell(t, rec, "r_check", "blur cg-to-real", "1", "sigma").Text; got != checkFail {
		t.Errorf("blur sigma r check = %q, want fail (r 0.24)", got)
	}
	if got := cell(t, rec, "r_check", "blur-brightness-contrast cg-to-real", "1", "contrast_g").Text; got != checkPass {
		t.Errorf("contrast_g r check = %q, want pass", got)
	}
	if c := cell(t, rec, "at_bound", "blur cg-to-real", "1", "sigma"); c.Num != 14 {
		t.Errorf("blur sigma at bound = %v images, want 14", c.Num)
	}
	if c := cell(t, rec, "sign_agrees", "blur cg-to-real", "1", "sigma"); c.Text != checkNA {
		t.Errorf("blur sigma sign agrees = %q, want n/a (non-negative by construction)", c.Text)
	}
	if c := cell(t, rec, "fitted_mean", "noise cg-to-real", "1", "noise_std"); c.Num <= 0 {
		t.Errorf("noise_std fitted mean = %v, want |noise_std| > 0", c.Num)
	}
	if c := cell(t, rec, "r", "blur-brightness-contrast cg-to-real", "1", "contrast_g"); c.Num < 0.95 {
		t.Errorf("contrast_g r = %v, want > 0.95", c.Num)
	}
	prof, _ := rd.Table(TableProfile)
	if c := cell(t, prof, "at_bound", "blur cg-to-real", "1"); math.Abs(c.Num-0.7) > 1e-12 {
		t.Errorf("blur fit at bound share = %v, want 0.7", c.Num)
	}

	// A recovered magnitude passes: the same fit with the plant doubled.
	var s StudyData
	for _, st := range rd.Studies {
		if st.Manipulation == "blur" {
			s = st
		}
	}
	for i := range s.Trials {
		tr := &s.Trials[i]
		tr.Params = map[string]float64{"sigma": tr.Planted["sigma"] * 1.1}
		tr.AtBound = nil
	}
	r := studyRecovery(s)
	if len(r) != 1 || r[0].magnitudeCheck() != checkPass {
		t.Errorf("sigma within 10%% of its plant: magnitude check %q, want pass", r[0].magnitudeCheck())
	}
}

// TestRecoveryZeroCheck: a channel planted 0 beside one planted non-zero is
// judged by how far it moved, against a quarter of its sibling's planted
// size; a family with nothing planted sets no scale (n/a).
func TestRecoveryZeroCheck(t *testing.T) {
	rd := loadRecovery(t)
	var base StudyData
	for _, st := range rd.Studies {
		if st.Manipulation == "blur-brightness-contrast" && styleRound(st) == 1 {
			base = st
		}
	}
	if base.Manipulation == "" {
		t.Fatal("fixture has no round-1 blur-brightness-contrast study")
	}
	find := func(recs []recovery, p string) recovery {
		t.Helper()
		for _, r := range recs {
			if r.param == p {
				return r
			}
		}
		t.Fatalf("no recovery row for %s", p)
		return recovery{}
	}
	tests := []struct {
		name string
		red  func(green float64) float64 // contrast_r per image from contrast_g's plant
		want string
	}{
		{"red moves as far as green", func(g float64) float64 { return g }, checkFail},
		{"red moves a fifth of green", func(g float64) float64 { return 0.2 * g }, checkPass},
		{"red still", func(float64) float64 { return 0 }, checkPass},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := base
			s.Trials = make([]Trial, len(base.Trials))
			for i, tr := range base.Trials {
				tr.Params = maps.Clone(tr.Params)
				tr.Params["contrast_r"] = tc.red(tr.Planted["contrast_g"])
				s.Trials[i] = tr
			}
			r := find(studyRecovery(s), "contrast_r")
			if r.zeroSibling != "contrast_g" {
				t.Errorf("scale from %q, want contrast_g", r.zeroSibling)
			}
			if got := r.magnitudeCheck(); got != tc.want {
				t.Errorf("magnitude check = %q (moved %.4f, limit %.4f), want %q", got, median(r.absErr), r.zeroLimit, tc.want)
			}
		})
	}
	// Nothing planted in the family: no scale, n/a.
	recs := []recovery{{param: "hue", absErr: []float64{0.3}}, {param: "contrast_r", absErr: []float64{0.1}}}
	setZeroLimits(recs)
	for _, r := range recs {
		if got := r.magnitudeCheck(); got != checkNA {
			t.Errorf("%s with no planted sibling: magnitude check %q, want n/a", r.param, got)
		}
	}
}

func TestRoundsTable(t *testing.T) {
	rd := loadRecovery(t)
	tab, err := rd.Table(TableRounds)
	if err != nil {
		t.Fatal(err)
	}
	find := func(round int, param, col string) Cell {
		t.Helper()
		ri, ci, pi := -1, -1, -1
		for i, c := range tab.Columns {
			switch c.Key {
			case "round":
				ri = i
			case col:
				ci = i
			case "parameter":
				pi = i
			}
		}
		for _, row := range tab.Rows {
			if row[0].Text == "blur-brightness-contrast" && int(row[ri].Num) == round && row[pi].Valid && row[pi].Text == param ||
				row[0].Text == "blur-brightness-contrast" && int(row[ri].Num) == round && param == "" && !row[pi].Valid {
				return row[ci]
			}
		}
		t.Fatalf("no row for round %d %q", round, param)
		return Cell{}
	}
	if c := find(1, "sigma", "discriminator_accuracy"); c.Num != 0.996 {
		t.Errorf("round 1 accuracy = %v, want the main discriminator's 0.996", c.Num)
	}
	if c := find(2, "sigma", "discriminator_accuracy"); c.Num != 0.992 {
		t.Errorf("round 2 accuracy = %v, want 0.992", c.Num)
	}
	if c := find(3, "", "discriminator_accuracy"); c.Num != 0.55 {
		t.Errorf("round 3 (stopped) accuracy = %v, want 0.55", c.Num)
	}
	if c := find(3, "", "images"); c.Valid {
		t.Errorf("round 3 images = %v, want missing (no fit after the stop)", c.Num)
	}
	if c := find(2, "contrast_g", "cumulative_r"); c.Num != 0.87 {
		t.Errorf("round 2 cumulative r = %v, want the metric 0.87", c.Num)
	}
	if a, b := find(1, "contrast_g", "r"), find(1, "contrast_g", "cumulative_r"); a.Num != b.Num || !a.Valid {
		t.Errorf("round 1 cumulative r = %v, want its own %v", b, a)
	}
	if c := find(2, "sigma", "success_rate"); c.Num != 1 {
		t.Errorf("round 2 success = %v, want 1", c.Num)
	}
}

func TestSegmentationIntervals(t *testing.T) {
	rd := loadRecovery(t)
	tab, err := rd.Table(TableSegmentation)
	if err != nil {
		t.Fatal(err)
	}
	if got := tab.Rows[0][0].Text; got != "baseline" {
		t.Errorf("first row %q, want baseline", got)
	}
	const t2 = 4.302652729911275 // t(0.975, 2)
	// brightness-contrast: 0.53, 0.51, 0.55: mean 0.53, s = 0.02.
	half := t2 * 0.02 / math.Sqrt(3)
	near := func(name string, c Cell, want float64) {
		t.Helper()
		if !c.Valid || math.Abs(c.Num-want) > 1e-9 {
			t.Errorf("%s = %+v, want %v", name, c, want)
		}
	}
	near("seeds", cell(t, tab, "seeds", "brightness-contrast"), 3)
	near("AP", cell(t, tab, "AP", "brightness-contrast"), 0.53)
	near("AP low", cell(t, tab, "AP_ci_low", "brightness-contrast"), 0.53-half)
	near("AP high", cell(t, tab, "AP_ci_high", "brightness-contrast"), 0.53+half)
	// Paired differences to the baseline 0.480, 0.462, 0.495: 0.05, 0.048, 0.055.
	d := []float64{0.53 - 0.480, 0.51 - 0.462, 0.55 - 0.495}
	iv := tInterval(d)
	near("diff", cell(t, tab, "AP_diff", "brightness-contrast"), iv.mean)
	near("diff low", cell(t, tab, "AP_diff_ci_low", "brightness-contrast"), iv.low)
	if iv.low <= 0 {
		t.Errorf("brightness-contrast's paired interval [%v, %v] should exclude 0 in the fixture", iv.low, iv.hig)
	}
	if c := cell(t, tab, "AP_diff_ci_high", "blur"); c.Num >= 0 {
		t.Errorf("blur's paired interval should lie below 0, high = %v", c.Num)
	}
	if c := cell(t, tab, "AP_diff", "baseline"); c.Valid {
		t.Errorf("baseline difference = %v, want missing", c.Num)
	}
	// One seed: a mean, no interval.
	one := tInterval([]float64{0.4})
	if one.mean != 0.4 || !math.IsNaN(one.low) || !math.IsNaN(one.hig) {
		t.Errorf("one seed: %+v", one)
	}
}

// TestRoundsFigureGolden draws the Recovery fixture's rounds and
// segmentation figures and compares them with testdata/figures/recovery-*
// (-update rewrites them; look at them).
func TestRoundsFigureGolden(t *testing.T) {
	src := reporttest.Recovery()
	rd := loadRecovery(t)
	for _, name := range []string{"rounds-blur-brightness-contrast-cg-to-real", "segmentation-ap", "recovery-blur-cg-to-real", "recovery-blur-brightness-contrast-cg-to-real"} {
		f, err := rd.Figure(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Render(context.Background(), src, FigurePNG)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Render(context.Background(), src, FigureSVG); err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "figures", "recovery-"+f.Name+".png")
		if *update {
			if err := os.WriteFile(path, got, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read golden figure (run with -update to create it): %v", err)
		}
		if !pngClose(t, got, want) {
			t.Errorf("%s differs from %s; run with -update if intended", f.Name, path)
		}
	}
	for _, g := range rd.Figures() {
		if g.Name == "params-noise-cg-to-real" && !strings.Contains(g.Caption, "|noise_std|") {
			t.Errorf("noise caption does not explain |noise_std|: %s", g.Caption)
		}
		if g.Name == "params-blur-cg-to-real" && !strings.Contains(g.Caption, "sigma on 70.0%") {
			t.Errorf("blur caption lacks its bound caveat: %s", g.Caption)
		}
	}
}

func TestDistributionsTable(t *testing.T) {
	rd := loadRecovery(t)
	tab, err := rd.Table(TableDistributions)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Rows) != 6 {
		t.Fatalf("%d rows, want 6 (one per brightness-contrast parameter)", len(tab.Rows))
	}
	sp := cell(t, tab, "spread_median", "brightness-contrast cg-to-real", "contrast_g")
	if sp.Num < 0.01 || sp.Num > 0.012 {
		t.Errorf("spread median = %v, want within the fixture's 0.010..0.012", sp.Num)
	}
	if c := cell(t, tab, "magnitude_check", "brightness-contrast cg-to-real", "contrast_g"); c.Text != checkFail {
		t.Errorf("means at 60%% of the plant: magnitude check %q, want fail", c.Text)
	}
	if c := cell(t, tab, "r", "brightness-contrast cg-to-real", "contrast_g"); c.Num < 0.95 {
		t.Errorf("means r = %v, want > 0.95", c.Num)
	}
	// The distribution fit stays out of the point fits' tables.
	style, _ := rd.Table(TableStyle)
	for _, row := range style.Rows {
		if row[0].Text == "brightness-contrast" {
			t.Errorf("style-success has a brightness-contrast row from the distribution fit: %v", row)
		}
	}
	found := false
	for _, f := range rd.Figures() {
		found = found || f.Name == "params-brightness-contrast-cg-to-real-distribution"
	}
	if !found {
		t.Error("no params-brightness-contrast-cg-to-real-distribution figure")
	}
}
