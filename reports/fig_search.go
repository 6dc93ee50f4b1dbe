package reports

import (
	"fmt"
	"image/color"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// samplerColor gives each sampler a fixed colour across figures.
func samplerColor(name string) color.NRGBA {
	switch name {
	case "tpe":
		return seriesColor(0)
	case "cmaes":
		return seriesColor(1)
	case "random":
		return seriesColor(6)
	}
	h := 0
	for _, r := range name {
		h = h*31 + int(r)
	}
	return seriesColor(2 + (h%4+4)%4)
}

// bySampler splits a round's studies by sampler, keeping their order.
func bySampler(studies []StudyData) (names []string, groups map[string][]StudyData) {
	groups = map[string][]StudyData{}
	for _, s := range studies {
		if _, ok := groups[s.Sampler]; !ok {
			names = append(names, s.Sampler)
		}
		groups[s.Sampler] = append(groups[s.Sampler], s)
	}
	return names, groups
}

func samplerLabel(s string) string {
	if s == "" {
		return "(unnamed sampler)"
	}
	return s
}

func seedLabel(s StudyData) string {
	if n := s.seedName(); n != "" {
		return n
	}
	return fmt.Sprintf("study %d", s.ID)
}

func studyIDs(studies []StudyData) []int {
	ids := make([]int, len(studies))
	for i, s := range studies {
		ids[i] = s.ID
	}
	return ids
}

// thresholdLine marks the loss at which a trial reaches the success
// confidence of the first study.
func thresholdLine(studies []StudyData) (hline, string) {
	th := studies[0].Threshold
	lt := studies[0].LossThreshold()
	return hline{lt, dashed(color.Gray{Y: 40}, 1)}, fmt.Sprintf("p = %s (loss %s)", formatFloat(th, 2), formatFloat(lt, 3))
}

// historyFigure draws, per sampler, every trial's loss and the best loss so
// far, one colour per seed.
func historyFigure(k roundKey, studies []StudyData, name string) (Figure, bool) {
	if len(studies) == 0 {
		return Figure{}, false
	}
	samplers, groups := bySampler(studies)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range studies {
		for _, t := range s.Complete() {
			lo, hi = math.Min(lo, t.Value), math.Max(hi, t.Value)
		}
	}
	if math.IsInf(lo, 1) {
		return Figure{}, false
	}
	lt := studies[0].LossThreshold()
	lo, hi = math.Min(lo, lt), math.Max(hi, lt)
	pad := (hi - lo) * 0.05
	if pad == 0 {
		pad = 0.1
	}
	cols := min(3, len(samplers))
	rows := (len(samplers) + cols - 1) / cols
	title := fmt.Sprintf("Optimisation history: %s", k)
	return Figure{
		Name:  name,
		Title: title,
		Caption: "One panel per sampler, one colour per seed: dots are each trial's loss, the step line the best loss so far; " +
			"the dashed line is the loss at which the discriminator's confidence reaches the success threshold. All panels share the loss axis.",
		Studies: studyIDs(studies),
		Width:   fitTitle(vg.Length(cols)*3.3*vg.Inch+0.2*vg.Inch, title),
		Height:  vg.Length(rows)*3*vg.Inch + 0.35*vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			var grid [][]*plot.Plot
			for i, sampler := range samplers {
				p := newPlot(samplerLabel(sampler), "trial", "loss")
				th, thLabel := thresholdLine(studies)
				p.Add(th)
				for j, s := range groups[sampler] {
					col := seriesColor(j)
					var pts, best plotter.XYs
					b := math.Inf(1)
					trials := s.Complete()
					sort.SliceStable(trials, func(a, b int) bool { return trials[a].Index() < trials[b].Index() })
					for _, t := range trials {
						x := float64(t.Index() + 1)
						pts = append(pts, plotter.XY{X: x, Y: t.Value})
						b = math.Min(b, t.Value)
						best = append(best, plotter.XY{X: x, Y: b})
					}
					if len(pts) == 0 {
						continue
					}
					sc, _ := plotter.NewScatter(pts)
					sc.GlyphStyle = draw.GlyphStyle{Color: withAlpha(col, 170), Radius: vg.Points(1.8), Shape: draw.CircleGlyph{}}
					ln, _ := plotter.NewLine(best)
					ln.StepStyle = plotter.PostStep
					ln.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.6)}
					p.Add(sc, ln)
					p.Legend.Add(seedLabel(s), ln)
				}
				p.Legend.Add(thLabel, th)
				p.Y.Min, p.Y.Max = lo-pad, hi+pad+(hi-lo)*0.35 // headroom for the legend
				if i%cols == 0 {
					grid = append(grid, nil)
				}
				grid[len(grid)-1] = append(grid[len(grid)-1], p)
			}
			alignPlots(c, title, grid)
		}),
	}, true
}

// edfFigure draws the empirical distribution of trial losses per sampler,
// all seeds pooled.
func edfFigure(k roundKey, studies []StudyData, name string) (Figure, bool) {
	samplers, groups := bySampler(studies)
	type series struct {
		name string
		vals []float64
	}
	var ss []series
	for _, sampler := range samplers {
		var vals []float64
		for _, s := range groups[sampler] {
			for _, t := range s.Complete() {
				vals = append(vals, t.Value)
			}
		}
		if len(vals) > 0 {
			sort.Float64s(vals)
			ss = append(ss, series{sampler, vals})
		}
	}
	if len(ss) == 0 {
		return Figure{}, false
	}
	title := fmt.Sprintf("Loss distribution per sampler: %s", k)
	return Figure{
		Name:  name,
		Title: title,
		Caption: "Empirical distribution function of the trial losses of each sampler, all seeds pooled: the height at a loss is the fraction of trials at or below it. " +
			"A curve further left and higher finds low losses more often; the dashed line is the success threshold.",
		Studies: studyIDs(studies),
		Width:   fitTitle(5.5*vg.Inch, title),
		Height:  3.6 * vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			p := newPlot("", "loss", "fraction of trials at or below")
			lt := studies[0].LossThreshold()
			p.Add(vline{lt, dashed(color.Gray{Y: 40}, 1)})
			for _, s := range ss {
				n := float64(len(s.vals))
				pts := plotter.XYs{{X: s.vals[0], Y: 0}}
				for i, v := range s.vals {
					pts = append(pts, plotter.XY{X: v, Y: float64(i+1) / n})
				}
				ln, _ := plotter.NewLine(pts)
				ln.StepStyle = plotter.PostStep
				ln.LineStyle = draw.LineStyle{Color: samplerColor(s.name), Width: vg.Points(1.8)}
				p.Add(ln)
				p.Legend.Add(fmt.Sprintf("%s (%d trials)", samplerLabel(s.name), len(s.vals)), ln)
			}
			_, thLabel := thresholdLine(studies)
			p.Legend.Add(thLabel, vline{lt, dashed(color.Gray{Y: 40}, 1)})
			p.Legend.Top, p.Legend.Left = false, false
			p.Y.Min, p.Y.Max = 0, 1
			alignPlots(c, title, [][]*plot.Plot{{p}})
		}),
	}, true
}
