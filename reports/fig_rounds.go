package reports

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// roundGlyphs give each series of a rounds panel its own marker, so series
// that coincide (two cues both at 100% success) stay visible.
var roundGlyphs = []draw.GlyphDrawer{draw.CircleGlyph{}, draw.SquareGlyph{}, draw.TriangleGlyph{}, draw.CrossGlyph{}, draw.PlusGlyph{}, draw.RingGlyph{}, draw.BoxGlyph{}}

// roundsFigures draws, per manipulation fitted with style.rounds, its
// discriminator accuracy and success per round, and per planted cue the
// cumulative fitted median as a share of the planted one and the cumulative r.
func (rd *RunData) roundsFigures() []Figure {
	rows := rd.roundsOf()
	var out []Figure
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].key.manipulation == rows[i].key.manipulation && rows[j].key.direction == rows[i].key.direction {
			j++
		}
		out = append(out, roundsFigure(rows[i:j]))
		i = j
	}
	return out
}

type roundSeries struct {
	label string
	pts   plotter.XYs
}

func roundsFigure(rows []roundRow) Figure {
	k := rows[0].key
	title := fmt.Sprintf("Iterated discriminator rounds: %s %s", k.manipulation, k.direction)
	acc, succ := roundSeries{label: "D held-out accuracy"}, roundSeries{label: "success rate of the fit"}
	share, corr := map[string]*roundSeries{}, map[string]*roundSeries{}
	var cues []string
	for _, r := range rows {
		x := float64(r.key.round)
		if !math.IsNaN(r.accuracy) {
			acc.pts = append(acc.pts, plotter.XY{X: x, Y: r.accuracy})
		}
		if !math.IsNaN(r.successRate) {
			succ.pts = append(succ.pts, plotter.XY{X: x, Y: r.successRate})
		}
		for _, c := range r.cues {
			if math.IsNaN(c.cumPlanted) || math.Abs(c.cumPlanted) < 1e-9 {
				continue
			}
			if share[c.param] == nil {
				share[c.param], corr[c.param] = &roundSeries{label: c.param}, &roundSeries{label: c.param}
				cues = append(cues, c.param)
			}
			if !math.IsNaN(c.cumFitted) {
				share[c.param].pts = append(share[c.param].pts, plotter.XY{X: x, Y: c.cumFitted / c.cumPlanted})
			}
			if !math.IsNaN(c.cumR) {
				corr[c.param].pts = append(corr[c.param].pts, plotter.XY{X: x, Y: c.cumR})
			}
		}
	}
	SortParamNames(cues)
	last := float64(rows[len(rows)-1].key.round)
	panels := 1
	if len(cues) > 0 {
		panels = 3
	}
	return Figure{
		Name:  slug("rounds", k.manipulation, k.direction),
		Title: title,
		Caption: "Left: the held-out accuracy of each round's discriminator (round 1: main; a round drawn without a success rate is where the rounds stopped, its discriminator below style.round_accuracy) and the share of images whose fit fooled it. " +
			"Middle: per planted cue, the median of the values of all rounds so far composed, as a share of the median planted value (1, dashed: the gap recovered; 0: untouched). " +
			"Right: the Pearson r over images of those composed values against each image's planted value. Each series has its own marker, so coinciding ones stay visible.",
		Width:  fitTitle(vg.Length(panels)*3.4*vg.Inch+0.2*vg.Inch, title),
		Height: 3.2 * vg.Inch,
		prepare: noPrepare(func(cv draw.Canvas) {
			left := newPlot("discriminator and fit", "round", "share")
			addRoundSeries(left, []roundSeries{acc, succ})
			left.Y.Min, left.Y.Max = 0, 1.05
			left.Legend.Top = false
			row := []*plot.Plot{left}
			if len(cues) > 0 {
				mid := newPlot("cumulative fitted / planted (median)", "round", "share of planted")
				mid.Add(hline{1, dashed(seriesColor(7), 1)})
				var ss, rs []roundSeries
				for _, c := range cues {
					ss, rs = append(ss, *share[c]), append(rs, *corr[c])
				}
				addRoundSeries(mid, ss)
				mid.Y.Min, mid.Y.Max = math.Min(0, mid.Y.Min), math.Max(1.5, mid.Y.Max*1.45)
				right := newPlot("cumulative r over images", "round", "r")
				addRoundSeries(right, rs)
				right.Y.Min, right.Y.Max = -1, 1
				right.Legend.Top = false
				row = append(row, mid, right)
			}
			for _, p := range row {
				p.X.Min, p.X.Max = 0.8, last+0.2
				p.X.Tick.Marker = countTicks{}
			}
			alignPlots(cv, title, [][]*plot.Plot{row})
		}),
	}
}

// addRoundSeries adds each series as a line with markers, one colour, line
// width and marker per series.
func addRoundSeries(p *plot.Plot, series []roundSeries) {
	for i, s := range series {
		if len(s.pts) == 0 {
			continue
		}
		ln, sc, err := plotter.NewLinePoints(s.pts)
		if err != nil {
			continue
		}
		col := seriesColor(i)
		ln.LineStyle = seriesLine(col, i)
		sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(3.5 - 0.4*float64(i%4)), Shape: roundGlyphs[i%len(roundGlyphs)]}
		p.Add(ln, sc)
		p.Legend.Add(s.label, ln, sc)
	}
}
