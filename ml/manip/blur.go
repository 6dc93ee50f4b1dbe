package manip

import (
	"fmt"
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// blurIdentity is the sigma the blurs start from. Sigma 0 would be the exact
// identity, but every derivative of the kernel vanishes there, so a fit
// started at 0 never moves. At 0.15 px the erf-integrated kernel keeps
// 99.83% of each value's weight on the value itself, so no value moves by
// more than 0.0018 (under half an 8-bit level), while dw/dsigma is still
// about 0.035 per tap, enough for Adam (see docs/MANIPULATIONS.md).
const blurIdentity = 0.15

// blurHigh is the top of the plausible sigma range, in pixels.
const blurHigh = 3

// sigmaMin: below it the kernel is treated as the identity (a unit impulse);
// the true kernel differs from it by less than 1e-300 there.
const sigmaMin = 0.02

func newBlur(o Options) *manipulation {
	return &manipulation{
		name:   "blur",
		config: fmt.Sprintf("radius=%d", o.BlurRadius),
		params: []Param{{Name: "sigma", Identity: blurIdentity, Low: 0, High: blurHigh, Softplus: true}},
		kern32: gaussianBlur[float32]{radius: o.BlurRadius},
		kern64: gaussianBlur[float64]{radius: o.BlurRadius},
	}
}

func newChannelBlur(o Options) *manipulation {
	ps := make([]Param, 3)
	for c, s := range channelSuffix {
		ps[c] = Param{Name: "sigma_" + s, Identity: blurIdentity, Low: 0, High: blurHigh, Softplus: true}
	}
	return &manipulation{
		name:   "channel-blur",
		config: fmt.Sprintf("radius=%d", o.BlurRadius),
		params: ps,
		kern32: gaussianBlur[float32]{radius: o.BlurRadius, perChannel: true},
		kern64: gaussianBlur[float64]{radius: o.BlurRadius, perChannel: true},
	}
}

// gaussianBlur convolves each channel with a separable Gaussian of standard
// deviation sigma (one sigma for all channels, or one per channel), over a
// fixed window of 2*radius+1 taps with reflect padding. Each tap is the
// Gaussian integrated over its pixel (a difference of erfs) rather than
// sampled at the pixel centre, and the taps are normalised to sum to 1:
//
//	w_k ∝ Phi((k+1/2)/sigma) - Phi((k-1/2)/sigma),  k = -radius..radius.
//
// Integrated taps keep a usable gradient down to sigma ≈ 0.15, where sampled
// taps have none. Sigma <= sigmaMin is a unit impulse (no blur).
type gaussianBlur[T float] struct {
	radius     int
	perChannel bool
}

func (gaussianBlur[T]) check(h, w int) error { return nil }

// sigmaOf returns the sigma channel c uses.
func (k gaussianBlur[T]) sigmaOf(p []float64, c int) float64 {
	if k.perChannel {
		return p[c]
	}
	return p[0]
}

func (k gaussianBlur[T]) forward(dst, src []T, im *imageArgs) {
	n, taps := im.h*im.w, 2*k.radius+1
	wt, dwt := im.ws.buf(0, taps), im.ws.buf(1, taps)
	tmp, pad := im.ws.buf(2, n), im.ws.buf(3, max(im.w, im.h)+2*k.radius)
	r := 0
	for c := range 3 {
		if c == 0 || k.perChannel {
			r = blurWeights(k.sigmaOf(im.p, c), k.radius, wt, dwt)
		}
		hpass(tmp, nil, src[c*n:(c+1)*n], wt, nil, im.h, im.w, k.radius, r, pad)
		vpass(dst[c*n:(c+1)*n], tmp, wt, im.h, im.w, k.radius, r, pad)
	}
}

// backward uses d(V H x)/dsigma = V' H x + V H' x, where H and V are the
// horizontal and vertical passes and ' marks the pass with dw/dsigma taps.
func (k gaussianBlur[T]) backward(gv []float64, src, g []T, im *imageArgs) {
	n, taps := im.h*im.w, 2*k.radius+1
	wt, dwt := im.ws.buf(0, taps), im.ws.buf(1, taps)
	a, da := im.ws.buf(2, n), im.ws.buf(3, n)
	pad := im.ws.buf(4, max(im.w, im.h)+2*k.radius)
	clear(gv)
	r := 0
	for c := range 3 {
		if c == 0 || k.perChannel {
			r = blurWeights(k.sigmaOf(im.p, c), k.radius, wt, dwt)
		}
		hpass(a, da, src[c*n:(c+1)*n], wt, dwt, im.h, im.w, k.radius, r, pad)
		s := vdot(g[c*n:(c+1)*n], a, dwt, da, wt, im.h, im.w, k.radius, r, pad)
		if k.perChannel {
			gv[c] = s
		} else {
			gv[0] += s
		}
	}
}

// blurWeights writes the normalised taps w[k+radius] and their derivatives
// dw/dsigma for k = -radius..radius, and returns the reach: the largest |k|
// whose tap or derivative is not exactly zero. Taps beyond it add exact
// zeros, so the passes skip them without changing any result.
func blurWeights(sigma float64, radius int, w, dw []float64) (reach int) {
	clear(w)
	clear(dw)
	if !(sigma > sigmaMin) {
		w[radius] = 1
		return 0
	}
	const invSqrt2 = 1 / math.Sqrt2
	phi := func(t float64) float64 { return fmath.Exp(-t*t/2) / math.Sqrt(2*math.Pi) }
	// Centre tap: Phi(1/(2s)) - Phi(-1/(2s)) = erf(1/(2s*sqrt2)).
	b := 0.5 / sigma
	w[radius] = fmath.Erf(b * invSqrt2)
	dw[radius] = -2 * b * phi(b) / sigma
	sum, dsum := w[radius], dw[radius]
	for k := 1; k <= radius; k++ {
		a, b := (float64(k)-0.5)/sigma, (float64(k)+0.5)/sigma
		// Phi(b) - Phi(a) through erfc keeps the far tail accurate.
		v := float64(0.5 * (fmath.Erfc(a*invSqrt2) - fmath.Erfc(b*invSqrt2)))
		dv := (float64(a*phi(a)) - float64(b*phi(b))) / sigma
		w[radius+k], w[radius-k] = v, v
		dw[radius+k], dw[radius-k] = dv, dv
		sum += float64(2 * v)
		dsum += float64(2 * dv)
	}
	for i := range w {
		wn := w[i] / sum
		dw[i] = (dw[i] - float64(wn*dsum)) / sum
		w[i] = wn
		if d := i - radius; d > reach && (w[i] != 0 || dw[i] != 0) {
			reach = d
		}
	}
	return reach
}

// reflect maps index i into [0,n) by mirror reflection about the edges
// without repeating them (PyTorch's "reflect"), folding as often as needed.
func reflect(i, n int) int {
	if n == 1 {
		return 0
	}
	period := 2 * (n - 1)
	i %= period
	if i < 0 {
		i += period
	}
	if i >= n {
		i = period - i
	}
	return i
}

// hpass convolves each row of the h x w plane src with taps wt into dst and,
// when dst2 is not nil, with taps wt2 into dst2. Only taps within reach of
// the centre are used. pad is scratch of at least w+2*radius values. The
// loops run tap by tap over a whole row (independent additions, so they
// pipeline), adding taps in ascending order for every output.
func hpass[S float](dst, dst2 []float64, src []S, wt, wt2 []float64, h, w, radius, reach int, pad []float64) {
	pad = pad[:w+2*reach]
	lo, hi := radius-reach, radius+reach+1
	for y := range h {
		row := src[y*w : (y+1)*w]
		for j := range pad {
			pad[j] = float64(row[reflect(j-reach, w)])
		}
		convolveRow(dst[y*w:(y+1)*w], pad, wt[lo:hi])
		if dst2 != nil {
			convolveRow(dst2[y*w:(y+1)*w], pad, wt2[lo:hi])
		}
	}
}

// convolveRow sets out[x] = sum over t of taps[t]*pad[x+t], t ascending.
func convolveRow(out, pad, taps []float64) {
	clear(out)
	for t, v := range taps {
		in := pad[t : t+len(out)]
		for x := range out {
			out[x] += float64(v * in[x])
		}
	}
}

// vpass convolves each column of the h x w plane src with taps wt into dst.
// acc is scratch of at least w values.
func vpass[D float](dst []D, src, wt []float64, h, w, radius, reach int, acc []float64) {
	acc = acc[:w]
	for y := range h {
		clear(acc)
		for t := radius - reach; t <= radius+reach; t++ {
			v, yy := wt[t], reflect(y+t-radius, h)
			in := src[yy*w : (yy+1)*w]
			for x := range acc {
				acc[x] += float64(v * in[x])
			}
		}
		out := dst[y*w : (y+1)*w]
		for x, v := range acc {
			out[x] = D(v)
		}
	}
}

// vdot returns the sum over pixels of g * (V1 s1 + V2 s2), where V1 and V2
// are vertical passes with taps w1 and w2. acc is scratch of at least w values.
func vdot[T float](g []T, s1, w1, s2, w2 []float64, h, w, radius, reach int, acc []float64) float64 {
	acc = acc[:w]
	var total float64
	for y := range h {
		clear(acc)
		for t := radius - reach; t <= radius+reach; t++ {
			v1, v2, yy := w1[t], w2[t], reflect(y+t-radius, h)
			in1, in2 := s1[yy*w:(yy+1)*w], s2[yy*w:(yy+1)*w]
			for x := range acc {
				acc[x] += float64(v1*in1[x]) + float64(v2*in2[x])
			}
		}
		gr := g[y*w : (y+1)*w]
		for x, v := range acc {
			total += float64(float64(gr[x]) * v)
		}
	}
	return total
}
