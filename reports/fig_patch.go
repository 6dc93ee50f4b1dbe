package reports

import (
	"fmt"
	"image/color"
	"math"
	"regexp"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

var patchBrightness = regexp.MustCompile(`^brightness_([0-9]+)_([0-9]+)$`)

// patchMeans returns the mean fitted brightness per patch, indexed
// [row][col] with row 0 at the top of the image; NaN where no trial has the
// patch. The grid comes from cgx.grid, else from the largest indices seen.
func patchMeans(s StudyData) (z [][]float64, ok bool) {
	rows, cols := s.GridRows, s.GridCols
	trials := s.Complete()
	if rows == 0 || cols == 0 {
		for _, t := range trials {
			for name := range t.Params {
				if m := patchBrightness.FindStringSubmatch(name); m != nil {
					r, _ := strconv.Atoi(m[1])
					c, _ := strconv.Atoi(m[2])
					rows, cols = max(rows, r+1), max(cols, c+1)
				}
			}
		}
	}
	if rows == 0 || cols == 0 || rows > 256 || cols > 256 {
		return nil, false
	}
	z = make([][]float64, rows)
	found := false
	for r := range z {
		z[r] = make([]float64, cols)
		for c := range z[r] {
			name := fmt.Sprintf("brightness_%d_%d", r, c)
			var vs []float64
			for _, t := range trials {
				if v, ok := t.Params[name]; ok {
					vs = append(vs, v)
				}
			}
			z[r][c] = mean(vs)
			found = found || len(vs) > 0
		}
	}
	return z, found
}

// patchGrid adapts image-ordered rows to plotter.GridXYZ (y grows upwards).
type patchGrid [][]float64

func (g patchGrid) Dims() (c, r int)   { return len(g[0]), len(g) }
func (g patchGrid) Z(c, r int) float64 { return g[len(g)-1-r][c] }
func (g patchGrid) X(c int) float64    { return float64(c) }
func (g patchGrid) Y(r int) float64    { return float64(r) }

// rowTicks labels grid rows by image row (0 at the top).
type rowTicks int

func (n rowTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for r := 0; r < int(n); r++ {
		out = append(out, plot.Tick{Value: float64(r), Label: strconv.Itoa(int(n) - 1 - r)})
	}
	return out
}

type colTicks int

func (n colTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for c := 0; c < int(n); c++ {
		out = append(out, plot.Tick{Value: float64(c), Label: strconv.Itoa(c)})
	}
	return out
}

// patchFigure draws the mean fitted brightness of each patch of a patch
// manipulation study as a diverging heat map (blue darker, red brighter).
func patchFigure(s StudyData, name string) (Figure, bool) {
	z, ok := patchMeans(s)
	if !ok {
		return Figure{}, false
	}
	rows, cols := len(z), len(z[0])
	title := fmt.Sprintf("Mean fitted brightness per patch, %s (%d images)", s.Direction, len(s.Complete()))
	side := vg.Length(math.Max(3, math.Min(6, 0.45*float64(max(rows, cols))))) * vg.Inch
	return Figure{
		Name:    name,
		Title:   title,
		Caption: "Each cell is one patch of the image grid (row 0 at the top); its colour and number give the fitted brightness averaged over the study's images: blue cells were darkened, red cells brightened to fool the discriminator.",
		Studies: []int{s.ID},
		Width:   fitTitle(side+1.6*vg.Inch, title),
		Height:  side + 0.6*vg.Inch,
		prepare: noPrepare(func(c draw.Canvas) {
			c = drawTitle(c, title)
			lim := 0.0
			for _, row := range z {
				for _, v := range row {
					if !math.IsNaN(v) {
						lim = math.Max(lim, math.Abs(v))
					}
				}
			}
			if lim == 0 {
				lim = 1
			}
			cm := moreland.SmoothBlueRed()
			cm.SetMin(-lim)
			cm.SetMax(lim)
			hm := plotter.NewHeatMap(patchGrid(z), cm.Palette(255))
			hm.Min, hm.Max = -lim, lim
			hm.NaN = color.Gray{Y: 200}
			p := newPlot("", "patch column", "patch row")
			p.Add(hm)
			var xys plotter.XYs
			var labels []string
			for r, row := range z {
				for col, v := range row {
					if math.IsNaN(v) {
						continue
					}
					xys = append(xys, plotter.XY{X: float64(col), Y: float64(rows - 1 - r)})
					labels = append(labels, formatFloat(v, 2))
				}
			}
			if rows*cols <= 256 && len(xys) > 0 {
				lb, err := plotter.NewLabels(plotter.XYLabels{XYs: xys, Labels: labels})
				if err == nil {
					for i := range lb.TextStyle {
						lb.TextStyle[i].Font = textStyle(7, false, nil).Font
						lb.TextStyle[i].XAlign, lb.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
					}
					p.Add(lb)
				}
			}
			p.X.Tick.Marker, p.Y.Tick.Marker = colTicks(cols), rowTicks(rows)
			p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
			p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
			heat := c
			heat.Max.X -= 1.3 * vg.Inch
			saneAxes(p)
			p.Draw(heat)

			bar := newPlot("brightness", "", "")
			bar.HideX()
			bar.Add(&plotter.ColorBar{ColorMap: cm, Vertical: true, Colors: 64})
			bar.Y.Min, bar.Y.Max = -lim, lim
			bc := c
			bc.Min.X = c.Max.X - 1.1*vg.Inch
			bc.Max.X -= 0.2 * vg.Inch
			bc.Min.Y += 0.4 * vg.Inch
			saneAxes(bar)
			bar.Draw(bc)
		}),
	}, true
}
