package reports

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// recoveryCaption says how to read a recovery figure.
const recoveryCaption = "One dot per fitted image: the value the fit found against the value planted in that image (trial attribute cgx.planted; in a later round of style.rounds, the gap the earlier rounds left). " +
	"On the dashed grey diagonal (fitted = planted) the fit measured the image's own gap; dots along a line flatter than it recover only part of each gap, and a cloud with no slope means the fitted value does not follow the image. " +
	"Filled dots: images whose value stayed inside its range; rings: the value ended at a bound of its range (a lower limit, not a measurement). r, the median relative error and the share at a bound are those of the gap-recovery table."

// recoveryFigure draws, for a style study whose images record their own
// planted values, each parameter whose planted value varies over images:
// fitted against planted, one dot per image, with the identity line.
func recoveryFigure(s StudyData, name string) (Figure, bool) {
	if !s.hasRecovery() {
		return Figure{}, false
	}
	var recs []recovery
	for _, r := range studyRecovery(s) {
		if r.variesPerImage() {
			recs = append(recs, r)
		}
	}
	if len(recs) == 0 {
		return Figure{}, false
	}
	title := fmt.Sprintf("Per-image recovery: %s (%d images)", figureLabel(s), len(recs[0].fitted))
	return panelsFigure(name, title, recoveryCaption, []int{s.ID}, len(recs), 3.2*vg.Inch, 3.1*vg.Inch,
		func(i int) *plot.Plot { return recoveryPlot(recs[i]) }), true
}

// recoveryPlot is one parameter's panel: dots in range, rings at a bound,
// the identity line, both axes over the same range (0 included).
func recoveryPlot(r recovery) *plot.Plot {
	head := paramLabel(r.param)
	if c := r.corr(); !math.IsNaN(c) {
		head += ": r " + formatFloat(c, 2)
	} else {
		head += ": r n/a"
	}
	if e := median(r.relErr); !math.IsNaN(e) {
		head += ", rel. error " + pct(e)
	}
	if r.atBound() > 0 {
		head += ", " + pct(r.boundShare()) + " at a bound"
	}
	p := newPlot(head, "planted", "fitted")
	lo, hi := 0.0, 0.0
	var in, out plotter.XYs
	for i, f := range r.fitted {
		pt := plotter.XY{X: r.perImage[i], Y: f}
		lo, hi = math.Min(lo, math.Min(pt.X, pt.Y)), math.Max(hi, math.Max(pt.X, pt.Y))
		if r.bounded[i] {
			out = append(out, pt)
		} else {
			in = append(in, pt)
		}
	}
	pad := 0.05 * (hi - lo)
	if pad == 0 {
		pad = 0.5
	}
	lo, hi = lo-pad, hi+pad
	diag, err := plotter.NewLine(plotter.XYs{{X: lo, Y: lo}, {X: hi, Y: hi}})
	if err == nil {
		diag.LineStyle = dashed(color.Gray{Y: 110}, 1)
		p.Add(diag)
	}
	if len(in) > 0 {
		if sc, err := plotter.NewScatter(in); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: withAlpha(seriesColor(0), 200), Radius: vg.Points(2.2), Shape: draw.CircleGlyph{}}
			p.Add(sc)
		}
	}
	if len(out) > 0 {
		if sc, err := plotter.NewScatter(out); err == nil {
			sc.GlyphStyle = draw.GlyphStyle{Color: seriesColor(1), Radius: vg.Points(3), Shape: draw.RingGlyph{}}
			p.Add(sc)
		}
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = lo, hi, lo, hi
	return p
}
