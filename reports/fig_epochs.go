package reports

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// StageEpochs is one trained network's per-epoch curves (stage attribute
// keys.StageAttrEpochs): the discriminator's training and held-out loss and
// accuracy, the segmentation net's training loss.
type StageEpochs struct {
	Stage  string
	Curves keys.EpochCurves
}

// loadEpochs decodes the curves of the stages that recorded them, in stage
// order; a value that does not parse is a warning.
func loadEpochs(stages []tracker.Stage, w *warnings) []StageEpochs {
	var out []StageEpochs
	for _, st := range stages {
		v, ok := st.Attrs[keys.StageAttrEpochs]
		if !ok {
			continue
		}
		c, err := keys.ParseEpochCurves(v)
		if err != nil {
			w.addf("stage %s: attribute %s: %v; no epoch curves", st.Name, keys.StageAttrEpochs, err)
			continue
		}
		out = append(out, StageEpochs{Stage: st.Name, Curves: c})
	}
	return out
}

func epochPoints(xs []float64) plotter.XYs {
	var pts plotter.XYs
	for i, v := range xs {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			pts = append(pts, plotter.XY{X: float64(i + 1), Y: v})
		}
	}
	return pts
}

// epochFigure draws a stage's loss (training solid, held-out dashed) and,
// when recorded, accuracy per epoch.
func epochFigure(se StageEpochs) (Figure, bool) {
	c := se.Curves
	if len(epochPoints(c.TrainLoss))+len(epochPoints(c.TestLoss)) == 0 {
		return Figure{}, false
	}
	hasAcc := len(epochPoints(c.TrainAccuracy))+len(epochPoints(c.TestAccuracy)) > 0
	title := fmt.Sprintf("Training per epoch: %s", se.Stage)
	w := 4.6 * vg.Inch
	if hasAcc {
		w = 8 * vg.Inch
	}
	return Figure{
		Name:  slug("epochs", se.Stage),
		Title: title,
		Caption: "Mean training loss over each epoch's steps (solid) and the loss on the held-out images after the epoch (dashed), " +
			"with the accuracies alike when recorded. A held-out loss that rises while the training loss falls is over-fitting.",
		Width:  fitTitle(w, title),
		Height: 3.3 * vg.Inch,
		prepare: noPrepare(func(cv draw.Canvas) {
			var row []*plot.Plot
			for _, panel := range []struct {
				ylabel      string
				train, test []float64
			}{{"loss", c.TrainLoss, c.TestLoss}, {"accuracy", c.TrainAccuracy, c.TestAccuracy}} {
				if panel.ylabel == "accuracy" && !hasAcc {
					continue
				}
				p := newPlot("", "epoch", panel.ylabel)
				for _, s := range []struct {
					label string
					xs    []float64
					style draw.LineStyle
				}{{"training", panel.train, draw.LineStyle{Color: seriesColor(0), Width: vg.Points(1.8)}},
					{"held-out", panel.test, dashed(seriesColor(5), 1.8)}} {
					pts := epochPoints(s.xs)
					if len(pts) == 0 {
						continue
					}
					ln, sc, err := plotter.NewLinePoints(pts)
					if err != nil {
						continue
					}
					ln.LineStyle = s.style
					sc.GlyphStyle = draw.GlyphStyle{Color: s.style.Color, Radius: vg.Points(2), Shape: draw.CircleGlyph{}}
					p.Add(ln, sc)
					p.Legend.Add(s.label, ln)
				}
				if panel.ylabel == "accuracy" {
					p.Y.Max = 1
					p.Legend.Top = false // accuracy rises to the top right
				} else {
					p.Y.Min = 0
				}
				p.X.Min = 1
				row = append(row, p)
			}
			alignPlots(cv, title, [][]*plot.Plot{row})
		}),
	}, true
}

// compareEpochFigure overlays the runs' held-out loss per epoch (training
// loss where none is held out), one panel per stage, one colour per run.
func compareEpochFigure(rds []*RunData) (Figure, bool) {
	type series struct {
		run   int
		label string
		train []float64
		test  []float64
	}
	groups := map[string][]series{}
	var stages []string
	for _, rd := range rds {
		for _, se := range rd.Epochs {
			if _, ok := groups[se.Stage]; !ok {
				stages = append(stages, se.Stage)
			}
			groups[se.Stage] = append(groups[se.Stage], series{rd.Run.ID, fmt.Sprintf("run %d %s", rd.Run.ID, rd.Run.Profile), se.Curves.TrainLoss, se.Curves.TestLoss})
		}
	}
	if len(stages) == 0 {
		return Figure{}, false
	}
	sort.Strings(stages)
	runIndex := map[int]int{}
	for i, rd := range rds {
		runIndex[rd.Run.ID] = i
	}
	cols := min(2, len(stages))
	rows := (len(stages) + cols - 1) / cols
	title := "Loss per epoch of the trained networks"
	return Figure{
		Name:    "epochs-compare",
		Title:   title,
		Caption: "One panel per training stage, one colour per run: training loss (solid) and held-out loss (dashed) after each epoch; each run's lines are narrower than the previous run's, so runs that agree stay visible.",
		Width:   fitTitle(vg.Length(cols)*4*vg.Inch+0.2*vg.Inch, title),
		Height:  vg.Length(rows)*2.8*vg.Inch + 0.35*vg.Inch,
		prepare: noPrepare(func(cv draw.Canvas) {
			var grid [][]*plot.Plot
			for i, st := range stages {
				p := newPlot(st, "epoch", "loss")
				for _, s := range groups[st] {
					col := seriesColor(runIndex[s.run])
					for _, part := range []struct {
						xs    []float64
						style draw.LineStyle
					}{{s.train, draw.LineStyle{Color: col, Width: vg.Points(2.6 - 0.7*float64(runIndex[s.run]%3))}},
						{s.test, dashed(col, 2.6-0.7*float64(runIndex[s.run]%3))}} {
						ln, err := plotter.NewLine(epochPoints(part.xs))
						if err != nil {
							continue
						}
						ln.LineStyle = part.style
						p.Add(ln)
						if len(part.style.Dashes) == 0 {
							p.Legend.Add(s.label, ln)
						}
					}
				}
				p.Y.Min, p.X.Min = 0, 1
				if i%cols == 0 {
					grid = append(grid, nil)
				}
				grid[len(grid)-1] = append(grid[len(grid)-1], p)
			}
			alignPlots(cv, title, grid)
		}),
	}, true
}
