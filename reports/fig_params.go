package reports

import (
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strconv"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// histSeries is one distribution drawn in a histogram panel.
type histSeries struct {
	label   string
	color   color.NRGBA
	values  []float64
	planted float64 // NaN when none
}

// histPanel is one parameter (or one channel group) of a histogram figure.
type histPanel struct {
	title  string
	ylabel string
	series []histSeries
}

var (
	channelParam = regexp.MustCompile(`^(.+)_([rgb])$`)
	patchParam   = regexp.MustCompile(`^(brightness|contrast)_[0-9]+_[0-9]+$`)
)

var channelName = map[string]string{"r": "red", "g": "green", "b": "blue"}

// histPanels groups a style study's parameters into panels: per-channel
// parameters (x_r, x_g, x_b) share a panel coloured by channel, patch
// parameters are pooled over patches, the others get one panel each.
func histPanels(s StudyData) []histPanel {
	trials := s.Complete()
	var panels []histPanel
	index := map[string]int{}
	values := func(name string) []float64 {
		return paramValues(trials, name) // |noise_std| for noise_std
	}
	planted := func(name string) float64 {
		if v, ok := s.Planted[name]; ok {
			if magnitudeOnly[name] {
				v = math.Abs(v)
			}
			return v
		}
		var per []float64
		for _, t := range trials {
			if v, ok := t.Planted[name]; ok {
				if magnitudeOnly[name] {
					v = math.Abs(v)
				}
				per = append(per, v)
			}
		}
		return mean(per)
	}
	for _, name := range paramNames(trials) {
		key, title, ylabel := name, name, "images"
		if magnitudeOnly[name] {
			title = "|" + name + "| (the level; its sign is arbitrary)"
		}
		ser := histSeries{label: paramLabel(name), color: seriesColor(0), planted: planted(name)}
		switch {
		case patchParam.MatchString(name):
			pre := patchParam.FindStringSubmatch(name)[1]
			key, title, ylabel = "patch "+pre, pre+" (all patches)", "patches x images"
			ser = histSeries{label: pre, color: seriesColor(0), planted: math.NaN()}
		case channelParam.MatchString(name):
			m := channelParam.FindStringSubmatch(name)
			key, title = "channel "+m[1], m[1]+" per channel"
			ser.label, ser.color = channelName[m[2]], channelColor[m[2]]
		}
		i, ok := index[key]
		if !ok {
			i = len(panels)
			index[key] = i
			panels = append(panels, histPanel{title: title, ylabel: ylabel})
		}
		p := &panels[i]
		if strings.HasPrefix(key, "patch ") && len(p.series) == 1 {
			p.series[0].values = append(p.series[0].values, values(name)...)
			continue
		}
		ser.values = values(name)
		p.series = append(p.series, ser)
	}
	return panels
}

// binEdges returns shared histogram bin edges covering every value of the
// panel, zero and the planted values: about sqrt(n) bins, 8 to 30.
func binEdges(p histPanel) []float64 {
	lo, hi, n := 0.0, 0.0, 0
	for _, s := range p.series {
		n = max(n, len(s.values))
		for _, v := range append(append([]float64(nil), s.values...), s.planted) {
			if !math.IsNaN(v) {
				lo, hi = math.Min(lo, v), math.Max(hi, v)
			}
		}
	}
	if hi-lo < 1e-9 {
		lo, hi = lo-0.5, hi+0.5
	}
	k := max(8, min(30, int(math.Ceil(math.Sqrt(float64(n))))))
	pad := (hi - lo) * 0.02
	lo, hi = lo-pad, hi+pad
	edges := make([]float64, k+1)
	for i := range edges {
		edges[i] = lo + (hi-lo)*float64(i)/float64(k)
	}
	return edges
}

func binCounts(edges, values []float64) []float64 {
	counts := make([]float64, len(edges)-1)
	w := edges[1] - edges[0]
	for _, v := range values {
		i := int((v - edges[0]) / w)
		i = max(0, min(len(counts)-1, i))
		counts[i]++
	}
	return counts
}

// stepHist draws one histogram as a filled step outline. Series of a
// panel get widths and dash patterns by position (seriesLine), so that
// histograms that coincide (red and blue both centred on 0) stay visible:
// a wide solid outline under a narrower dashed one under a dotted one.
type stepHist struct {
	edges, counts []float64
	color         color.NRGBA
	index         int // position in the panel
}

// seriesLine is the outline style of the panel's series i.
func seriesLine(c color.Color, i int) draw.LineStyle {
	switch i % 3 {
	case 0:
		return draw.LineStyle{Color: c, Width: vg.Points(2.6)}
	case 1:
		return draw.LineStyle{Color: c, Width: vg.Points(1.6), Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}
	default:
		return draw.LineStyle{Color: c, Width: vg.Points(1.2), Dashes: []vg.Length{vg.Points(1.5), vg.Points(2)}}
	}
}

func (h stepHist) outline(c draw.Canvas, p *plot.Plot) []vg.Point {
	trX, trY := p.Transforms(&c)
	pts := []vg.Point{{X: trX(h.edges[0]), Y: trY(0)}}
	for i, n := range h.counts {
		pts = append(pts, vg.Point{X: trX(h.edges[i]), Y: trY(n)}, vg.Point{X: trX(h.edges[i+1]), Y: trY(n)})
	}
	return append(pts, vg.Point{X: trX(h.edges[len(h.edges)-1]), Y: trY(0)})
}

func (h stepHist) Plot(c draw.Canvas, p *plot.Plot) {
	pts := h.outline(c, p)
	c.FillPolygon(withAlpha(h.color, 40), c.ClipPolygonXY(pts))
	c.StrokeLines(seriesLine(h.color, h.index), c.ClipLinesXY(pts)...)
}

func (h stepHist) DataRange() (xmin, xmax, ymin, ymax float64) {
	for _, n := range h.counts {
		ymax = math.Max(ymax, n)
	}
	return h.edges[0], h.edges[len(h.edges)-1], 0, ymax
}

func (h stepHist) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	pts := []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}, r.Min}
	c.FillPolygon(withAlpha(h.color, 40), pts[:4])
	c.StrokeLines(seriesLine(h.color, h.index), pts)
}

// vline draws a vertical line at x across the data area.
type vline struct {
	x     float64
	style draw.LineStyle
}

func (l vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(l.x)
	c.StrokeLine2(l.style, x, c.Min.Y, x, c.Max.Y)
}

func (l vline) DataRange() (xmin, xmax, ymin, ymax float64) { return l.x, l.x, 0, 0 }

func (l vline) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

// hline draws a horizontal line at y across the data area.
type hline struct {
	y     float64
	style draw.LineStyle
}

func (l hline) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y := trY(l.y)
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

func (l hline) DataRange() (xmin, xmax, ymin, ymax float64) {
	return math.Inf(1), math.Inf(-1), l.y, l.y // no x extent of its own
}

func (l hline) Thumbnail(c *draw.Canvas) {
	y := (c.Min.Y + c.Max.Y) / 2
	c.StrokeLine2(l.style, c.Min.X, y, c.Max.X, y)
}

func dashed(c color.Color, width float64) draw.LineStyle {
	return draw.LineStyle{Color: c, Width: vg.Points(width), Dashes: []vg.Length{vg.Points(4), vg.Points(3)}}
}

// histPlot draws one panel.
func histPlot(p histPanel) *plot.Plot {
	pl := newPlot(p.title, "fitted value", p.ylabel)
	edges := binEdges(p)
	pl.Add(vline{0, draw.LineStyle{Color: color.Gray{Y: 90}, Width: vg.Points(0.8)}})
	hasPlanted := false
	for i, s := range p.series {
		h := stepHist{edges: edges, counts: binCounts(edges, s.values), color: s.color, index: i}
		pl.Add(h)
		pl.Legend.Add(fmt.Sprintf("%s  mean %s", s.label, formatFloat(mean(s.values), 3)), h)
	}
	for i, s := range p.series {
		if !math.IsNaN(s.planted) {
			// Planted lines that coincide (two channels planted 0) alternate
			// their dashes: each series starts its pattern further on.
			st := dashed(s.color, 1.2)
			st.DashOffs = vg.Points(7 * float64(i) / float64(len(p.series)))
			pl.Add(vline{s.planted, st})
			hasPlanted = true
		}
	}
	if hasPlanted {
		pl.Legend.Add("planted", vline{0, dashed(color.Gray{Y: 60}, 1.2)})
	}
	// Headroom above the tallest bar keeps the legend off the data.
	top := 0.0
	for _, s := range p.series {
		for _, n := range binCounts(edges, s.values) {
			top = math.Max(top, n)
		}
	}
	pl.Y.Min, pl.Y.Max = 0, math.Max(1, top)*(1.25+0.12*float64(len(p.series)))
	pl.Y.Tick.Marker = countTicks{}
	return pl
}

// paramFigure draws the histogram figure of a style study.
func paramFigure(s StudyData, name string) (Figure, bool) {
	panels := histPanels(s)
	if len(panels) == 0 {
		return Figure{}, false
	}
	title := fmt.Sprintf("Fitted parameters: %s (%d images)", figureLabel(s), len(s.Complete()))
	return panelsFigure(name, title, paramCaption(s), []int{s.ID}, len(panels), 3.3*vg.Inch, 2.8*vg.Inch,
		func(i int) *plot.Plot { return histPlot(panels[i]) }), true
}

// panelsFigure lays n panels of one size out under a title, three to a
// row; panel(i) draws the i-th.
func panelsFigure(name, title, caption string, studies []int, n int, w, h vg.Length, panel func(i int) *plot.Plot) Figure {
	cols := min(3, n)
	rows := (n + cols - 1) / cols
	return Figure{
		Name:    name,
		Title:   title,
		Caption: caption,
		Studies: studies,
		Width:   fitTitle(vg.Length(cols)*w+0.2*vg.Inch, title),
		Height:  vg.Length(rows)*h + 0.35*vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			var grid [][]*plot.Plot
			for i := range n {
				if i%cols == 0 {
					grid = append(grid, nil)
				}
				grid[len(grid)-1] = append(grid[len(grid)-1], panel(i))
			}
			alignPlots(c, title, grid)
		}),
	}
}

// countTicks marks whole numbers at a 1-2-5 step giving at most six ticks.
type countTicks struct{}

func (countTicks) Ticks(lo, hi float64) []plot.Tick {
	step := 1.0
	for (hi-lo)/step > 6 {
		switch {
		case isStep(step, 1):
			step *= 2
		case isStep(step, 2):
			step = step / 2 * 5
		default:
			step *= 2
		}
	}
	var out []plot.Tick
	for v := math.Ceil(lo/step) * step; v <= hi+1e-9; v += step {
		out = append(out, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'f', 0, 64)})
	}
	return out
}

// isStep reports whether step is d times a power of ten.
func isStep(step, d float64) bool {
	m := step / d
	l := math.Log10(m)
	return math.Abs(l-math.Round(l)) < 1e-9
}

// manipulationReading is what a params figure's reader should look for, per
// manipulation (docs/MANIPULATIONS.md).
var manipulationReading = map[string]string{
	"brightness-contrast":       "Per-channel offset (brightness) and relative gain (contrast): a channel centred away from 0 while the others stay near 0 is a colour cast (the published finding: CG renders too green, green brightness/contrast negative in cg-to-real).",
	"patch-brightness-contrast": "Brightness and contrast pooled over every patch of the grid; where in the image the fit moves them is in the per-patch map.",
	"hsv":                       "Hue in turns of the colour wheel, saturation and value as relative changes; published hue fits mostly failed in local minima, so a hue near 0 with failures reads as \"no simple hue fix\", not \"colour is right\".",
	"blur":                      "Gaussian blur sigma in pixels (range 0 to 3, fits start at 0.15): well above 0.15 in cg-to-real means renders are too sharp or carry render noise the blur removes; a value at 3 is at the bound, a lower limit.",
	"channel-blur":              "Gaussian blur sigma per channel in pixels (range 0 to 3, start 0.15): one channel clearly above the others would be a per-channel sharpness difference (chromatic aberration), which the published runs did not see.",
	"noise":                     "noise_mean is an offset on all channels; the noise level is |noise_std|, drawn as its magnitude (its sign only says which way the fixed noise sample helped). Growing |noise_std| in real-to-cg means renders carry noise photographs lack; cg-to-real fits failing means renders need denoising, not noise.",
	"exposure":                  "Exposure change in stops through a tone curve: above 0 in cg-to-real means renders are underexposed in the mid-tones; the published fits mostly failed with images barely changed.",
	"blur-brightness-contrast":  "The blur and the per-channel brightness/contrast fitted jointly: a sigma still near its 0.15 px start says the discriminator did not need sharpness changed once colour was fixed, not that the domains are equally sharp.",
}

// paramCaption describes a params figure: what is drawn, how to read this
// manipulation, and the caveats that apply to this fit (values at a bound,
// quantised values).
func paramCaption(s StudyData) string {
	c := "Histograms of the fitted values over the study's images (per-channel parameters share a panel, one colour and line style per channel, so coinciding channels stay visible); the thin line marks 0, dashed lines the planted gap when cgx generated the domains."
	if r, ok := manipulationReading[s.Manipulation]; ok {
		c += " " + r
	}
	if s.Round > 1 {
		c += fmt.Sprintf(" Round %d of style.rounds: values on top of the earlier rounds' manipulation, planted lines at what they left.", s.Round)
	}
	trials := s.Complete()
	if b := boundShare(s); b > 0 {
		c += fmt.Sprintf(" Caveat: %s of the images end with a parameter at a bound (%s); those values are lower limits.", pct(b), boundedParams(trials))
	}
	var q []string
	for _, p := range paramNames(trials) {
		if patchParam.MatchString(p) {
			continue
		}
		if n, ok := quantised(paramValues(trials, p)); ok {
			q = append(q, fmt.Sprintf("%s (%d values)", p, n))
		}
	}
	if len(q) > 0 {
		c += " Caveat: quantised values, " + strings.Join(q, ", ") + ": equal-size optimiser steps, not per-image measurements."
	}
	return c
}
