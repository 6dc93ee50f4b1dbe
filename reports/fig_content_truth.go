package reports

import (
	"fmt"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cgx-dev/cgx/internal/keys"
)

// contentTruthFigures draws, per content search with shelf rule metrics,
// the rule per level over rounds, and per exp1 round the share of trials
// called standing that stand, block by block.
func (rd *RunData) contentTruthFigures() []Figure {
	var out []Figure
	rows := rd.shelfRows()
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].key.search == rows[i].key.search {
			j++
		}
		out = append(out, shelfFigure(rows[i:j]))
		i = j
	}
	st := rd.standingRows()
	for i := 0; i < len(st); {
		j := i
		for j < len(st) && st[j].key == st[i].key {
			j++
		}
		if f, ok := standingFigure(st[i:j]); ok {
			out = append(out, f)
		}
		i = j
	}
	return out
}

func shelfFigure(rows []shelfRow) Figure {
	search := rows[0].key.search
	title := fmt.Sprintf("Shelf rule per level on the best images: %s", search)
	series := []roundSeries{{label: "top level (images)"}, {label: "bottom level (images)"}, {label: "top objects"}, {label: "bottom objects"}}
	measures := []string{keys.MeasureShelfTopLevel, keys.MeasureShelfBottomLevel, keys.MeasureShelfTop, keys.MeasureShelfBottom}
	last := 1.0
	for _, r := range rows {
		x := float64(r.key.round)
		last = max(last, x)
		for i, m := range measures {
			if v, ok := r.m[m]; ok {
				series[i].pts = append(series[i].pts, plotter.XY{X: x, Y: v})
			}
		}
	}
	return Figure{
		Name:  slug("shelf", search),
		Title: title,
		Caption: "Per search round, on the round's best images (lowest loss, k = max(5, 10% of the trials)), the share of images whose three objects on a level all obey the shelf rule (top: small items standing; bottom: large items lying facing the camera), and the share of the objects on that level that obey it; read from the scene parameters cgx rendered. " +
			"Dashed: the 50% line a level's object share must reach to count as right. Each series has its own marker, so coinciding ones stay visible.",
		Width:  fitTitle(4.6*vg.Inch, title),
		Height: 3.2 * vg.Inch,
		prepare: noPrepare(func(cv draw.Canvas) {
			p := newPlot("shelf rule per level", "round", "share obeying the rule")
			p.Add(hline{shelfRight, dashed(seriesColor(7), 1)})
			addRoundSeries(p, series)
			p.Y.Min, p.Y.Max = 0, 1.3
			p.X.Min, p.X.Max = 0.8, last+0.2
			p.X.Tick.Marker = countTicks{}
			alignPlots(cv, title, [][]*plot.Plot{{p}})
		}),
	}
}

func standingFigure(rows []standingRow) (Figure, bool) {
	k := rows[0].key
	called, prec, base := roundSeries{label: "called standing (share of trials)"}, roundSeries{label: "stand among called"}, roundSeries{label: "stand among all"}
	lastTrial := 0.0
	for _, r := range rows {
		if r.last == 0 {
			continue
		}
		x := float64(r.last)
		lastTrial = max(lastTrial, x)
		if n := r.m[keys.MeasureTruthTrials]; n > 0 {
			called.pts = append(called.pts, plotter.XY{X: x, Y: r.m[keys.MeasureCalledStanding] / n})
		}
		if v, ok := r.m[keys.MeasureStandingVertical]; ok {
			prec.pts = append(prec.pts, plotter.XY{X: x, Y: v})
		}
		if v, ok := r.m[keys.MeasureVertical]; ok {
			base.pts = append(base.pts, plotter.XY{X: x, Y: v})
		}
	}
	if len(called.pts) == 0 {
		return Figure{}, false
	}
	title := fmt.Sprintf("Trials called standing that stand: %s", k)
	return Figure{
		Name:  slug("standing", k.search, keys.Round(k.round)),
		Title: title,
		Caption: "Per block of trials (x: the block's last trial), the share of trials the discriminator calls standing, the share of those whose bottle axis is really within 15 degrees of vertical (its precision) and the share of all trials that are. " +
			fmt.Sprintf("Dashed: %.0f%%, the precision below which the table calls the discriminator overconfident. A high called share with a precision near the all-trials share means the discriminator passes poses it should not.", 100*trustShare),
		Width:  fitTitle(4.6*vg.Inch, title),
		Height: 3.2 * vg.Inch,
		prepare: noPrepare(func(cv draw.Canvas) {
			p := newPlot("discriminator vs pose", "trials", "share")
			p.Add(hline{trustShare, dashed(seriesColor(7), 1)})
			addRoundSeries(p, []roundSeries{called, prec, base})
			p.Y.Min, p.Y.Max = 0, 1.3
			p.X.Min, p.X.Max = 0, lastTrial+1
			alignPlots(cv, title, [][]*plot.Plot{{p}})
		}),
	}, true
}
