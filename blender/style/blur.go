package style

import (
	"math"

	"github.com/cgx-dev/cgx/internal/fmath"
)

// gaussKernel returns normalised weights for offsets -r..r, r = ceil(3σ).
func gaussKernel(sigma float64) []float32 {
	r := int(math.Ceil(3 * sigma))
	k := make([]float64, 2*r+1)
	sum := 0.0
	for i := range k {
		d := float64(i - r)
		k[i] = fmath.Exp(-d * d / (2 * sigma * sigma))
		sum += k[i]
	}
	out := make([]float32, len(k))
	for i := range k {
		out[i] = float32(k[i] / sum)
	}
	return out
}

// blur applies a separable Gaussian of sigma pixels to channel c, with
// borders clamped. Every output is a float32 sum that starts at +0 and adds
// its taps' rounded products in kernel order (refBlur in the tests is the
// direct form). Interior pixels skip the clamping, and 7-tap kernels
// (0.67 < σ ≤ 1, the real domain's 0.9) run unrolled with the weights in
// registers: neither changes a value, only the loop overhead and bounds
// checks.
func (p *planes) blur(c int, sigma float64) {
	k := gaussKernel(sigma)
	r := len(k) / 2
	q := p.ch[c]
	w, h := p.w, p.h
	tmp := p.scratch(len(q))
	for y := range h {
		blurRow(tmp[y*w:(y+1)*w], q[y*w:(y+1)*w], k)
	}
	for y := range h {
		out := q[y*w : (y+1)*w]
		switch {
		case y >= r && y+r < h && len(k) == 7:
			blurCols7(out, tmp[(y-3)*w:(y+4)*w], (*[7]float32)(k))
		case y >= r && y+r < h:
			clear(out)
			for i, wt := range k {
				src := tmp[(y+i-r)*w : (y+i-r+1)*w]
				for x := range out {
					out[x] += float32(wt * src[x])
				}
			}
		default:
			for x := range w {
				var s float32
				for i, wt := range k {
					s += float32(wt * tmp[min(max(y+i-r, 0), h-1)*w+x])
				}
				out[x] = s
			}
		}
	}
}

// scratch returns a float32 slice of n values owned by p, for a step's
// intermediate results; its contents are undefined.
func (p *planes) scratch(n int) []float32 {
	if cap(p.tmp) < n {
		p.tmp = make([]float32, n)
	}
	return p.tmp[:n]
}

// blurRow writes to out the horizontal pass of kernel k over row.
func blurRow(out, row []float32, k []float32) {
	w := len(row)
	out = out[:w]
	r := len(k) / 2
	edge := func(x int) {
		var s float32
		for i, wt := range k {
			s += float32(wt * row[min(max(x+i-r, 0), w-1)])
		}
		out[x] = s
	}
	if w <= 2*r {
		for x := range w {
			edge(x)
		}
		return
	}
	for x := range r {
		edge(x)
	}
	if len(k) == 7 {
		kk := (*[7]float32)(k)
		k0, k1, k2, k3, k4, k5, k6 := kk[0], kk[1], kk[2], kk[3], kk[4], kk[5], kk[6]
		for x := 3 + blurRow7Vec(out, row, kk); x < w-3; x++ {
			win := (*[7]float32)(row[x-3 : x+4])
			var s float32
			s += float32(k0 * win[0])
			s += float32(k1 * win[1])
			s += float32(k2 * win[2])
			s += float32(k3 * win[3])
			s += float32(k4 * win[4])
			s += float32(k5 * win[5])
			s += float32(k6 * win[6])
			out[x] = s
		}
	} else {
		for x := r; x < w-r; x++ {
			win := row[x-r : x+r+1]
			var s float32
			for i, wt := range k {
				s += float32(wt * win[i])
			}
			out[x] = s
		}
	}
	for x := w - r; x < w; x++ {
		edge(x)
	}
}

// blurCols7 writes to out the vertical pass of a 7-tap kernel k for one
// row whose seven source rows (each len(out) long) are rows, in order.
func blurCols7(out, rows []float32, k *[7]float32) {
	w := len(out)
	t0, t1, t2, t3 := rows[0:w], rows[w:2*w], rows[2*w:3*w], rows[3*w:4*w]
	t4, t5, t6 := rows[4*w:5*w], rows[5*w:6*w], rows[6*w:7*w]
	k0, k1, k2, k3, k4, k5, k6 := k[0], k[1], k[2], k[3], k[4], k[5], k[6]
	for x := blurCols7Vec(out, rows, k); x < len(out); x++ {
		var s float32
		s += float32(k0 * t0[x])
		s += float32(k1 * t1[x])
		s += float32(k2 * t2[x])
		s += float32(k3 * t3[x])
		s += float32(k4 * t4[x])
		s += float32(k5 * t5[x])
		s += float32(k6 * t6[x])
		out[x] = s
	}
}
