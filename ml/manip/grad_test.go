package manip

import (
	"fmt"
	"math"
	"testing"

	"gorgonia.org/tensor"
)

type gradCase struct {
	name   string
	manip  string
	opts   Options
	values []float64 // per image; image 1 uses values scaled by -0.5 (identity-relative)
	h, w   int
	lo, hi float64 // pixel range
}

var gradCases = []gradCase{
	{name: "bc identity", manip: "brightness-contrast", values: []float64{0, 0, 0, 0, 0, 0}, h: 6, w: 5, lo: 0.05, hi: 0.95},
	{name: "bc moved", manip: "brightness-contrast", values: []float64{0.05, -0.03, 0.02, 0.1, -0.2, 0.15}, h: 6, w: 5, lo: 0.05, hi: 0.8},
	{name: "bc clamping", manip: "brightness-contrast", values: []float64{0.3, -0.4, 0.1, 0.5, 0.2, -0.3}, h: 6, w: 5, lo: 0, hi: 1},
	{name: "patch 3x2", manip: "patch-brightness-contrast", opts: Options{GridRows: 3, GridCols: 2}, values: seq(12, 0.01), h: 7, w: 5, lo: 0.05, hi: 0.9},
	{name: "patch clamping", manip: "patch-brightness-contrast", opts: Options{GridRows: 2, GridCols: 2}, values: []float64{0.4, -0.3, 0.2, -0.5, 0.6, 0.1, -0.2, 0.3}, h: 6, w: 6, lo: 0, hi: 1},
	{name: "hsv identity", manip: "hsv", values: []float64{0, 0, 0}, h: 5, w: 6, lo: 0.1, hi: 0.9},
	{name: "hsv moved", manip: "hsv", values: []float64{0.1, 0.2, -0.1}, h: 5, w: 6, lo: 0.1, hi: 0.9},
	{name: "hsv far", manip: "hsv", values: []float64{0.4, -0.5, 0.3}, h: 5, w: 6, lo: 0, hi: 1},
	{name: "blur identity", manip: "blur", opts: Options{BlurRadius: 4}, values: []float64{blurIdentity}, h: 6, w: 7, lo: 0, hi: 1},
	{name: "blur 0.5", manip: "blur", opts: Options{BlurRadius: 4}, values: []float64{0.5}, h: 6, w: 7, lo: 0, hi: 1},
	{name: "blur 1.5 folded", manip: "blur", values: []float64{1.5}, h: 6, w: 7, lo: 0, hi: 1},
	{name: "blur 3", manip: "blur", opts: Options{BlurRadius: 9}, values: []float64{3}, h: 12, w: 11, lo: 0, hi: 1},
	{name: "blur-bc identity", manip: "blur-brightness-contrast", opts: Options{BlurRadius: 4}, values: []float64{0, 0, 0, 0, 0, 0, blurIdentity}, h: 6, w: 7, lo: 0.05, hi: 0.95},
	{name: "blur-bc moved", manip: "blur-brightness-contrast", opts: Options{BlurRadius: 4}, values: []float64{0.05, -0.03, 0.02, 0.1, -0.2, 0.15, 0.8}, h: 6, w: 7, lo: 0.05, hi: 0.8},
	{name: "blur-bc clamping", manip: "blur-brightness-contrast", opts: Options{BlurRadius: 5}, values: []float64{0.3, -0.4, 0.1, 0.5, 0.2, -0.3, 1.7}, h: 8, w: 7, lo: 0, hi: 1},
	{name: "channel blur", manip: "channel-blur", opts: Options{BlurRadius: 5}, values: []float64{0.3, 1, 2}, h: 8, w: 6, lo: 0, hi: 1},
	{name: "noise identity", manip: "noise", values: []float64{0, 0}, h: 5, w: 5, lo: 0.05, hi: 0.95},
	{name: "noise moved", manip: "noise", values: []float64{0.03, 0.05}, h: 5, w: 5, lo: 0, hi: 1},
	{name: "exposure identity", manip: "exposure", values: []float64{0}, h: 5, w: 4, lo: 0, hi: 1},
	{name: "exposure up", manip: "exposure", values: []float64{0.7}, h: 5, w: 4, lo: 0, hi: 1},
	{name: "exposure down", manip: "exposure", values: []float64{-1.5}, h: 5, w: 4, lo: 0, hi: 1},
}

// seq returns n values 0, step, -2*step, 3*step, ... (alternating signs).
func seq(n int, step float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i) * step
		if i%2 == 0 {
			v[i] = -v[i]
		}
	}
	return v
}

// batchRaw returns raw variables for a batch of two images: image 0 at the
// case's values, image 1 half-way back to the identity (so the two rows differ).
func batchRaw(m Manipulation, values []float64) []float64 {
	ps := m.Params()
	raw := make([]float64, 2*len(ps))
	for j, p := range ps {
		raw[j] = p.Raw(values[j])
		raw[len(ps)+j] = p.Raw(p.Identity + 0.5*(values[j]-p.Identity))
	}
	return raw
}

// TestGradientFiniteDifferences checks every op's gradient (through Reparam)
// against central finite differences of the float64 graph, and the float32
// graph's gradient against the float64 one.
func TestGradientFiniteDifferences(t *testing.T) {
	for ci, tc := range gradCases {
		t.Run(tc.name, func(t *testing.T) {
			r := testRand(t, uint64(100+ci))
			m := lookup(t, tc.manip, tc.opts)
			const n = 2
			x := randomImages(r, n, tc.h, tc.w, tc.lo, tc.hi)
			wts := randomImages(r, n, tc.h, tc.w, -1, 1)
			seeds := []int64{int64(r.Uint64() >> 1), int64(r.Uint64() >> 1)}
			raw := batchRaw(m, tc.values)

			g64 := newGraphRun(t, m, tensor.Float64, x, n, tc.h, tc.w, seeds, wts)
			_, _, grad := g64.run(t, raw)
			const eps = 1e-6
			scale := 0.0
			for _, v := range grad {
				scale = math.Max(scale, math.Abs(v))
			}
			for j := range raw {
				p, q := append([]float64(nil), raw...), append([]float64(nil), raw...)
				p[j] += eps
				q[j] -= eps
				_, lp, _ := g64.run(t, p)
				_, lq, _ := g64.run(t, q)
				fd := (lp - lq) / (2 * eps)
				if d := math.Abs(fd - grad[j]); d > 1e-6*math.Max(1, math.Abs(fd)) {
					t.Errorf("raw[%d]: gradient %.10g, finite difference %.10g (diff %.3g)", j, grad[j], fd, d)
				}
			}

			g32 := newGraphRun(t, m, tensor.Float32, x, n, tc.h, tc.w, seeds, wts)
			_, _, grad32 := g32.run(t, raw)
			for j := range grad {
				if d := math.Abs(grad32[j] - grad[j]); d > 1e-4*math.Max(scale, 1e-3) {
					t.Errorf("raw[%d]: float32 gradient %.6g, float64 %.6g", j, grad32[j], grad[j])
				}
			}
		})
	}
}

// TestBlurGradientNearIdentity checks that the erf-integrated kernel's
// gradient at the starting sigma is far from zero and grows with sigma, the
// property that lets a fit leave the identity.
func TestBlurGradientNearIdentity(t *testing.T) {
	const radius = 4
	wt, dwt := make([]float64, 2*radius+1), make([]float64, 2*radius+1)
	prev := 0.0
	for _, sigma := range []float64{blurIdentity, 0.2, 0.3} {
		blurWeights(sigma, radius, wt, dwt)
		if d := dwt[radius+1]; d <= prev {
			t.Errorf("sigma %.2f: dw1/dsigma = %.4g, want > %.4g", sigma, d, prev)
		} else {
			prev = d
		}
	}
	blurWeights(blurIdentity, radius, wt, dwt)
	if dwt[radius+1] < 0.01 {
		t.Errorf("dw1/dsigma at the identity sigma = %.3g, want >= 0.01", dwt[radius+1])
	}
	sum := 0.0
	for _, v := range dwt {
		sum += v
	}
	if math.Abs(sum) > 1e-12 {
		t.Errorf("derivative taps sum to %.3g, want 0 (weights stay normalised)", sum)
	}
}

func ExampleParam_Raw() {
	p := Param{Name: "sigma", Softplus: true}
	raw := p.Raw(0.15)
	fmt.Printf("raw %.4f -> value %.4f\n", raw, p.Value(raw))
	// Output: raw -1.8212 -> value 0.1500
}
