package reports

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/reports/reporttest"
	"github.com/cgx-dev/cgx/tracker"
)

func TestFigureNames(t *testing.T) {
	rd := loadDemo(t)
	var got []string
	for _, f := range rd.Figures() {
		got = append(got, f.Name)
	}
	want := []string{
		"epochs-discriminator-style", "epochs-segmentation-baseline",
		"params-brightness-contrast-cg-to-real", "grid-brightness-contrast-cg-to-real", "curves-brightness-contrast-cg-to-real",
		"params-brightness-contrast-real-to-cg", "recovery-brightness-contrast-real-to-cg", "grid-brightness-contrast-real-to-cg", "curves-brightness-contrast-real-to-cg",
		"params-patch-brightness-contrast-cg-to-real", "patches-patch-brightness-contrast-cg-to-real", "curves-patch-brightness-contrast-cg-to-real",
		"params-blur-cg-to-real", "curves-blur-cg-to-real",
		"history-exp2.1-round-1", "edf-exp2.1-round-1", "best-exp2.1-round-1",
		"importance-exp2.1-round-1", "parallel-exp2.1-round-1", "slice-exp2.1-round-1", "contour-exp2.1-round-1",
		"history-exp2.1-round-2", "edf-exp2.1-round-2", "best-exp2.1-round-2",
		"importance-exp2.1-round-2", "parallel-exp2.1-round-2", "slice-exp2.1-round-2", "contour-exp2.1-round-2",
		"shelf-exp2", "standing-exp1-round-1",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("figure names (-want +got):\n%s", diff)
	}
	if _, err := rd.Figure("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown figure: err = %v, want ErrNotFound", err)
	}
}

// TestFiguresGolden compares every demo figure with testdata/figures: PNGs
// pixel by pixel (pngClose: a small tolerance for other CPU architectures),
// SVGs by SHA-256 digest (testdata/figures/svg.sha256). Run with -update to
// rewrite them, then look at the PNGs.
func TestFiguresGolden(t *testing.T) {
	src := reporttest.Demo()
	rd, err := LoadRun(context.Background(), src, reporttest.DemoRunID)
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	for _, f := range rd.Figures() {
		pngBytes, err := f.Render(context.Background(), src, FigurePNG)
		if err != nil {
			t.Fatal(err)
		}
		svgBytes, err := f.Render(context.Background(), src, FigureSVG)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(svgBytes)
		digests = append(digests, hex.EncodeToString(sum[:])+"  "+f.Name+".svg")
		cfg, err := png.DecodeConfig(bytes.NewReader(pngBytes))
		if err != nil {
			t.Fatalf("%s: PNG does not decode: %v", f.Name, err)
		}
		if wantW := int(f.Width.Dots(FigureDPI) + 0.5); cfg.Width != wantW {
			t.Errorf("%s: PNG width %d, want %d", f.Name, cfg.Width, wantW)
		}
		if !bytes.HasPrefix(svgBytes, []byte("<?xml")) || !bytes.Contains(svgBytes, []byte("</svg>")) {
			t.Errorf("%s: SVG is not a complete document", f.Name)
		}
		path := filepath.Join("testdata", "figures", f.Name+".png")
		if *update {
			os.MkdirAll(filepath.Dir(path), 0o755)
			if err := os.WriteFile(path, pngBytes, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read golden figure (run with -update to create it): %v", err)
		}
		if !pngClose(t, pngBytes, want) {
			got := filepath.Join(t.TempDir(), f.Name+".png")
			os.WriteFile(got, pngBytes, 0o644)
			t.Errorf("%s differs from %s (got written to %s); run with -update if intended", f.Name, path, got)
		}
	}
	checkGolden(t, "figures/svg.sha256", []byte(strings.Join(digests, "\n")+"\n"))
}

// TestFiguresDeterministic renders every figure concurrently under two
// GOMAXPROCS settings and requires identical bytes.
func TestFiguresDeterministic(t *testing.T) {
	src := reporttest.Demo()
	rd := loadDemo(t)
	figs := rd.Figures()
	render := func() map[string]string {
		out := map[string]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, f := range figs {
			for _, format := range []string{FigurePNG, FigureSVG} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					b, err := f.Render(context.Background(), src, format)
					if err != nil {
						t.Error(err)
					}
					mu.Lock()
					out[f.Name+"."+format] = string(b)
					mu.Unlock()
				}()
			}
		}
		wg.Wait()
		return out
	}
	prev := runtime.GOMAXPROCS(1)
	a := render()
	runtime.GOMAXPROCS(max(4, prev))
	b := render()
	runtime.GOMAXPROCS(prev)
	for k := range a {
		if a[k] != b[k] {
			t.Errorf("%s: bytes differ between GOMAXPROCS 1 and %d", k, max(4, prev))
		}
	}
}

// TestGreenIsNegative checks the published finding reaches the histogram:
// the green channel's series is centred below zero, red and blue near it.
func TestGreenIsNegative(t *testing.T) {
	rd := loadDemo(t)
	panels := histPanels(rd.Studies[0])
	if len(panels) != 2 {
		t.Fatalf("got %d panels, want brightness and contrast", len(panels))
	}
	for _, p := range panels {
		means := map[string]float64{}
		for _, s := range p.series {
			means[s.label] = mean(s.values)
			if math.IsNaN(s.planted) {
				t.Errorf("%s %s: planted value missing", p.title, s.label)
			}
		}
		if means["green"] > -0.05 || math.Abs(means["red"]) > 0.02 || math.Abs(means["blue"]) > 0.04 {
			t.Errorf("%s: channel means %v, want green clearly negative, red and blue near 0", p.title, means)
		}
		if c := p.series[1].color; c != channelColor["g"] {
			t.Errorf("%s: green drawn in %v", p.title, c)
		}
	}
}

// failingArtifacts hides every artifact, or fails with a cancelled context.
type failingArtifacts struct {
	Source
	cancel bool
}

func (f failingArtifacts) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	if f.cancel {
		return nil, tracker.ArtifactMeta{}, context.Canceled
	}
	return nil, tracker.ArtifactMeta{}, errors.New("no such artifact")
}

func TestImageFiguresWithoutArtifacts(t *testing.T) {
	rd := loadDemo(t)
	f, err := rd.Figure("grid-brightness-contrast-cg-to-real")
	if err != nil {
		t.Fatal(err)
	}
	src := failingArtifacts{Source: reporttest.Demo()}
	b, err := f.Render(context.Background(), src, FigurePNG)
	if err != nil || len(b) == 0 {
		t.Fatalf("missing artifacts must draw placeholders, got err %v", err)
	}
	svg, err := f.Render(context.Background(), src, FigureSVG)
	if err != nil || !bytes.Contains(svg, []byte("image missing")) {
		t.Fatalf("SVG lacks the placeholder text (err %v)", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Render(ctx, failingArtifacts{Source: src, cancel: true}, FigurePNG); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: err = %v, want context.Canceled", err)
	}
	if _, err := f.Render(context.Background(), src, "gif"); !errors.Is(err, ErrFormat) {
		t.Fatalf("gif: err = %v, want ErrFormat", err)
	}
}

// studyFromValues builds style and content studies from arbitrary numbers.
func studyFromValues(vals []float64) []StudyData {
	style := StudyData{ID: 1, Name: "s", Kind: KindStyle, Manipulation: "patch-brightness-contrast", Direction: "cg-to-real",
		Threshold: DefaultThreshold, Planted: map[string]float64{"brightness_g": vals[0]}}
	content := StudyData{ID: 2, Name: "c", Kind: KindContent, Search: "x", Round: 1, Sampler: "tpe", Threshold: 0.5}
	for i, v := range vals {
		tr := Trial{Number: i, Complete: true, Value: v, Confidence: math.NaN(), Steps: -1, Image: -1,
			Params: map[string]float64{"brightness_g": v, "brightness_0_0": v, fmt.Sprintf("brightness_%d_1", i%3): -v}}
		style.Trials = append(style.Trials, tr)
		content.Trials = append(content.Trials, tr)
	}
	return []StudyData{style, content}
}

// FuzzFigures draws every figure of studies made of arbitrary values: no
// panic, no endless tick search, an image out.
func FuzzFigures(f *testing.F) {
	f.Add(1.0, 1.0, 1.0)
	f.Add(0.0, math.Copysign(0, -1), 1e-300) // a negative zero: the literal -0.0 is +0
	f.Add(1e300, -1e300, 3.0)
	f.Add(math.NaN(), math.Inf(1), 0.5)
	f.Fuzz(func(t *testing.T, a, b, c float64) {
		for _, v := range []float64{a, b, c} {
			if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e12 {
				return // the loader marks such trials incomplete
			}
		}
		ss := studyFromValues([]float64{a, b, c})
		figs := append(StudyFigures(ss[0]), StudyFigures(ss[1])...)
		if len(figs) == 0 {
			t.Fatal("no figures")
		}
		for _, fig := range figs {
			if _, err := fig.Render(context.Background(), reporttest.Demo(), FigurePNG); err != nil {
				t.Fatalf("%s: %v", fig.Name, err)
			}
		}
	})
}

func TestSlug(t *testing.T) {
	tests := map[string][]string{
		"brightness-contrast-cg-to-real": {"brightness-contrast", "cg-to-real"},
		"exp2.1-round-1":                 {"exp2.1", "round-1"},
		"script-alert-1-script":          {"<script>alert(1)</script>"},
		"figure":                         {"..", "//"},
	}
	keys := make([]string, 0, len(tests))
	for k := range tests {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, want := range keys {
		if got := slug(tests[want]...); got != want {
			t.Errorf("slug(%q) = %q, want %q", tests[want], got, want)
		}
	}
}

var _ = goptuna.TrialStateComplete

// pngClose decodes two PNGs and reports whether they have the same size and
// at most 0.1% of their pixels differ by more than 8/255 in some channel (the
// spirit of gonum's cmpimg.EqualApprox, whose PDF dependency we do not carry).
func pngClose(t *testing.T, a, b []byte) bool {
	t.Helper()
	ia, err := png.Decode(bytes.NewReader(a))
	if err != nil {
		t.Fatalf("decode PNG: %v", err)
	}
	ib, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode golden PNG: %v", err)
	}
	if ia.Bounds() != ib.Bounds() {
		return false
	}
	const tol = 8 * 257
	bad, r := 0, ia.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			r1, g1, b1, a1 := ia.At(x, y).RGBA()
			r2, g2, b2, a2 := ib.At(x, y).RGBA()
			for _, d := range [][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
				if d[0] > d[1]+tol || d[1] > d[0]+tol {
					bad++
					break
				}
			}
		}
	}
	return bad*1000 <= r.Dx()*r.Dy()
}
