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

// Analysis figures of a search round (as Optuna's visualization module
// offers them): parameter importance, parallel coordinates, slice plots and
// a contour plot of a pair of parameters. Every one pools the round's
// complete trials over samplers and seeds.

// analysisMaxParams bounds the parameters a parallel-coordinates or slice
// figure draws (the most important ones); importance lists up to
// analysisMaxBars.
const (
	analysisMaxParams = 12
	analysisMaxBars   = 40
	contourCells      = 24
	// importanceFewTrials is the trial count under which the importance
	// figure warns that its scores are noise-prone.
	importanceFewTrials = 30
)

// pooledTrial is a complete trial of a round with its sampler.
type pooledTrial struct {
	Trial
	sampler string
}

func poolTrials(studies []StudyData) []pooledTrial {
	var out []pooledTrial
	for _, s := range studies {
		for _, t := range s.Complete() {
			if !math.IsNaN(t.Value) && !math.IsInf(t.Value, 0) && len(t.Params) > 0 {
				out = append(out, pooledTrial{t, s.Sampler})
			}
		}
	}
	return out
}

func plainTrials(ts []pooledTrial) []Trial {
	out := make([]Trial, len(ts))
	for i, t := range ts {
		out[i] = t.Trial
	}
	return out
}

// RoundImportance scores the parameters of studies' complete trials pooled
// (Importance).
func RoundImportance(studies []StudyData) []ParamImportance {
	return Importance(plainTrials(poolTrials(studies)))
}

// analysisFigures lists a round's importance, parallel-coordinates, slice
// and contour (the two most important parameters) figures.
func analysisFigures(label string, studies []StudyData, stem string) []Figure {
	trials := poolTrials(studies)
	if len(trials) < importanceMinTrials {
		return nil
	}
	imp := Importance(plainTrials(trials))
	if len(imp) == 0 {
		return nil
	}
	out := []Figure{importanceFigure(label, studies, imp, "importance-"+stem),
		parallelFigure(label, studies, trials, imp, "parallel-"+stem),
		sliceFigure(label, studies, trials, imp, "slice-"+stem)}
	if len(imp) >= 2 {
		out = append(out, contourFigure(label, studies, trials, imp[0].Name, imp[1].Name, "contour-"+stem))
	}
	return out
}

// ContourFigure draws the loss over parameters x and y of studies' complete
// trials pooled; the error wraps ErrNotFound when a parameter is not one of
// theirs or too few trials set both.
func ContourFigure(studies []StudyData, x, y string) (Figure, error) {
	trials := poolTrials(studies)
	n := 0
	for _, t := range trials {
		_, okx := t.Params[x]
		_, oky := t.Params[y]
		if okx && oky {
			n++
		}
	}
	if x == y || n < 2 {
		return Figure{}, fmt.Errorf("contour of %q and %q: %w (two different parameters set by at least two complete trials)", x, y, ErrNotFound)
	}
	label := "selected studies"
	if len(studies) == 1 {
		label = studies[0].label()
	}
	return contourFigure(label, studies, trials, x, y, slug("contour", x, y)), nil
}

// ParamNames lists the parameters of studies' complete trials, sorted.
func ParamNames(studies []StudyData) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range poolTrials(studies) {
		for k := range t.Params {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

func importanceFigure(label string, studies []StudyData, imp []ParamImportance, name string) Figure {
	if len(imp) > analysisMaxBars {
		imp = imp[:analysisMaxBars]
	}
	title := fmt.Sprintf("Parameter importance: %s", label)
	n := len(imp)
	caption := "Share of the loss variance each parameter explains on its own (binned marginal, corrected for chance; docs/REPORTS.md), " +
		fmt.Sprintf("all samplers and seeds pooled (%d trials). Shares do not sum to 1: interactions count in none; samplers that concentrate trials blur the picture.", imp[0].Trials)
	if imp[0].Trials < importanceFewTrials {
		caption += fmt.Sprintf(" With fewer than %d trials a single outlier can dominate: read these as hints only.", importanceFewTrials)
	}
	return Figure{
		Name:    name,
		Title:   title,
		Caption: caption,
		Studies: studyIDs(studies),
		Width:   fitTitle(6.5*vg.Inch, title),
		Height:  vg.Length(n)*0.22*vg.Inch + 1.3*vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			p := newPlot("", "fraction of loss variance explained", "")
			names := make([]string, n)
			for i, pi := range imp {
				names[n-1-i] = pi.Name
			}
			hi := 0.0
			for _, pi := range imp {
				hi = math.Max(hi, pi.Importance)
			}
			p.Add(hbars{imp: imp})
			p.NominalY(names...)
			p.X.Min, p.X.Max = 0, math.Max(0.05, hi*1.18)
			alignPlots(c, title, [][]*plot.Plot{{p}})
		}),
	}
}

// hbars draws importance bars, most important at the top, with the value.
type hbars struct{ imp []ParamImportance }

func (h hbars) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n := len(h.imp)
	sty := textStyle(7, false, color.Gray{Y: 40})
	sty.YAlign = draw.YCenter
	for i, pi := range h.imp {
		y := float64(n - 1 - i)
		y0, y1 := trY(y-0.35), trY(y+0.35)
		x0, x1 := trX(0), trX(pi.Importance)
		col := seriesColor(0)
		if i > 0 {
			col = withAlpha(col, 150)
		}
		c.FillPolygon(col, []vg.Point{{X: x0, Y: y0}, {X: x1, Y: y0}, {X: x1, Y: y1}, {X: x0, Y: y1}})
		c.FillText(sty, vg.Point{X: x1 + vg.Points(3), Y: (y0 + y1) / 2}, formatFloat(pi.Importance, 3))
	}
}

func (h hbars) DataRange() (xmin, xmax, ymin, ymax float64) {
	return 0, 1, -0.5, float64(len(h.imp)) - 0.5
}

// lossRamp maps t in [0, 1] (0: lowest loss) to a colour: dark blue through
// pale yellow to red, in integer steps so every platform draws the same.
func lossRamp(t float64) color.NRGBA {
	stops := []color.NRGBA{{R: 33, G: 64, B: 154, A: 255}, {R: 67, G: 147, B: 195, A: 255},
		{R: 250, G: 240, B: 180, A: 255}, {R: 244, G: 109, B: 67, A: 255}, {R: 165, G: 0, B: 38, A: 255}}
	if math.IsNaN(t) {
		t = 0.5
	}
	t = math.Min(1, math.Max(0, t)) * float64(len(stops)-1)
	i := min(int(t), len(stops)-2)
	f := t - float64(i)
	lerp := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + f*(float64(b)-float64(a)))) }
	a, b := stops[i], stops[i+1]
	return color.NRGBA{R: lerp(a.R, b.R), G: lerp(a.G, b.G), B: lerp(a.B, b.B), A: 255}
}

// lossRange returns the lowest and highest loss of trials.
func lossRange(trials []pooledTrial) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, t := range trials {
		lo, hi = math.Min(lo, t.Value), math.Max(hi, t.Value)
	}
	return lo, hi
}

func unit(v, lo, hi float64) float64 {
	if !(hi > lo) {
		return 0.5
	}
	return (v - lo) / (hi - lo)
}

func topNames(imp []ParamImportance, k int) []string {
	var out []string
	for i := 0; i < len(imp) && i < k; i++ {
		out = append(out, imp[i].Name)
	}
	return out
}

func parallelFigure(label string, studies []StudyData, trials []pooledTrial, imp []ParamImportance, name string) Figure {
	params := topNames(imp, analysisMaxParams)
	title := fmt.Sprintf("Parallel coordinates: %s", label)
	return Figure{
		Name:  name,
		Title: title,
		Caption: fmt.Sprintf("One line per complete trial (%d, all samplers and seeds) through its value of the %d most important parameters (left to right), "+
			"each axis scaled from its lowest (bottom) to highest (top) value, and its loss (last axis). Colour by loss: dark blue lowest, red highest; the lowest-loss lines are drawn on top.", len(trials), len(params)),
		Studies: studyIDs(studies),
		Width:   fitTitle(vg.Length(len(params)+1)*0.85*vg.Inch+1.2*vg.Inch, title),
		Height:  4.4 * vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			p := newPlot("", "", "")
			p.HideY()
			p.X.Tick.Label.Rotation = math.Pi / 6
			p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
			p.Add(parallelLines{params: params, trials: trials})
			p.NominalX(append(append([]string(nil), params...), "loss")...)
			p.Y.Min, p.Y.Max = -0.08, 1.08
			alignPlots(c, title, [][]*plot.Plot{{p}})
		}),
	}
}

type parallelLines struct {
	params []string
	trials []pooledTrial
}

func (pl parallelLines) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	k := len(pl.params)
	los, his := make([]float64, k), make([]float64, k)
	for j, name := range pl.params {
		los[j], his[j] = math.Inf(1), math.Inf(-1)
		for _, t := range pl.trials {
			if v, ok := t.Params[name]; ok {
				los[j], his[j] = math.Min(los[j], v), math.Max(his[j], v)
			}
		}
	}
	llo, lhi := lossRange(pl.trials)
	order := make([]int, len(pl.trials))
	for i := range order {
		order[i] = i
	}
	// Highest loss first, so the best trials lie on top.
	sort.SliceStable(order, func(a, b int) bool { return pl.trials[order[a]].Value > pl.trials[order[b]].Value })
	axis := draw.LineStyle{Color: color.Gray{Y: 120}, Width: vg.Points(0.8)}
	for j := 0; j <= k; j++ {
		x := trX(float64(j))
		c.StrokeLine2(axis, x, trY(0), x, trY(1))
	}
	for _, i := range order {
		t := pl.trials[i]
		u := unit(t.Value, llo, lhi)
		ls := draw.LineStyle{Color: withAlpha(lossRamp(u), 150), Width: vg.Points(0.9)}
		var pts []vg.Point
		flush := func() {
			if len(pts) > 1 {
				c.StrokeLines(ls, pts)
			}
			pts = pts[:0]
		}
		for j, name := range pl.params {
			v, ok := t.Params[name]
			if !ok { // a conditional parameter this trial did not set
				flush()
				continue
			}
			pts = append(pts, vg.Point{X: trX(float64(j)), Y: trY(unit(v, los[j], his[j]))})
		}
		pts = append(pts, vg.Point{X: trX(float64(k)), Y: trY(u)})
		flush()
	}
	sty := textStyle(6.5, false, color.Gray{Y: 30})
	sty.XAlign = draw.XCenter
	for j := 0; j <= k; j++ {
		lo, hi := llo, lhi
		if j < k {
			lo, hi = los[j], his[j]
		}
		x := trX(float64(j))
		top, bot := sty, sty
		top.YAlign, bot.YAlign = draw.YBottom, draw.YTop
		c.FillText(top, vg.Point{X: x, Y: trY(1) + vg.Points(2)}, formatFloat(hi, 3))
		c.FillText(bot, vg.Point{X: x, Y: trY(0) - vg.Points(2)}, formatFloat(lo, 3))
	}
}

func (pl parallelLines) DataRange() (xmin, xmax, ymin, ymax float64) {
	return -0.3, float64(len(pl.params)) + 0.3, 0, 1
}

func sliceFigure(label string, studies []StudyData, trials []pooledTrial, imp []ParamImportance, name string) Figure {
	params := topNames(imp, analysisMaxParams)
	cols := min(4, len(params))
	rows := (len(params) + cols - 1) / cols
	samplers, _ := bySampler(studies)
	title := fmt.Sprintf("Slice plots: %s", label)
	return Figure{
		Name:  name,
		Title: title,
		Caption: fmt.Sprintf("The loss of every complete trial against one parameter's value, for the %d most important parameters (most important first), "+
			"one colour per sampler; the dashed line is the success threshold. A clear valley means the parameter matters on its own.", len(params)),
		Studies: studyIDs(studies),
		Width:   fitTitle(vg.Length(cols)*2.6*vg.Inch+0.2*vg.Inch, title),
		Height:  vg.Length(rows)*2.3*vg.Inch + 0.35*vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			lo, hi := lossRange(trials)
			lt := studies[0].LossThreshold()
			lo, hi = math.Min(lo, lt), math.Max(hi, lt)
			pad := math.Max((hi-lo)*0.05, 0.05)
			var grid [][]*plot.Plot
			for i, name := range params {
				p := newPlot(name, "value", "loss")
				p.Add(hline{lt, dashed(color.Gray{Y: 40}, 1)})
				for _, sampler := range samplers {
					var pts plotter.XYs
					for _, t := range trials {
						if v, ok := t.Params[name]; ok && t.sampler == sampler {
							pts = append(pts, plotter.XY{X: v, Y: t.Value})
						}
					}
					if len(pts) == 0 {
						continue
					}
					sc, _ := plotter.NewScatter(pts)
					sc.GlyphStyle = draw.GlyphStyle{Color: withAlpha(samplerColor(sampler), 170), Radius: vg.Points(1.6), Shape: draw.CircleGlyph{}}
					p.Add(sc)
					if i == 0 {
						p.Legend.Add(samplerLabel(sampler), sc)
					}
				}
				p.Y.Min, p.Y.Max = lo-pad, hi+pad
				if i%cols == 0 {
					grid = append(grid, nil)
				}
				grid[len(grid)-1] = append(grid[len(grid)-1], p)
			}
			alignPlots(c, title, grid)
		}),
	}
}

func contourFigure(label string, studies []StudyData, trials []pooledTrial, x, y, name string) Figure {
	var pts []pooledTrial
	for _, t := range trials {
		_, okx := t.Params[x]
		_, oky := t.Params[y]
		if okx && oky {
			pts = append(pts, t)
		}
	}
	title := fmt.Sprintf("Loss over %s and %s: %s", x, y, label)
	return Figure{
		Name:  name,
		Title: title,
		Caption: fmt.Sprintf("The loss of the %d complete trials that set both parameters (dots; the ringed one is the lowest), "+
			"interpolated between them by inverse-distance weighting on a %d×%d grid (each axis scaled by its range): dark blue lowest, red highest loss. "+
			"Other parameters vary too, so a valley here is a marginal tendency, not a fixed slice.", len(pts), contourCells, contourCells),
		Studies: studyIDs(studies),
		Width:   fitTitle(5.6*vg.Inch, title),
		Height:  5 * vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			p := newPlot("", x, y)
			g := idwGrid(pts, x, y)
			p.Add(g)
			lo, hi := lossRange(pts)
			best := -1
			var xy plotter.XYs
			for i, t := range pts {
				xy = append(xy, plotter.XY{X: t.Params[x], Y: t.Params[y]})
				if best < 0 || t.Value < pts[best].Value {
					best = i
				}
			}
			if len(xy) > 0 {
				sc, _ := plotter.NewScatter(xy)
				sc.GlyphStyle = draw.GlyphStyle{Color: color.Gray{Y: 20}, Radius: vg.Points(1.3), Shape: draw.CircleGlyph{}}
				p.Add(sc)
				bs, _ := plotter.NewScatter(xy[best : best+1])
				bs.GlyphStyle = draw.GlyphStyle{Color: color.White, Radius: vg.Points(4), Shape: draw.RingGlyph{}}
				p.Add(bs)
				p.Title.Text = fmt.Sprintf("dark blue: loss %s · red: loss %s", formatFloat(lo, 3), formatFloat(hi, 3))
				p.Title.TextStyle.Font = textStyle(9, false, color.Black).Font
			}
			p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = g.x0, g.x1, g.y0, g.y1
			alignPlots(c, title, [][]*plot.Plot{{p}})
		}),
	}
}

// lossGrid is an interpolated loss surface drawn as coloured cells.
type lossGrid struct {
	x0, x1, y0, y1 float64
	cells          [contourCells][contourCells]float64 // [col][row], as a fraction of the loss range
}

// idwGrid interpolates the trials' losses at the cell centres with inverse
// squared distance weights, each axis scaled to [0, 1] by its range.
func idwGrid(pts []pooledTrial, x, y string) lossGrid {
	g := lossGrid{x0: math.Inf(1), x1: math.Inf(-1), y0: math.Inf(1), y1: math.Inf(-1)}
	for _, t := range pts {
		g.x0, g.x1 = math.Min(g.x0, t.Params[x]), math.Max(g.x1, t.Params[x])
		g.y0, g.y1 = math.Min(g.y0, t.Params[y]), math.Max(g.y1, t.Params[y])
	}
	if len(pts) == 0 {
		g.x0, g.x1, g.y0, g.y1 = 0, 1, 0, 1
	}
	for _, r := range []*[2]*float64{{&g.x0, &g.x1}, {&g.y0, &g.y1}} {
		if !(*r[1] > *r[0]) {
			*r[0], *r[1] = *r[0]-0.5, *r[0]+0.5
		}
	}
	lo, hi := lossRange(pts)
	for ci := range contourCells {
		for ri := range contourCells {
			cx, cy := (float64(ci)+0.5)/contourCells, (float64(ri)+0.5)/contourCells
			num, den := 0.0, 0.0
			exact := math.NaN()
			for _, t := range pts {
				dx, dy := unit(t.Params[x], g.x0, g.x1)-cx, unit(t.Params[y], g.y0, g.y1)-cy
				d2 := dx*dx + dy*dy
				if d2 < 1e-12 {
					exact = t.Value
					break
				}
				num += t.Value / d2
				den += 1 / d2
			}
			v := exact
			if math.IsNaN(v) && den > 0 {
				v = num / den
			}
			g.cells[ci][ri] = unit(v, lo, hi)
		}
	}
	return g
}

func (g lossGrid) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	w, h := (g.x1-g.x0)/contourCells, (g.y1-g.y0)/contourCells
	for ci := range contourCells {
		for ri := range contourCells {
			a := vg.Point{X: trX(g.x0 + float64(ci)*w), Y: trY(g.y0 + float64(ri)*h)}
			b := vg.Point{X: trX(g.x0 + float64(ci+1)*w), Y: trY(g.y0 + float64(ri+1)*h)}
			// Overlap by a hair so no seams show between cells.
			b.X, b.Y = b.X+vg.Points(0.3), b.Y+vg.Points(0.3)
			c.FillPolygon(lossRamp(g.cells[ci][ri]), []vg.Point{a, {X: b.X, Y: a.Y}, b, {X: a.X, Y: b.Y}})
		}
	}
}

func (g lossGrid) DataRange() (xmin, xmax, ymin, ymax float64) { return g.x0, g.x1, g.y0, g.y1 }

// IsContent says whether s is a content study (a search round's sampler and
// seed), whose trials are searched scene parameters.
func (s StudyData) IsContent() bool { return s.isContent() }
