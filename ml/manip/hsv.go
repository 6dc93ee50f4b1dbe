package manip

import "math"

func newHSV(Options) *manipulation {
	return &manipulation{
		name: "hsv",
		params: []Param{
			{Name: "hue", Low: -0.5, High: 0.5},
			{Name: "saturation", Low: -1, High: 1},
			{Name: "value", Low: -1, High: 1},
		},
		kern: hsvShift{},
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
type hsvShift struct{}

const invSqrt3 = 0.57735026918962576451 // 1/sqrt(3)

func (hsvShift) check(h, w int) error { return nil }

func hsvCoefficients(p []float64) (theta, a, s, f float64) {
	theta = 2 * math.Pi * p[0]
	sat := 1 + p[1]
	return theta, sat*math.Cos(theta) - 1, sat * math.Sin(theta), 1 + p[2]
}

func (hsvShift) forward(dst, src []float64, im *imageArgs) {
	n := im.h * im.w
	_, a, s, f := hsvCoefficients(im.p)
	r, g, b := src[:n], src[n:2*n], src[2*n:3*n]
	dr, dg, db := dst[:n], dst[n:2*n], dst[2*n:3*n]
	for i := range n {
		m := (r[i] + g[i] + b[i]) / 3
		qr, qg, qb := (b[i]-g[i])*invSqrt3, (r[i]-b[i])*invSqrt3, (g[i]-r[i])*invSqrt3
		dr[i], _ = clamp01(f * (r[i] + a*(r[i]-m) + s*qr))
		dg[i], _ = clamp01(f * (g[i] + a*(g[i]-m) + s*qg))
		db[i], _ = clamp01(f * (b[i] + a*(b[i]-m) + s*qb))
	}
}

func (hsvShift) backward(gv, src, gr []float64, im *imageArgs) {
	n := im.h * im.w
	theta, a, s, f := hsvCoefficients(im.p)
	sat := 1 + im.p[1]
	cos, sin := math.Cos(theta), math.Sin(theta)
	r, g, b := src[:n], src[n:2*n], src[2*n:3*n]
	var gHue, gSat, gVal float64
	for i := range n {
		m := (r[i] + g[i] + b[i]) / 3
		x := [3]float64{r[i], g[i], b[i]}
		q := [3]float64{(b[i] - g[i]) * invSqrt3, (r[i] - b[i]) * invSqrt3, (g[i] - r[i]) * invSqrt3}
		for c := range 3 {
			d := x[c] - m
			u := x[c] + a*d + s*q[c]
			if _, in := clamp01(f * u); !in {
				continue
			}
			gc := gr[c*n+i]
			// du/dtheta = sat*(-sin*d + cos*q); du/dsat = cos*d + sin*q.
			gHue += gc * f * sat * (-sin*d + cos*q[c])
			gSat += gc * f * (cos*d + sin*q[c])
			gVal += gc * u
		}
	}
	gv[0], gv[1], gv[2] = 2*math.Pi*gHue, gSat, gVal
}
