package reports

import (
	"bytes"
	"context"
	"fmt"
	"image/color"
	"math"
	"strings"

	xfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Figure formats.
const (
	FigurePNG = "png"
	FigureSVG = "svg"
)

// FigureDPI is the resolution of PNG figures.
const FigureDPI = 96

// Figure is a named drawing of some studies of a run. Listing figures is
// cheap; Render draws one, reading image artifacts only then.
type Figure struct {
	Name    string // unique within a run; letters, digits, '.', '-' (a file stem)
	Title   string
	Caption string
	Studies []int // the studies drawn
	Width   vg.Length
	Height  vg.Length
	// prepare reads what the drawing needs (artifacts) and returns the drawing.
	prepare func(ctx context.Context, src Source) (func(draw.Canvas), error)
}

// Render draws f as PNG or SVG bytes; the same inputs give the same bytes.
func (f Figure) Render(ctx context.Context, src Source, format string) (out []byte, err error) {
	if format != FigurePNG && format != FigureSVG {
		return nil, fmt.Errorf("render figure %s: %w %q (want png or svg)", f.Name, ErrFormat, format)
	}
	paint, err := f.prepare(ctx, src)
	if err != nil {
		return nil, fmt.Errorf("render figure %s: %w", f.Name, err)
	}
	// gonum/plot reports some impossible layouts (a canvas too small for its
	// labels) by panicking; a report must not die of it.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("render figure %s: drawing failed: %v", f.Name, r)
		}
	}()
	var b bytes.Buffer
	switch format {
	case FigurePNG:
		cv := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(FigureDPI))}
		paint(draw.New(cv))
		_, err = cv.WriteTo(&b)
	case FigureSVG:
		cv := vgsvg.New(f.Width, f.Height)
		dc := draw.New(cv)
		dc.SetColor(color.White)
		dc.Fill(dc.Rectangle.Path())
		paint(dc)
		_, err = cv.WriteTo(&b)
	}
	if err != nil {
		return nil, fmt.Errorf("render figure %s as %s: %w", f.Name, format, err)
	}
	return b.Bytes(), nil
}

// slug makes a file-name-safe identifier from parts.
func slug(parts ...string) string {
	var b strings.Builder
	dash := false
	for _, p := range parts {
		for _, r := range strings.ToLower(p) {
			ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.'
			if ok {
				if dash && b.Len() > 0 {
					b.WriteByte('-')
				}
				b.WriteRune(r)
				dash = false
			} else {
				dash = true
			}
		}
		dash = true
	}
	s := strings.Trim(b.String(), ".")
	if s == "" {
		return "figure"
	}
	return s
}

// Fonts and colours shared by every figure.
var (
	sansFont     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold     = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: xfont.WeightBold}
	channelColor = map[string]color.NRGBA{
		"r": {R: 214, G: 39, B: 40, A: 255},
		"g": {R: 44, G: 160, B: 44, A: 255},
		"b": {R: 31, G: 119, B: 180, A: 255},
	}
	// seriesColors tell seeds and samplers apart (colour-blind-safe Okabe-Ito).
	seriesColors = []color.NRGBA{
		{R: 0, G: 114, B: 178, A: 255}, {R: 230, G: 159, B: 0, A: 255}, {R: 0, G: 158, B: 115, A: 255},
		{R: 204, G: 121, B: 167, A: 255}, {R: 86, G: 180, B: 233, A: 255}, {R: 213, G: 94, B: 0, A: 255},
		{R: 100, G: 100, B: 100, A: 255},
	}
	okColor   = color.NRGBA{R: 0, G: 128, B: 60, A: 255}
	failColor = color.NRGBA{R: 190, G: 30, B: 30, A: 255}
)

func seriesColor(i int) color.NRGBA { return seriesColors[i%len(seriesColors)] }

func withAlpha(c color.NRGBA, a uint8) color.NRGBA { c.A = a; return c }

// textStyle returns a plain-text style in the report font.
func textStyle(size vg.Length, bold bool, c color.Color) text.Style {
	f := sansFont
	if bold {
		f = sansBold
	}
	return text.Style{Color: c, Font: font.From(f, size), XAlign: draw.XLeft, YAlign: draw.YBottom, Handler: plot.DefaultTextHandler}
}

// newPlot returns a plot in the report style.
func newPlot(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansBold, 10)
	p.Title.Padding = vg.Points(4)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font = font.From(sansFont, 9)
		ax.Tick.Label.Font = font.From(sansFont, 8)
	}
	p.X.Label.Text, p.Y.Label.Text = xlabel, ylabel
	p.Legend.TextStyle.Font = font.From(sansFont, 8)
	p.Legend.Top = true
	p.Add(gridLines())
	return p
}

func gridLines() plot.Plotter {
	return gridPlotter{}
}

// gridPlotter draws light major grid lines (plotter.Grid allocates a
// dashed style we do not want in SVG).
type gridPlotter struct{}

func (gridPlotter) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	ls := draw.LineStyle{Color: color.Gray{Y: 225}, Width: vg.Points(0.4)}
	for _, tk := range p.X.Tick.Marker.Ticks(p.X.Min, p.X.Max) {
		if tk.IsMinor() {
			continue
		}
		x := trX(tk.Value)
		c.StrokeLine2(ls, x, c.Min.Y, x, c.Max.Y)
	}
	for _, tk := range p.Y.Tick.Marker.Ticks(p.Y.Min, p.Y.Max) {
		if tk.IsMinor() {
			continue
		}
		y := trY(tk.Value)
		c.StrokeLine2(ls, c.Min.X, y, c.Max.X, y)
	}
}

// drawTitle writes a figure title across the top of c and returns the canvas
// below it.
func drawTitle(c draw.Canvas, title string) draw.Canvas {
	sty := textStyle(11, true, color.Black)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
	c.FillText(sty, vg.Point{X: (c.Min.X + c.Max.X) / 2, Y: c.Max.Y - vg.Points(4)}, title)
	c.Max.Y -= vg.Points(20)
	return c
}

// fitTitle returns w widened, if need be, to fit title as drawTitle draws it.
func fitTitle(w vg.Length, title string) vg.Length {
	return max(w, textStyle(11, true, color.Black).Width(title)+0.3*vg.Inch)
}

// alignPlots lays plots out in a grid of rows under a title.
func alignPlots(c draw.Canvas, title string, rows [][]*plot.Plot) {
	if title != "" {
		c = drawTitle(c, title)
	}
	cols := 0
	for _, r := range rows {
		cols = max(cols, len(r))
	}
	for i := range rows {
		for len(rows[i]) < cols {
			rows[i] = append(rows[i], nil)
		}
	}
	tiles := draw.Tiles{Rows: len(rows), Cols: cols, PadX: vg.Points(10), PadY: vg.Points(10),
		PadTop: vg.Points(2), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	for _, r := range rows {
		for _, p := range r {
			if p != nil {
				saneAxes(p)
			}
		}
	}
	canvases := plot.Align(rows, tiles, c)
	for j, r := range rows {
		for i, p := range r {
			if p != nil {
				p.Draw(canvases[j][i])
			}
		}
	}
}

// saneAxes replaces an axis range that is not finite or empty (a plot with
// no data) by one that gonum/plot can tick; its tick search never ends on NaN.
func saneAxes(p *plot.Plot) {
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		if math.IsNaN(ax.Min) || math.IsNaN(ax.Max) || math.IsInf(ax.Min, 0) || math.IsInf(ax.Max, 0) || ax.Min > ax.Max {
			ax.Min, ax.Max = 0, 1
		}
		if ax.Min == ax.Max {
			ax.Min, ax.Max = ax.Min-0.5, ax.Max+0.5
		}
	}
}

// noPrepare wraps a drawing that reads nothing.
func noPrepare(paint func(draw.Canvas)) func(context.Context, Source) (func(draw.Canvas), error) {
	return func(context.Context, Source) (func(draw.Canvas), error) { return paint, nil }
}
