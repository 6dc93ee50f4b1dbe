package reports

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/reports/internal/browsertest"
	"github.com/cgx-dev/cgx/reports/reporttest"
)

// TestReportInChromium opens the static report from disk in headless
// Chromium: the page must show text and colour, and every image (each PNG
// figure, and each SVG figure on a companion page) must decode.
func TestReportInChromium(t *testing.T) {
	browser := browsertest.Find(t)
	dir := t.TempDir()
	index, err := WriteReport(context.Background(), reporttest.Demo(), reporttest.DemoRunID, dir)
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	// The check page sits next to index.html so that relative links resolve alike.
	check := filepath.Join(dir, "index-check.html")
	if err := os.WriteFile(check, browsertest.InjectCheck(page), 0o644); err != nil {
		t.Fatal(err)
	}
	rd := loadDemo(t)
	figs := rd.Figures()
	res := browsertest.Load(t, browser, "file://"+check)
	if len(res.Images) != len(figs) {
		t.Errorf("browser saw %d images, want %d figures", len(res.Images), len(figs))
	}
	for _, img := range res.Images {
		if !img.OK {
			t.Errorf("image %s did not load in the browser", img.Src)
		}
	}
	if res.TextLength < 2000 {
		t.Errorf("page shows only %d characters of text", res.TextLength)
	}
	for _, want := range []string{"Sampler comparison", "Planted-gap recovery per parameter", "Run 1: demo"} {
		if !strings.Contains(res.DOM, want) {
			t.Errorf("rendered DOM lacks %q", want)
		}
	}

	// SVG figures: a page of <img> tags, one per SVG file of the report.
	var b strings.Builder
	b.WriteString("<!DOCTYPE html><html><body>")
	for _, f := range figs {
		fmt.Fprintf(&b, `<img src="figures/%s.svg">`, f.Name)
	}
	b.WriteString("</body></html>")
	svgPage := filepath.Join(dir, "svg-check.html")
	if err := os.WriteFile(svgPage, browsertest.InjectCheck([]byte(b.String())), 0o644); err != nil {
		t.Fatal(err)
	}
	svg := browsertest.Load(t, browser, "file://"+svgPage)
	if len(svg.Images) != len(figs) {
		t.Errorf("browser saw %d SVG images, want %d", len(svg.Images), len(figs))
	}
	for i, img := range svg.Images {
		want := int(figs[i].Width.Points() + 0.5) // SVG width is in points; CSS px = pt * 4/3
		if !img.OK || img.Width < want {
			t.Errorf("SVG %s: loaded %v, natural width %d px, want at least %d", img.Src, img.OK, img.Width, want)
		}
	}

	// The screenshot of the top of the page is not blank.
	shot := browsertest.Screenshot(t, browser, "file://"+index, 1280, 1600)
	ink, colours := browsertest.Ink(shot)
	if ink < 0.03 || colours < 8 {
		t.Errorf("screenshot looks blank: %.1f%% of pixels inked, %d colours", 100*ink, colours)
	}
	if os.Getenv("CGX_KEEP_SCREENSHOTS") != "" {
		t.Logf("report kept in %s", dir)
	}
}
