package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cgx-dev/cgx/internal/keys"
)

// intervalRow is one training set drawn as a horizontal interval: the mean,
// its 95% interval and the per-seed values.
type intervalRow struct {
	mean, low, high float64
	values          []float64
}

// intervalRows draws row i at y = i (top row first): a thick bar from low
// to high (none when unknown), a diamond at the mean, small rings at the
// seed values.
type intervalRows struct {
	rows  []intervalRow
	color color.NRGBA
}

func (r intervalRows) y(i int) float64 { return float64(len(r.rows) - 1 - i) }

func (r intervalRows) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for i, row := range r.rows {
		y := trY(r.y(i))
		if !math.IsNaN(row.low) && !math.IsNaN(row.high) {
			bar := draw.LineStyle{Color: withAlpha(r.color, 150), Width: vg.Points(4)}
			c.StrokeLines(bar, c.ClipLinesX([]vg.Point{{X: trX(row.low), Y: y}, {X: trX(row.high), Y: y}})...)
		}
		for _, v := range row.values {
			pt := vg.Point{X: trX(v), Y: y}
			if c.Contains(pt) {
				c.DrawGlyph(draw.GlyphStyle{Color: color.Gray{Y: 60}, Radius: vg.Points(2.5), Shape: draw.RingGlyph{}}, pt)
			}
		}
		if pt := (vg.Point{X: trX(row.mean), Y: y}); !math.IsNaN(row.mean) && c.Contains(pt) {
			c.DrawGlyph(draw.GlyphStyle{Color: r.color, Radius: vg.Points(4.5), Shape: draw.PyramidGlyph{}}, pt)
		}
	}
}

func (r intervalRows) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax = math.Inf(1), math.Inf(-1)
	for _, row := range r.rows {
		for _, v := range append([]float64{row.mean, row.low, row.high}, row.values...) {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				xmin, xmax = math.Min(xmin, v), math.Max(xmax, v)
			}
		}
	}
	return xmin, xmax, -0.6, float64(len(r.rows)) - 0.4
}

// vzero marks x = 0 across a panel.
func vzero() vline { return vline{0, dashed(color.Gray{Y: 90}, 1)} }

// segmentationFigure draws the segmentation table: per training set its
// mean AP with the 95% interval over seeds and each seed's AP, and the
// paired difference to baseline with its interval; only when some set was
// trained with two or more seeds.
func (rd *RunData) segmentationFigure() (Figure, bool) {
	sets := rd.segmentationSets()
	seeded := false
	for _, r := range sets {
		_, vals := r.values(keys.MeasureAP)
		seeded = seeded || len(vals) > 1
	}
	if !seeded {
		return Figure{}, false // one value per set: the table says it all, no interval to draw
	}
	names := sortedKeys(sets)
	sort.SliceStable(names, func(i, j int) bool { return names[i] == keys.BaselineSet && names[j] != keys.BaselineSet })
	base, hasBase := sets[keys.BaselineSet]
	var ap, diff []intervalRow
	labels := make([]string, len(names))
	for i, name := range names {
		r := sets[name]
		_, vals := r.values(keys.MeasureAP)
		iv := tInterval(vals)
		ap = append(ap, intervalRow{mean: iv.mean, low: iv.low, high: iv.hig, values: vals})
		d := intervalRow{mean: math.NaN(), low: math.NaN(), high: math.NaN()}
		if hasBase && name != keys.BaselineSet {
			var ds []float64
			for _, k := range sortedInts(r) {
				a, ok1 := r[k][keys.MeasureAP]
				b, ok2 := base[k][keys.MeasureAP]
				if ok1 && ok2 {
					ds = append(ds, a-b)
				}
			}
			div := tInterval(ds)
			d = intervalRow{mean: div.mean, low: div.low, high: div.hig, values: ds}
		}
		diff = append(diff, d)
		labels[i] = fmt.Sprintf("%s (%d)", name, len(vals))
	}
	title := "Segmentation AP per training set, over training seeds"
	panels := 1
	if hasBase && len(names) > 1 {
		panels = 2
	}
	return Figure{
		Name:  "segmentation-ap",
		Title: title,
		Caption: "Left: mask AP on the held-out real images per training set (seeds in brackets): the triangle is the mean over seeds, the bar its 95% t-interval, rings the seeds. " +
			"The AP axis stops at 0 and 1, clipping intervals that reach past them (the table keeps their values). Right: the paired difference to the baseline (same training seed), with its 95% t-interval; a bar clear of the dashed 0 line is a difference the seeds support. With one or two seeds the intervals are missing or very wide.",
		Width:  fitTitle(vg.Length(panels)*4.2*vg.Inch+1.4*vg.Inch, title),
		Height: vg.Length(len(names))*0.32*vg.Inch + 1.3*vg.Inch,
		prepare: noPrepare(func(cv draw.Canvas) {
			ticks := make([]plot.Tick, len(names))
			for i := range names {
				ticks[i] = plot.Tick{Value: float64(len(names) - 1 - i), Label: labels[i]}
			}
			left := newPlot("AP", "mask AP (IoU 0.50:0.95)", "")
			left.Add(intervalRows{rows: ap, color: seriesColor(0)})
			left.Y.Tick.Marker = plot.ConstantTicks(ticks)
			row := []*plot.Plot{left}
			if panels == 2 {
				right := newPlot("Δ AP vs baseline (paired)", "difference in AP", "")
				right.Add(vzero(), intervalRows{rows: diff, color: seriesColor(1)})
				right.Y.Tick.Marker = plot.ConstantTicks(ticks)
				row = append(row, right)
			}
			for _, p := range row {
				p.Y.Min, p.Y.Max = -0.6, float64(len(names))-0.4
			}
			// AP lies in [0, 1]: a t-interval over few seeds can reach
			// past it (the table keeps the numbers); the panel clips there.
			left.X.Min, left.X.Max = math.Max(0, left.X.Min), math.Min(1, left.X.Max)
			if left.X.Max <= left.X.Min {
				left.X.Min, left.X.Max = 0, 1
			}
			alignPlots(cv, title, [][]*plot.Plot{row})
		}),
	}, true
}
