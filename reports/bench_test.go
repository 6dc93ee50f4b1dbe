package reports

import (
	"bytes"
	"context"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/cgx-dev/cgx/reports/reporttest"
)

// The demo run: 16 studies, 376 trials, 13 figures, 8 tables.

func BenchmarkLoadRun(b *testing.B) {
	src := reporttest.Demo()
	for b.Loop() {
		if _, err := LoadRun(context.Background(), src, reporttest.DemoRunID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTablesAllFormats(b *testing.B) {
	rd := loadDemo(b)
	for b.Loop() {
		for _, format := range []string{FormatMarkdown, FormatTeX, FormatJSON, FormatHTML} {
			var buf bytes.Buffer
			if err := WriteTables(&buf, format, rd.Tables()); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkFigure(b *testing.B) {
	src := reporttest.Demo()
	rd := loadDemo(b)
	for _, name := range []string{"params-brightness-contrast-cg-to-real", "patches-patch-brightness-contrast-cg-to-real",
		"history-exp2.1-round-1", "edf-exp2.1-round-1", "grid-brightness-contrast-cg-to-real"} {
		f, err := rd.Figure(name)
		if err != nil {
			b.Fatal(err)
		}
		for _, format := range []string{FigurePNG, FigureSVG} {
			b.Run(name+"."+format, func(b *testing.B) {
				for b.Loop() {
					if _, err := f.Render(context.Background(), src, format); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkWriteReport(b *testing.B) {
	src := reporttest.Demo()
	dir := b.TempDir()
	for b.Loop() {
		if _, err := WriteReport(context.Background(), src, reporttest.DemoRunID, dir); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPeerGonumHistogram is the peer of the params figure: gonum/plot's
// stock histogram of one parameter, same size and resolution, no styling.
func BenchmarkPeerGonumHistogram(b *testing.B) {
	rd := loadDemo(b)
	var vals plotter.Values
	for _, t := range rd.Studies[0].Complete() {
		vals = append(vals, t.Params["brightness_g"])
	}
	f, err := rd.Figure("params-brightness-contrast-cg-to-real")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p := plot.New()
		h, err := plotter.NewHist(vals, 16)
		if err != nil {
			b.Fatal(err)
		}
		p.Add(h)
		c := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.Width, f.Height), vgimg.UseDPI(FigureDPI))}
		p.Draw(draw.New(c))
		var buf bytes.Buffer
		if _, err := c.WriteTo(&buf); err != nil {
			b.Fatal(err)
		}
	}
}
