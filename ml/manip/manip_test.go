package manip

import (
	"errors"
	"math"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"gorgonia.org/tensor"
)

func TestLookupNames(t *testing.T) {
	want := []string{"blur", "blur-brightness-contrast", "brightness-contrast", "channel-blur", "exposure", "hsv", "noise", "patch-brightness-contrast"}
	if diff := cmp.Diff(want, Names()); diff != "" {
		t.Fatalf("Names() mismatch (-want +got):\n%s", diff)
	}
	for _, name := range want {
		if got := lookup(t, name, Options{}).Name(); got != name {
			t.Errorf("Lookup(%q).Name() = %q", name, got)
		}
	}
}

func TestLookupErrors(t *testing.T) {
	tests := []struct {
		name    string
		manip   string
		opts    Options
		wantErr error
		mention string
	}{
		{name: "unknown name lists the names", manip: "sharpen", wantErr: ErrUnknown, mention: "brightness-contrast, channel-blur"},
		{name: "empty name", manip: "", wantErr: ErrUnknown, mention: "exposure"},
		{name: "negative grid", manip: "patch-brightness-contrast", opts: Options{GridRows: -1}, wantErr: ErrOptions, mention: "grid -1x8"},
		{name: "huge grid", manip: "patch-brightness-contrast", opts: Options{GridCols: 1000}, wantErr: ErrOptions, mention: "8x1000"},
		{name: "negative radius", manip: "blur", opts: Options{BlurRadius: -2}, wantErr: ErrOptions, mention: "radius -2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Lookup(tc.manip, tc.opts)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
		})
	}
}

// TestParamNames pins the parameter names to docs/DATA.md's table.
func TestParamNames(t *testing.T) {
	tests := []struct {
		manip string
		opts  Options
		want  []string
	}{
		{"brightness-contrast", Options{}, []string{"brightness_r", "brightness_g", "brightness_b", "contrast_r", "contrast_g", "contrast_b"}},
		{"patch-brightness-contrast", Options{GridRows: 2, GridCols: 3}, []string{
			"brightness_0_0", "brightness_0_1", "brightness_0_2", "brightness_1_0", "brightness_1_1", "brightness_1_2",
			"contrast_0_0", "contrast_0_1", "contrast_0_2", "contrast_1_0", "contrast_1_1", "contrast_1_2"}},
		{"hsv", Options{}, []string{"hue", "saturation", "value"}},
		{"blur", Options{}, []string{"sigma"}},
		{"channel-blur", Options{}, []string{"sigma_r", "sigma_g", "sigma_b"}},
		{"noise", Options{}, []string{"noise_mean", "noise_std"}},
		{"exposure", Options{}, []string{"exposure"}},
	}
	for _, tc := range tests {
		t.Run(tc.manip, func(t *testing.T) {
			m := lookup(t, tc.manip, tc.opts)
			var got []string
			for _, p := range m.Params() {
				got = append(got, p.Name)
				if !(p.Low <= p.Identity && p.Identity <= p.High && p.Low < p.High) {
					t.Errorf("%s: identity %v outside range [%v,%v]", p.Name, p.Identity, p.Low, p.High)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("names mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if n := len(lookup(t, "patch-brightness-contrast", Options{}).Params()); n != 128 {
		t.Errorf("default patch grid has %d parameters, want 128 (8x8, 2 per patch)", n)
	}
}

func TestParamsIsACopy(t *testing.T) {
	m := lookup(t, "hsv", Options{})
	ps := m.Params()
	ps[0].Name = "changed"
	if m.Params()[0].Name != "hue" {
		t.Fatal("editing the slice Params returned changed the manipulation")
	}
}

// TestIdentity: identity values leave an image unchanged, bit for bit,
// except the blurs, whose starting sigma moves values by at most 0.0018 and
// whose sigma 0 is exact.
func TestIdentity(t *testing.T) {
	r := testRand(t, 7)
	const h, w = 9, 11
	src := toFloat32(randomImages(r, 1, h, w, 0, 1))
	src[0], src[1], src[h*w] = 0, 1, 1 // saturated values stay too
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			m := lookup(t, name, Options{GridRows: 3, GridCols: 4})
			dst := make([]float32, len(src))
			if err := m.Apply(dst, src, h, w, IdentityValues(m), 42); err != nil {
				t.Fatal(err)
			}
			tol := 0.0
			if strings.Contains(name, "blur") {
				tol = 0.0018
			}
			for i := range src {
				if d := math.Abs(float64(dst[i] - src[i])); d > tol {
					t.Fatalf("value %d: identity changed %v to %v (tolerance %v)", i, src[i], dst[i], tol)
				}
			}
			if tol == 0 {
				return
			}
			zero := make([]float64, len(m.Params()))
			if err := m.Apply(dst, src, h, w, zero, 42); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(dst, src) {
				t.Error("sigma 0 changed the image")
			}
		})
	}
}

// TestBlurIdentityBound: the worst case for the starting sigma is a single
// bright pixel on black.
func TestBlurIdentityBound(t *testing.T) {
	const h, w = 7, 7
	src := make([]float32, 3*h*w)
	src[3*w+3] = 1
	m := lookup(t, "blur", Options{})
	dst := make([]float32, len(src))
	if err := m.Apply(dst, src, h, w, IdentityValues(m), 0); err != nil {
		t.Fatal(err)
	}
	if d := 1 - dst[3*w+3]; d > 0.0018 || d < 0.001 {
		t.Errorf("impulse lost %v of its value, want between 0.001 and 0.0018", d)
	}
}

// TestSemantics checks each manipulation against values worked out by hand.
func TestSemantics(t *testing.T) {
	pixel := func(r, g, b float32) []float32 { return []float32{r, g, b} }
	tests := []struct {
		name   string
		manip  string
		values []float64
		src    []float32 // one pixel
		want   []float32
		tol    float64
	}{
		{"brightness", "brightness-contrast", []float64{0.1, -0.1, 0, 0, 0, 0}, pixel(0.5, 0.5, 0.5), pixel(0.6, 0.4, 0.5), 1e-7},
		{"contrast", "brightness-contrast", []float64{0, 0, 0, 0.5, -0.5, 0}, pixel(0.5, 0.5, 0.5), pixel(0.75, 0.25, 0.5), 1e-7},
		{"bc clamps", "brightness-contrast", []float64{0.8, -0.8, 0, 0, 0, 0}, pixel(0.5, 0.5, 0.5), pixel(1, 0, 0.5), 0},
		{"hue third turns red to green", "hsv", []float64{1.0 / 3, 0, 0}, pixel(1, 0, 0), pixel(0, 1, 0), 1e-6},
		{"hue third turns green to blue", "hsv", []float64{1.0 / 3, 0, 0}, pixel(0, 0.5, 0), pixel(0, 0, 0.5), 1e-6},
		{"saturation -1 gives grey", "hsv", []float64{0, -1, 0}, pixel(0.9, 0.3, 0.3), pixel(0.5, 0.5, 0.5), 1e-6},
		{"value scales", "hsv", []float64{0, 0, -0.5}, pixel(0.8, 0.4, 0.2), pixel(0.4, 0.2, 0.1), 1e-7},
		{"grey ignores hue", "hsv", []float64{0.27, 0.3, 0}, pixel(0.4, 0.4, 0.4), pixel(0.4, 0.4, 0.4), 1e-7},
		{"exposure +1 stop", "exposure", []float64{1}, pixel(0.5, 0, 1), pixel(2.0/3, 0, 1), 1e-7},
		{"exposure -1 stop", "exposure", []float64{-1}, pixel(0.5, 0.25, 1), pixel(1.0/3, 1.0/7, 1), 1e-7},
		{"noise mean", "noise", []float64{0.2, 0}, pixel(0.1, 0.5, 0.9), pixel(0.3, 0.7, 1), 1e-7},
		{"blur of one pixel", "blur", []float64{2}, pixel(0.2, 0.4, 0.6), pixel(0.2, 0.4, 0.6), 1e-7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := lookup(t, tc.manip, Options{})
			dst := make([]float32, 3)
			if err := m.Apply(dst, tc.src, 1, 1, tc.values, 1); err != nil {
				t.Fatal(err)
			}
			for c := range 3 {
				if d := math.Abs(float64(dst[c] - tc.want[c])); d > tc.tol {
					t.Fatalf("got %v, want %v", dst, tc.want)
				}
			}
		})
	}
}

// TestPatchCells: a cell's values touch only its own pixels; cells split
// uneven sizes by integer division.
func TestPatchCells(t *testing.T) {
	const h, w = 5, 7 // 2x3 grid: rows [0,2),[2,5); columns [0,2),[2,4),[4,7)
	m := lookup(t, "patch-brightness-contrast", Options{GridRows: 2, GridCols: 3})
	values := make([]float64, 12)
	values[5] = 0.25 // brightness_1_2: rows 2..4, columns 4..6
	src := make([]float32, 3*h*w)
	for i := range src {
		src[i] = 0.5
	}
	dst := make([]float32, len(src))
	if err := m.Apply(dst, src, h, w, values, 0); err != nil {
		t.Fatal(err)
	}
	for c := range 3 {
		for y := range h {
			for x := range w {
				want := float32(0.5)
				if y >= 2 && x >= 4 {
					want = 0.75
				}
				if got := dst[(c*h+y)*w+x]; got != want {
					t.Fatalf("channel %d pixel (%d,%d) = %v, want %v", c, y, x, got, want)
				}
			}
		}
	}
}

// TestBlurKernel: taps are symmetric, sum to 1 and match a direct erf
// evaluation; the blur preserves a constant image.
func TestBlurKernel(t *testing.T) {
	const radius = 5
	wt, dwt := make([]float64, 2*radius+1), make([]float64, 2*radius+1)
	blurWeights(1.3, radius, wt, dwt)
	sum := 0.0
	for k := -radius; k <= radius; k++ {
		if wt[radius+k] != wt[radius-k] {
			t.Errorf("tap %d = %v, tap %d = %v: not symmetric", k, wt[radius+k], -k, wt[radius-k])
		}
		sum += wt[radius+k]
	}
	if math.Abs(sum-1) > 1e-14 {
		t.Errorf("taps sum to %v", sum)
	}
	cdf := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
	norm := cdf((radius+0.5)/1.3) - cdf(-(radius+0.5)/1.3)
	if want := (cdf(1.5/1.3) - cdf(0.5/1.3)) / norm; math.Abs(wt[radius+1]-want) > 1e-14 {
		t.Errorf("tap 1 = %v, want %v", wt[radius+1], want)
	}

	const h, w = 6, 5
	src := make([]float32, 3*h*w)
	for i := range src {
		src[i] = 0.3
	}
	dst := make([]float32, len(src))
	if err := lookup(t, "channel-blur", Options{}).Apply(dst, src, h, w, []float64{0.5, 1, 3}, 0); err != nil {
		t.Fatal(err)
	}
	for i, v := range dst {
		if math.Abs(float64(v)-0.3) > 1e-7 {
			t.Fatalf("value %d of a constant image blurred to %v", i, v)
		}
	}
}

func TestReflect(t *testing.T) {
	got := make([]int, 0, 14)
	for i := -5; i < 9; i++ {
		got = append(got, reflect(i, 4))
	}
	want := []int{1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reflect(i, 4) for i=-5..8 (-want +got):\n%s", diff)
	}
	if reflect(-3, 1) != 0 || reflect(7, 1) != 0 {
		t.Error("reflect on a 1-pixel axis must give 0")
	}
}

// TestApplyMatchesGraph: Apply reproduces a float32 graph's output bit for
// bit, and an image's output and gradient are the same alone and in a
// batch, whatever GOMAXPROCS.
func TestApplyMatchesGraph(t *testing.T) {
	for ci, tc := range gradCases {
		t.Run(tc.name, func(t *testing.T) {
			r := testRand(t, uint64(500+ci))
			m := lookup(t, tc.manip, tc.opts)
			const n = 2
			size := 3 * tc.h * tc.w
			x := randomImages(r, n, tc.h, tc.w, tc.lo, tc.hi)
			wts := randomImages(r, n, tc.h, tc.w, -1, 1)
			x = floats(toFloat32(x)) // exactly representable in float32
			seeds := []int64{3, 99}
			raw := batchRaw(m, tc.values)
			k := len(m.Params())

			run := func(procs int) ([]float64, []float64) {
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
				out, _, grad := newGraphRun(t, m, tensor.Float32, x, n, tc.h, tc.w, seeds, wts).run(t, raw)
				return out, grad
			}
			out, grad := run(4)
			out1, grad1 := run(1)
			if !slices.Equal(out, out1) || !slices.Equal(grad, grad1) {
				t.Fatal("GOMAXPROCS 1 and 4 differ")
			}
			for i := range n {
				// The values the graph used: Reparam of the float32 raw variables.
				vals := make([]float64, k)
				for j, p := range m.Params() {
					vals[j] = float64(float32(p.Value(float64(float32(raw[i*k+j])))))
				}
				dst := make([]float32, size)
				if err := m.Apply(dst, toFloat32(x[i*size:(i+1)*size]), tc.h, tc.w, vals, seeds[i]); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(floats(dst), out[i*size:(i+1)*size]) {
					t.Errorf("image %d: Apply differs from the graph", i)
				}
				alone, _, g1 := newGraphRun(t, m, tensor.Float32, x[i*size:(i+1)*size], 1, tc.h, tc.w, seeds[i:i+1], wts[i*size:(i+1)*size]).run(t, raw[i*k:(i+1)*k])
				if !slices.Equal(alone, out[i*size:(i+1)*size]) || !slices.Equal(g1, grad[i*k:(i+1)*k]) {
					t.Errorf("image %d: output or gradient alone differs from in the batch", i)
				}
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	m := lookup(t, "brightness-contrast", Options{})
	tests := []struct {
		name    string
		manip   Manipulation
		n, h, w int
		k       int
		seeds   int
		dtV     tensor.Dtype
	}{
		{name: "wrong k", manip: m, n: 2, h: 4, w: 4, k: 5, seeds: 2, dtV: tensor.Float32},
		{name: "wrong seeds", manip: m, n: 2, h: 4, w: 4, k: 6, seeds: 1, dtV: tensor.Float32},
		{name: "mixed dtype", manip: m, n: 2, h: 4, w: 4, k: 6, seeds: 2, dtV: tensor.Float64},
		{name: "grid larger than image", manip: lookup(t, "patch-brightness-contrast", Options{}), n: 1, h: 4, w: 16, k: 128, seeds: 1, dtV: tensor.Float32},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gr := newErrGraph(tc.n, tc.h, tc.w, tc.k, tc.dtV)
			_, err := tc.manip.Build(gr.x, gr.v, make([]int64, tc.seeds))
			if !errors.Is(err, ErrShape) {
				t.Fatalf("error %v, want ErrShape", err)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	m := lookup(t, "hsv", Options{})
	img := make([]float32, 12)
	tests := []struct {
		name      string
		dst, src  []float32
		h, w      int
		values    []float64
		wantErr   error
		mentioned string
	}{
		{"short dst", img[:11], img, 2, 2, []float64{0, 0, 0}, ErrShape, "dst 11"},
		{"zero size", img, img, 0, 2, []float64{0, 0, 0}, ErrShape, "0x2"},
		{"too few values", img, img, 2, 2, []float64{0, 0}, ErrParams, "hue, saturation, value"},
		{"NaN value", img, img, 2, 2, []float64{0, math.NaN(), 0}, ErrParams, "saturation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := m.Apply(tc.dst, tc.src, tc.h, tc.w, tc.values, 0)
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.mentioned) {
				t.Fatalf("error %v, want %v mentioning %q", err, tc.wantErr, tc.mentioned)
			}
		})
	}
}
