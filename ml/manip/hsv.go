package manip

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

func newHSV(Options) *manipulation {
	return &manipulation{
		name: "hsv",
		params: []Param{
			{Name: "hue", Low: -0.5, High: 0.5},
			{Name: "saturation", Low: -1, High: 1},
			{Name: "value", Low: -1, High: 1},
		},
		kern32: hsvShift[float32]{},
		kern64: hsvShift[float64]{},
	}
}

// hsvShift rotates each pixel's colour about the grey axis by hue turns
// (hue 1/3 turns red into green, as an HSV hue shift does), scales its
// distance from grey by 1+saturation and the whole pixel by 1+value, then
// clamps to [0,1]. Writing m for the pixel's grey level (r+g+b)/3,
// d = x - m and q = (b-g, r-b, g-r)/sqrt(3) (the grey axis crossed with x),
//
//	x' = clamp((1+value) * (x + a*d + s*q)),
//	a = (1+saturation)*cos(2*pi*hue) - 1,  s = (1+saturation)*sin(2*pi*hue).
//
// The rotation is smooth in hue everywhere, unlike HSV's piecewise hue, and
// the delta form makes hue = saturation = value = 0 return x exactly.
type hsvShift[T float] struct{}

const invSqrt3 = 0.57735026918962576451 // 1/sqrt(3)

func (hsvShift[T]) check(h, w int) error { return nil }

func hsvCoefficients(p []float64) (theta, a, s, f float64) {
	theta = 2 * math.Pi * p[0]
	sat := 1 + p[1]
	return theta, float64(sat*fmath.Cos(theta)) - 1, sat * fmath.Sin(theta), 1 + p[2]
}

func (hsvShift[T]) forward(dst, src []T, im *imageArgs) {
	n := im.h * im.w
	_, a, s, f := hsvCoefficients(im.p)
	rs, gs, bs := src[:n], src[n:2*n], src[2*n:3*n]
	dr, dg, db := dst[:n], dst[n:2*n], dst[2*n:3*n]
	for i := range n {
		r, g, b := float64(rs[i]), float64(gs[i]), float64(bs[i])
		m := (r + g + b) / 3
		qr, qg, qb := (b-g)*invSqrt3, (r-b)*invSqrt3, (g-r)*invSqrt3
		dr[i] = T(clamp01(f * (r + float64(a*(r-m)) + float64(s*qr))))
		dg[i] = T(clamp01(f * (g + float64(a*(g-m)) + float64(s*qg))))
		db[i] = T(clamp01(f * (b + float64(a*(b-m)) + float64(s*qb))))
	}
}

func (hsvShift[T]) backward(gv []float64, src, gr []T, im *imageArgs) {
	n := im.h * im.w
	theta, a, s, f := hsvCoefficients(im.p)
	sat := 1 + im.p[1]
	cos, sin := fmath.Cos(theta), fmath.Sin(theta)
	rs, gs, bs := src[:n], src[n:2*n], src[2*n:3*n]
	var gHue, gSat, gVal float64
	for i := range n {
		r, g, b := float64(rs[i]), float64(gs[i]), float64(bs[i])
		m := (r + g + b) / 3
		x := [3]float64{r, g, b}
		q := [3]float64{(b - g) * invSqrt3, (r - b) * invSqrt3, (g - r) * invSqrt3}
		for c := range 3 {
			d := x[c] - m
			u := x[c] + float64(a*d) + float64(s*q[c])
			if !inside01(f * u) {
				continue
			}
			gc := float64(gr[c*n+i])
			// du/dtheta = sat*(-sin*d + cos*q); du/dsat = cos*d + sin*q.
			gHue += float64(gc * f * sat * (float64(-sin*d) + float64(cos*q[c])))
			gSat += float64(gc * f * (float64(cos*d) + float64(sin*q[c])))
			gVal += float64(gc * u)
		}
	}
	gv[0], gv[1], gv[2] = 2*math.Pi*gHue, gSat, gVal
}
