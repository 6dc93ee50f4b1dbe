package style

import (
	"sync"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// cornerRadius is the distance in pixels from the image centre to a corner.
func (p *planes) cornerRadius() float64 {
	return fmath.Hypot(float64(p.w)/2, float64(p.h)/2)
}

// chromatic resamples red radially outwards and blue inwards so that, at
// the corner, they are shifted by px pixels from green.
func (p *planes) chromatic(px float64) {
	k := px / p.cornerRadius()
	for _, c := range [2]int{0, 2} {
		scale := 1 / (1 + k)
		if c == 2 {
			scale = 1 / (1 - k)
		}
		out := p.scratch(len(p.ch[c]))
		p.radialResample(out, p.ch[c], scale)
		p.ch[c], p.tmp = out, p.ch[c]
	}
}

// radialResample sets out to plane q sampled at centre + (x - centre)·scale,
// bilinear, clamped at the borders. The sample column depends on x alone
// and the row on y alone, so both are worked out once per column and row;
// each pixel then blends as bilinear does, with the same operations.
func (p *planes) radialResample(out, q []float32, scale float64) {
	cx, cy := float64(float64(p.w)/2), float64(float64(p.h)/2)
	cols := make([]bilinearTap, p.w)
	for x := range cols {
		cols[x] = newBilinearTap(cx+float64((float64(x)+0.5-cx)*scale)-0.5, p.w)
	}
	for y := range p.h {
		ty := newBilinearTap(cy+float64((float64(y)+0.5-cy)*scale)-0.5, p.h)
		r0, r1 := q[ty.i0*p.w:(ty.i0+1)*p.w], q[ty.i1*p.w:(ty.i1+1)*p.w]
		row := out[y*p.w : (y+1)*p.w]
		for x, tx := range cols {
			a := float32(r0[tx.i0]*(1-tx.f)) + float32(r0[tx.i1]*tx.f)
			b := float32(r1[tx.i0]*(1-tx.f)) + float32(r1[tx.i1]*tx.f)
			row[x] = float32(a*(1-ty.f)) + float32(b*ty.f)
		}
	}
}

// bilinearTap is one axis of a bilinear sample: the two neighbours and the
// weight of the second.
type bilinearTap struct {
	i0, i1 int
	f      float32
}

// newBilinearTap clamps coordinate v to [0, n-1] and splits it as
// bilinear does.
func newBilinearTap(v float64, n int) bilinearTap {
	v = min(max(v, 0), float64(n-1))
	i0 := int(v)
	return bilinearTap{i0: i0, i1: min(i0+1, n-1), f: float32(v - float64(i0))}
}

// vignette darkens by 1 - v·ρ², ρ the distance from the centre relative to
// the corner.
func (p *planes) vignette(v float64) {
	f := vignetteFactors(p.w, p.h, v)
	for c := range 3 {
		for i, k := range f {
			p.ch[c][i] *= k
		}
	}
}

// vignetteKey names one image size and strength.
type vignetteKey struct {
	w, h int
	v    float64
}

// vignetteCache keeps the factors of the last few sizes and strengths (a
// dataset has one of each): fmath.Hypot per pixel was most of the step.
var vignetteCache struct {
	sync.Mutex
	m map[vignetteKey][]float32
}

// vignetteFactors returns, per pixel, 1 - v·ρ² as float32; the slice is
// shared and must not be written.
func vignetteFactors(w, h int, v float64) []float32 {
	key := vignetteKey{w, h, v}
	vignetteCache.Lock()
	f, ok := vignetteCache.m[key]
	vignetteCache.Unlock()
	if ok {
		return f
	}
	p := planes{w: w, h: h}
	cx, cy, rc := float64(float64(w)/2), float64(float64(h)/2), p.cornerRadius()
	f = make([]float32, w*h)
	for y := range h {
		for x := range w {
			rho := fmath.Hypot(float64(x)+0.5-cx, float64(y)+0.5-cy) / rc
			f[y*w+x] = float32(1 - float64(v*rho*rho))
		}
	}
	vignetteCache.Lock()
	if vignetteCache.m == nil || len(vignetteCache.m) >= 16 {
		vignetteCache.m = map[vignetteKey][]float32{}
	}
	vignetteCache.m[key] = f
	vignetteCache.Unlock()
	return f
}
