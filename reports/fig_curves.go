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

// Curves over steps: a fit's loss after every step (the trials' intermediate
// values) and the confidence exp(−loss) it stands for.

// maxCurveLines bounds the per-trial lines a curve figure draws (the first
// by trial number); the median uses every trial.
const maxCurveLines = 200

// curveTrials returns the complete trials of studies with at least two
// steps on their curve, by study then trial number.
func curveTrials(studies []StudyData) []Trial {
	var out []Trial
	for _, s := range studies {
		for _, t := range s.Complete() {
			n := 0
			for _, v := range t.Curve {
				if !math.IsNaN(v) && !math.IsInf(v, 0) {
					n++
				}
			}
			if n >= 2 {
				out = append(out, t)
			}
		}
	}
	return out
}

// carried returns the trial's curve value at step k, carrying its last
// finite value forward past its end and over gaps (a fit that stopped keeps
// its final loss); NaN before its first value.
func carried(c []float64, k int) float64 {
	for i := min(k, len(c)-1); i >= 0; i-- {
		if v := c[i]; !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v
		}
	}
	return math.NaN()
}

// MedianCurve returns, per step from 0 to the longest curve's end, the
// median over trials of each trial's loss at that step, a trial that
// stopped earlier counting with its final loss.
func MedianCurve(trials []Trial) []float64 {
	last := 0
	for _, t := range trials {
		last = max(last, len(t.Curve))
	}
	out := make([]float64, last)
	vals := make([]float64, 0, len(trials))
	for k := range out {
		vals = vals[:0]
		for _, t := range trials {
			if v := carried(t.Curve, k); !math.IsNaN(v) {
				vals = append(vals, v)
			}
		}
		out[k] = median(vals)
	}
	return out
}

func curvePoints(c []float64, f func(float64) float64) plotter.XYs {
	var pts plotter.XYs
	for k, v := range c {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			pts = append(pts, plotter.XY{X: float64(k), Y: f(v)})
		}
	}
	return pts
}

func identity(v float64) float64   { return v }
func confidence(v float64) float64 { return math.Exp(-v) }

// curveFigure draws every trial's loss and confidence against the step,
// with the median over trials, for the fit of studies.
func curveFigure(studies []StudyData, label, name string) (Figure, bool) {
	trials := curveTrials(studies)
	if len(trials) == 0 {
		return Figure{}, false
	}
	title := fmt.Sprintf("Loss and confidence per step: %s", label)
	return Figure{
		Name:  name,
		Title: title,
		Caption: fmt.Sprintf("Each thin line is one image's fit (%d images, at most %d drawn), the thick line the median over images, "+
			"a fit that stopped counting with its final loss; right, the same as the confidence exp(−loss) the loss stands for. "+
			"The dashed line is the success threshold.", len(trials), maxCurveLines),
		Studies: studyIDs(studies),
		Width:   fitTitle(8*vg.Inch, title),
		Height:  3.6 * vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			th := studies[0].Threshold
			med := MedianCurve(trials)
			var row []*plot.Plot
			for _, panel := range []struct {
				ylabel string
				f      func(float64) float64
				line   float64
			}{{"loss", identity, studies[0].LossThreshold()}, {"confidence exp(−loss)", confidence, th}} {
				p := newPlot("", "step", panel.ylabel)
				p.Add(hline{panel.line, dashed(color.Gray{Y: 40}, 1)})
				for i, t := range trials {
					if i == maxCurveLines {
						break
					}
					ln, err := plotter.NewLine(curvePoints(t.Curve, panel.f))
					if err != nil {
						continue
					}
					col := okColor
					if t.Judged && !t.Success {
						col = failColor
					}
					ln.LineStyle = draw.LineStyle{Color: withAlpha(col, 60), Width: vg.Points(0.6)}
					if len(trials) == 1 { // one trial's page: its own line, bold
						ln.LineStyle = draw.LineStyle{Color: col, Width: vg.Points(1.8)}
					}
					p.Add(ln)
				}
				if len(trials) > 1 {
					if ln, err := plotter.NewLine(curvePoints(med, panel.f)); err == nil {
						ln.LineStyle = draw.LineStyle{Color: color.Black, Width: vg.Points(2)}
						p.Add(ln)
						p.Legend.Add("median", ln)
					}
					p.Legend.Add("succeeded", swatchLine(okColor))
					p.Legend.Add("failed", swatchLine(failColor))
				}
				if panel.ylabel != "loss" {
					p.Y.Min, p.Y.Max = 0, 1
				}
				row = append(row, p)
			}
			alignPlots(c, title, [][]*plot.Plot{row})
		}),
	}, true
}

// swatchLine is a legend entry showing a line colour.
type swatchLine color.NRGBA

func (s swatchLine) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(draw.LineStyle{Color: color.NRGBA(s), Width: vg.Points(1.5)}, c.Min.X, y, c.Max.X, y)
}

// fitKey names a fit across runs: its manipulation and direction (or stage).
func fitKey(s StudyData) string {
	if s.Manipulation == "" {
		return s.Stage
	}
	return figureLabel(s) // a later round of style.rounds is a fit of its own
}

// CompareFigures lists the figures that overlay runs: the training and
// held-out loss per epoch of their trained networks, and the median fit
// loss and confidence per step of every fit (manipulation and direction)
// any of the runs made, one colour per run.
func CompareFigures(rds []*RunData) []Figure {
	type series struct {
		run   int
		label string
		curve []float64
	}
	groups := map[string][]series{}
	var keys []string
	var ids []int
	for _, rd := range rds {
		byKey := map[string][]StudyData{}
		var order []string
		for _, s := range rd.Studies {
			if s.isContent() {
				continue
			}
			k := fitKey(s)
			if _, ok := byKey[k]; !ok {
				order = append(order, k)
			}
			byKey[k] = append(byKey[k], s)
		}
		for _, k := range order {
			trials := curveTrials(byKey[k])
			if len(trials) == 0 {
				continue
			}
			if _, ok := groups[k]; !ok {
				keys = append(keys, k)
			}
			groups[k] = append(groups[k], series{rd.Run.ID, fmt.Sprintf("run %d %s", rd.Run.ID, rd.Run.Profile), MedianCurve(trials)})
			ids = append(ids, studyIDs(byKey[k])...)
		}
	}
	var out []Figure
	if f, ok := compareEpochFigure(rds); ok {
		out = append(out, f)
	}
	if len(keys) == 0 {
		return out
	}
	sort.Strings(keys)
	runIndex := map[int]int{}
	for i, rd := range rds {
		runIndex[rd.Run.ID] = i
	}
	title := "Median fit loss and confidence per step"
	return append(out, Figure{
		Name:  "curves-compare",
		Title: title,
		Caption: "One row per fit (manipulation, direction and round), one colour and line style per run (identical runs stay visible): the median over the run's images of the loss after each step (left) " +
			"and of the confidence exp(−loss) (right), a fit that stopped counting with its final loss.",
		Studies: ids,
		Width:   fitTitle(8*vg.Inch, title),
		Height:  vg.Length(len(keys))*2.6*vg.Inch + 0.35*vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			var grid [][]*plot.Plot
			for _, k := range keys {
				loss := newPlot(k, "step", "median loss")
				conf := newPlot(k, "step", "median confidence")
				for _, s := range groups[k] {
					col := seriesColor(runIndex[s.run])
					for _, pp := range []struct {
						p *plot.Plot
						f func(float64) float64
					}{{loss, identity}, {conf, confidence}} {
						ln, err := plotter.NewLine(curvePoints(s.curve, pp.f))
						if err != nil {
							continue
						}
						// Runs that agree draw on top of each other: each keeps
						// its own width and dashes so that both stay visible.
						ln.LineStyle = seriesLine(col, runIndex[s.run])
						pp.p.Add(ln)
						if pp.p == loss {
							loss.Legend.Add(s.label, ln)
						}
					}
				}
				conf.Y.Min, conf.Y.Max = 0, 1
				grid = append(grid, []*plot.Plot{loss, conf})
			}
			alignPlots(c, title, grid)
		}),
	})
}

// TrialCurveFigure draws one trial's loss and confidence per step; false
// when it has fewer than two steps.
func TrialCurveFigure(s StudyData, t Trial) (Figure, bool) {
	one := s
	one.Trials = []Trial{t}
	one.Trials[0].Complete = true // drawn whatever its state, if it has steps
	f, ok := curveFigure([]StudyData{one}, fmt.Sprintf("study %d trial %d", s.ID, t.Number), "curve")
	if ok {
		f.Caption = "The trial's loss after each step (left) and the confidence exp(−loss) it stands for (right); the dashed line is the success threshold."
	}
	return f, ok
}
