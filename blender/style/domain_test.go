package style_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/srgb"
	"github.com/cgx-dev/cgx/blender/style"
)

func flatImage(w, h int, r, g, b uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = r, g, b, 255
	}
	return img
}

func mustExample(t testing.TB, kind string, size int) scene.Scene {
	t.Helper()
	s, err := scene.Example(kind, size)
	if err != nil {
		t.Fatalf("example %s: %v", kind, err)
	}
	return s
}

func renderExample(t *testing.T, kind string, size int) *image.NRGBA {
	t.Helper()
	f, err := (&blender.Embedded{}).Render(context.Background(), []scene.Scene{mustExample(t, kind, size)})
	if err != nil {
		t.Fatal(err)
	}
	return f[0].RGB
}

func TestDomainIdentity(t *testing.T) {
	src := renderExample(t, "shelf", 64)
	out, err := style.IdentityDomain().Apply(src, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Pix, src.Pix) {
		t.Errorf("identity domain changed the image")
	}
	if &out.Pix[0] == &src.Pix[0] {
		t.Errorf("Apply returned its input instead of a new image")
	}
}

func TestDomainDeterministicNoise(t *testing.T) {
	src := renderExample(t, "bottle", 64)
	for _, name := range []string{"cg", "real"} {
		d, _ := style.DomainByName(name)
		a, _ := d.Apply(src, 42)
		b, _ := d.Apply(src, 42)
		c, _ := d.Apply(src, 43)
		if !bytes.Equal(a.Pix, b.Pix) {
			t.Errorf("%s: same seed, different bytes", name)
		}
		if bytes.Equal(a.Pix, c.Pix) {
			t.Errorf("%s: different seeds, same bytes", name)
		}
	}
}

func TestDomainColourResponse(t *testing.T) {
	d := style.IdentityDomain()
	d.Gain = [3]float64{0.5, 1.2, 1}
	d.Offset = [3]float64{0.1, -0.05, 0.2}
	out, err := d.Apply(flatImage(8, 8, 100, 150, 250), 0)
	if err != nil {
		t.Fatal(err)
	}
	in := [3]float64{100, 150, 250}
	for c := range 3 {
		want := uint8(math.Round(math.Min(math.Max(in[c]/255*d.Gain[c]+d.Offset[c], 0), 1) * 255))
		if got := out.Pix[c]; got != want {
			t.Errorf("channel %d: %d, want %d", c, got, want)
		}
	}
}

// linearStats returns the mean and standard deviation of channel c in
// linear light.
func linearStats(img *image.NRGBA, c int) (mean, std float64) {
	n := 0.0
	var s, s2 float64
	for i := c; i < len(img.Pix); i += 4 {
		v := srgb.Decode(img.Pix[i])
		s += v
		s2 += v * v
		n++
	}
	mean = s / n
	return mean, math.Sqrt(s2/n - mean*mean)
}

func TestDomainNoiseStatistics(t *testing.T) {
	grey := flatImage(128, 128, 140, 140, 140)
	x := srgb.Decode(140)
	tests := []struct {
		name    string
		edit    func(*style.Domain)
		wantStd float64
	}{
		{"render noise", func(d *style.Domain) { d.RenderNoise = 0.05 }, 0.05 * x},
		{"sensor noise", func(d *style.Domain) { d.ShotNoise, d.ReadNoise = 0.004, 0.01 }, math.Sqrt(0.004*x + 0.01*0.01)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := style.IdentityDomain()
			tt.edit(&d)
			out, err := d.Apply(grey, 9)
			if err != nil {
				t.Fatal(err)
			}
			for c := range 3 {
				mean, std := linearStats(out, c)
				if math.Abs(std-tt.wantStd) > 0.1*tt.wantStd || math.Abs(mean-x) > 0.01 {
					t.Errorf("channel %d: mean %.4f std %.4f, want mean %.4f std %.4f", c, mean, std, x, tt.wantStd)
				}
			}
		})
	}
}

func TestDomainBlurSigma(t *testing.T) {
	for _, sigma := range []float64{0.8, 1.5, 3} {
		img := flatImage(33, 33, 0, 0, 0)
		o := img.PixOffset(16, 16)
		img.Pix[o], img.Pix[o+1], img.Pix[o+2] = 255, 255, 255
		d := style.IdentityDomain()
		d.BlurSigma = sigma
		out, err := d.Apply(img, 0)
		if err != nil {
			t.Fatal(err)
		}
		var sum, m2 float64
		for y := range 33 {
			for x := range 33 {
				v := srgb.Decode(out.Pix[out.PixOffset(x, y)+1])
				sum += v
				m2 += v * float64((x-16)*(x-16))
			}
		}
		got := math.Sqrt(m2 / sum)
		if math.Abs(got-sigma) > 0.1*sigma+0.05 {
			t.Errorf("blur sigma %v: impulse response has sigma %.3f", sigma, got)
		}
		// Flat images stay flat.
		flat, _ := d.Apply(flatImage(16, 16, 90, 90, 90), 0)
		for i := 0; i < len(flat.Pix); i += 4 {
			if flat.Pix[i] != 90 {
				t.Fatalf("blur changed a flat image: %d", flat.Pix[i])
			}
		}
	}
}

func TestDomainVignettingAndAberration(t *testing.T) {
	d := style.IdentityDomain()
	d.Vignetting = 0.3
	out, _ := d.Apply(flatImage(64, 64, 200, 200, 200), 0)
	centre := srgb.Decode(out.Pix[out.PixOffset(32, 32)])
	corner := srgb.Decode(out.Pix[out.PixOffset(0, 0)])
	if r := corner / centre; math.Abs(r-(1-0.3*math.Pow(math.Hypot(31.5, 31.5)/math.Hypot(32, 32), 2))) > 0.01 {
		t.Errorf("vignetting corner/centre %.3f", r)
	}
	// A white column near the right edge: red moves out (right), blue in.
	img := flatImage(64, 64, 0, 0, 0)
	for y := range 64 {
		o := img.PixOffset(56, y)
		img.Pix[o], img.Pix[o+1], img.Pix[o+2] = 255, 255, 255
	}
	d = style.IdentityDomain()
	d.ChromaticAberration = 2
	out, _ = d.Apply(img, 0)
	col := func(c int) float64 {
		var s, sx float64
		for x := range 64 {
			v := srgb.Decode(out.Pix[out.PixOffset(x, 32)+c])
			s += v
			sx += v * float64(x)
		}
		return sx / s
	}
	r, g, b := col(0), col(1), col(2)
	if !(r > g+0.3 && b < g-0.3) || g != 56 {
		t.Errorf("aberration column positions r %.2f g %.2f b %.2f: want red right of green (56) and blue left", r, g, b)
	}
}

func TestDomainJPEG(t *testing.T) {
	src := renderExample(t, "shelf", 64)
	maxErr := func(q int) int {
		d := style.IdentityDomain()
		d.JPEGQuality = q
		out, err := d.Apply(src, 0)
		if err != nil {
			t.Fatal(err)
		}
		m := 0
		for i := range out.Pix {
			m = max(m, absDiffU8(out.Pix[i], src.Pix[i]))
		}
		return m
	}
	e100, e75, e10 := maxErr(100), maxErr(75), maxErr(10)
	if !(e100 <= 4 && e75 > e100 && e10 > e75) {
		t.Errorf("JPEG max errors q100 %d q75 %d q10 %d: want small at 100 and growing as quality drops", e100, e75, e10)
	}
	// A flat image stays flat (no ringing); only its DC term is quantised.
	d := style.IdentityDomain()
	d.JPEGQuality = 90
	flat, _ := d.Apply(flatImage(20, 12, 10, 120, 240), 0)
	for i := 0; i < len(flat.Pix); i += 4 {
		if !bytes.Equal(flat.Pix[i:i+3], flat.Pix[:3]) || absDiffU8(flat.Pix[i], 10) > 3 || absDiffU8(flat.Pix[i+1], 120) > 3 || absDiffU8(flat.Pix[i+2], 240) > 3 {
			t.Fatalf("JPEG q90 turned a flat (10, 120, 240) image into %v at pixel %d", flat.Pix[i:i+3], i/4)
		}
	}
}

func absDiffU8(a, b uint8) int {
	if a > b {
		return int(a - b)
	}
	return int(b - a)
}

func TestDomainValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*style.Domain)
		want string
	}{
		{"zero gain", func(d *style.Domain) { d.Gain[1] = 0 }, "gain_g 0 not in [0.01, 4]"},
		{"NaN blur", func(d *style.Domain) { d.BlurSigma = math.NaN() }, "blur_sigma NaN"},
		{"jpeg", func(d *style.Domain) { d.JPEGQuality = 101 }, "jpeg_quality 101"},
		{"vignetting", func(d *style.Domain) { d.Vignetting = 2 }, "vignetting 2"},
	}
	for _, tt := range tests {
		d := style.RealDomain()
		tt.edit(&d)
		err := d.Validate()
		if !errors.Is(err, style.ErrInvalidDomain) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want style.ErrInvalidDomain containing %q", tt.name, err, tt.want)
		}
		if _, err := d.Apply(flatImage(8, 8, 1, 2, 3), 0); !errors.Is(err, style.ErrInvalidDomain) {
			t.Errorf("%s: Apply accepted an invalid domain", tt.name)
		}
	}
	if _, err := style.DomainByName("photo"); !errors.Is(err, style.ErrInvalidDomain) || !strings.Contains(err.Error(), "cg, cg-varied, cg-varied-blur, identity, real, real-blur") {
		t.Errorf("style.DomainByName(photo): %v", err)
	}
}

func TestGapDefaults(t *testing.T) {
	g := style.Gap(style.CGDomain(), style.RealDomain())
	if !(g["brightness_g"] < -0.01 && g["contrast_g"] < -0.05) {
		t.Errorf("planted gap is not 'CG too green': %v", g)
	}
	for _, k := range []string{"brightness_r", "brightness_b", "contrast_r", "contrast_b", "exposure"} {
		if g[k] != 0 {
			t.Errorf("%s = %v, want 0 (neutral)", k, g[k])
		}
	}
	if g["sigma"] != 0.9 || g["sigma_g"] != 0.9 {
		t.Errorf("sigma %v, want the real domain's optical blur 0.9", g["sigma"])
	}
	back := style.Gap(style.RealDomain(), style.CGDomain())
	if back["sigma"] != 0 || back["contrast_g"] <= 0 {
		t.Errorf("real-to-cg gap %v: want no blur (cannot sharpen) and positive green contrast", back)
	}
}

// TestGapMatchesApply applies the stated colour gap to a CG image and
// compares with the real image of the same render: they agree to rounding.
func TestGapMatchesApply(t *testing.T) {
	src := renderExample(t, "shelf", 64)
	from, to := style.IdentityDomain(), style.IdentityDomain()
	from.Gain, from.Offset = [3]float64{0.95, 1.1, 1.02}, [3]float64{0.01, 0.03, -0.02}
	to.Gain, to.Offset = [3]float64{1.05, 0.97, 1}, [3]float64{-0.02, 0, 0.01}
	a, _ := from.Apply(src, 0)
	b, _ := to.Apply(src, 0)
	g := style.Gap(from, to)
	worst := 0.0
	for i := 0; i < len(a.Pix); i += 4 {
		for c, ch := range []string{"r", "g", "b"} {
			x := float64(a.Pix[i+c]) / 255
			if x == 0 || x == 1 { // clamped: information lost
				continue
			}
			want := x*(1+g["contrast_"+ch]) + g["brightness_"+ch]
			if want < 0 || want > 1 {
				continue
			}
			worst = math.Max(worst, math.Abs(want-float64(b.Pix[i+c])/255))
		}
	}
	if worst > 1.6/255 {
		t.Errorf("gap predicts the target image within %.4f, want rounding error only", worst)
	}
}
