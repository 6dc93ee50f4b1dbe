package nn

// convGeom describes a stride-1 2-D convolution over one image: cin input
// channels of h×w, cout output channels of oh×ow, a kh×kw kernel and pad
// zeros on every side.
//
// The kernels work on bands of band output rows at a time: the im2col
// matrix of a band (k × band·ow) is sized to stay in a core's L2 cache
// together with the other operands, instead of the whole image's, which for
// a 32-channel 32×32 layer is over 1 MB. The band height depends only on
// the geometry, so the order of every floating-point operation, and hence
// the result, is fixed.
type convGeom struct {
	cin, cout, kh, kw, pad int
	h, w, oh, ow           int
	band                   int // output rows per band
}

// colBudget is the target size in bytes of one band's im2col matrix.
const colBudget = 256 << 10

func newConvGeom(cin, cout, kh, kw, pad, h, w int) convGeom {
	g := convGeom{cin: cin, cout: cout, kh: kh, kw: kw, pad: pad, h: h, w: w,
		oh: h + 2*pad - kh + 1, ow: w + 2*pad - kw + 1}
	return g.withBandAlign(1)
}

// withBandAlign sets the band height to a multiple of align (a pooling
// window, so bands hold whole windows), splitting the output into as few
// bands of about equal height as keep each band's im2col matrix under
// colBudget.
func (g convGeom) withBandAlign(align int) convGeom {
	if g.oh < 1 || g.ow < 1 {
		g.band = max(g.oh, 1)
		return g
	}
	rowBytes := 4 * g.k() * g.ow
	bands := max(1, (g.oh*rowBytes+colBudget-1)/colBudget)
	rows := (g.oh + bands - 1) / bands
	rows = (rows + align - 1) / align * align
	g.band = min(max(rows, align), g.oh)
	return g
}

// k is the length of one column of the im2col matrix (one output pixel's
// receptive field): cin·kh·kw.
func (g convGeom) k() int          { return g.cin * g.kh * g.kw }
func (g convGeom) inSize() int     { return g.cin * g.h * g.w }
func (g convGeom) outSize() int    { return g.cout * g.oh * g.ow }
func (g convGeom) colSize() int    { return g.k() * g.band * g.ow }
func (g convGeom) pointwise() bool { return g.kh == 1 && g.kw == 1 && g.pad == 0 }

// im2col writes, for output rows r0..r1-1, the k×((r1−r0)·ow) matrix whose
// column p holds the receptive field of the band's output pixel p, zeros
// where it falls in the padding.
func (g convGeom) im2col(x, col []float32, r0, r1 int) {
	if g.ow == g.w {
		g.im2colSame(x, col, r0, r1)
		return
	}
	n := (r1 - r0) * g.ow
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*n : (r+1)*n]
				r++
				lo, hi := g.validX(kx)
				for oy := r0; oy < r1; oy++ {
					dst := row[(oy-r0)*g.ow : (oy-r0+1)*g.ow]
					iy := oy + ky - g.pad
					if iy < 0 || iy >= g.h || lo >= hi {
						clear(dst)
						continue
					}
					clear(dst[:lo])
					src := plane[iy*g.w+lo+kx-g.pad : iy*g.w+hi+kx-g.pad]
					copy(dst[lo:hi], src)
					clear(dst[hi:])
				}
			}
		}
	}
}

// validRows returns the output rows [oy0, oy1) of band r0..r1 whose input
// row oy+ky−pad lies inside the image.
func (g convGeom) validRows(ky, r0, r1 int) (oy0, oy1 int) {
	return max(r0, g.pad-ky), min(r1, g.h+g.pad-ky)
}

// im2colSame is im2col for convolutions whose output rows are as wide as
// the input's ("same" padding): source and destination rows then have the
// same stride, so each kernel offset is one copy of all its valid rows,
// after which the few values that wrapped around a row edge are zeroed.
func (g convGeom) im2colSame(x, col []float32, r0, r1 int) {
	w := g.w
	n := (r1 - r0) * w
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := x[c*g.h*w : (c+1)*g.h*w]
		for ky := 0; ky < g.kh; ky++ {
			oy0, oy1 := g.validRows(ky, r0, r1)
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*n : (r+1)*n]
				r++
				lo, hi := g.validX(kx)
				if oy0 >= oy1 || lo >= hi {
					clear(row)
					continue
				}
				first, last := (oy0-r0)*w+lo, (oy1-1-r0)*w+hi // destination span
				src := oy0*w + lo + (ky-g.pad)*w + kx - g.pad // where it starts in the plane
				clear(row[:first])
				copy(row[first:last], plane[src:src+last-first])
				for oy := oy0; oy < oy1; oy++ {
					rw := row[(oy-r0)*w : (oy-r0+1)*w]
					for j := 0; j < lo; j++ {
						rw[j] = 0
					}
					for j := hi; j < w; j++ {
						rw[j] = 0
					}
				}
				clear(row[last:])
			}
		}
	}
}

// validX returns the range [lo, hi) of output columns whose input column
// ox+kx-pad lies inside the image.
func (g convGeom) validX(kx int) (lo, hi int) {
	lo = max(0, g.pad-kx)
	hi = min(g.ow, g.w+g.pad-kx)
	return lo, max(lo, hi)
}

// col2im adds the columns of a band's col back onto the image they came
// from: for every kernel offset in order, dx += shifted row. It is the
// adjoint of im2col (dx is not cleared). It may overwrite the values of col
// that fall in the padding.
func (g convGeom) col2im(col, dx []float32, r0, r1 int) {
	if g.ow == g.w {
		g.col2imSame(col, dx, r0, r1)
		return
	}
	n := (r1 - r0) * g.ow
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := dx[c*g.h*g.w : (c+1)*g.h*g.w]
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*n : (r+1)*n]
				r++
				lo, hi := g.validX(kx)
				if lo >= hi {
					continue
				}
				for oy := r0; oy < r1; oy++ {
					iy := oy + ky - g.pad
					if iy < 0 || iy >= g.h {
						continue
					}
					addTo(plane[iy*g.w+lo+kx-g.pad:iy*g.w+hi+kx-g.pad], row[(oy-r0)*g.ow+lo:(oy-r0)*g.ow+hi])
				}
			}
		}
	}
}

// col2imSame is col2im for same-width convolutions (see im2colSame): the
// values that would land in the padding are zeroed in col, after which each
// kernel offset is one addition of all its valid rows, the zeros falling on
// row edges harmlessly.
func (g convGeom) col2imSame(col, dx []float32, r0, r1 int) {
	simd.planes.col2imSame(g, col, dx, r0, r1)
}

// gemmForward computes one image's convolution without bias, y = W·im2col(x)
// ([cout, oh·ow]), band by band. col is scratch of colSize floats (unused
// for pointwise kernels).
func (g convGeom) gemmForward(bl BLAS, x, wt, y, col []float32) {
	ohw := g.oh * g.ow
	if g.pointwise() {
		bl.Sgemm(false, false, g.cout, ohw, g.k(), 1, wt, g.k(), x, ohw, 0, y, ohw)
		return
	}
	for r0 := 0; r0 < g.oh; r0 += g.band {
		r1 := min(g.oh, r0+g.band)
		n := (r1 - r0) * g.ow
		g.im2col(x, col, r0, r1)
		bl.Sgemm(false, false, g.cout, n, g.k(), 1, wt, g.k(), col, n, 0, y[r0*g.ow:], ohw)
	}
}

// forward computes one image: y = act(W·im2col(x) + b).
func (g convGeom) forward(bl BLAS, x, wt, bias, y, col []float32, relu bool) {
	g.gemmForward(bl, x, wt, y, col)
	ohw := g.oh * g.ow
	for co := 0; co < g.cout; co++ {
		row := y[co*ohw : (co+1)*ohw]
		b := bias[co]
		if relu {
			for i, v := range row {
				row[i] = max(v+b, 0)
			}
		} else {
			for i := range row {
				row[i] += b
			}
		}
	}
}

// inputGrad computes one image's dx = im2colᵀ(Wᵀ·dpre), where dpre is the
// gradient with respect to the pre-activation output, band by band.
func (g convGeom) inputGrad(bl BLAS, wt, dpre, dx, col []float32) {
	ohw := g.oh * g.ow
	if g.pointwise() {
		bl.Sgemm(true, false, g.k(), ohw, g.cout, 1, wt, g.k(), dpre, ohw, 0, dx, ohw)
		return
	}
	clear(dx[:g.inSize()])
	for r0 := 0; r0 < g.oh; r0 += g.band {
		r1 := min(g.oh, r0+g.band)
		n := (r1 - r0) * g.ow
		bl.Sgemm(true, false, g.k(), n, g.cout, 1, wt, g.k(), dpre[r0*g.ow:], ohw, 0, col, n)
		g.col2im(col, dx, r0, r1)
	}
}

// weightGradT adds (beta 1) or writes (beta 0) one image's weight gradient,
// transposed: dWᵀ = im2col(x)·dpreᵀ, a k×cout matrix, summed band by band.
// (OpenBLAS runs this form faster than dpre·im2col(x)ᵀ; sumInOrderT
// transposes back.)
func (g convGeom) weightGradT(bl BLAS, x, dpre, dwT, col []float32, beta float32) {
	ohw := g.oh * g.ow
	if g.pointwise() {
		bl.Sgemm(false, true, g.k(), g.cout, ohw, 1, x, ohw, dpre, ohw, beta, dwT, g.cout)
		return
	}
	for r0 := 0; r0 < g.oh; r0 += g.band {
		r1 := min(g.oh, r0+g.band)
		n := (r1 - r0) * g.ow
		g.im2col(x, col, r0, r1)
		bl.Sgemm(false, true, g.k(), g.cout, n, 1, col, n, dpre[r0*g.ow:], ohw, beta, dwT, g.cout)
		beta = 1
	}
}

// sumInOrderT sets dst (rows×cols) to the transpose of parts[0] + parts[1]
// + ... (each cols×rows), added left to right; rows are split across the
// workers (each element's sum is the same whoever computes it).
func sumInOrderT(dst []float32, parts [][]float32, rows, cols int) {
	forEach(rows, func(r, _ int) {
		row := dst[r*cols : (r+1)*cols]
		for c := range row {
			var s float32
			for pi, p := range parts {
				if pi == 0 {
					s = p[c*rows+r]
				} else {
					s += p[c*rows+r]
				}
			}
			row[c] = s
		}
	})
}

// addTo sets dst[i] += src[i]; len(dst) == len(src).
func addTo(dst, src []float32) {
	dst = dst[:len(src)]
	i := 0
	for ; i+4 <= len(src); i += 4 {
		d, s := dst[i:i+4:i+4], src[i:i+4:i+4]
		d[0] += s[0]
		d[1] += s[1]
		d[2] += s[2]
		d[3] += s[3]
	}
	for ; i < len(src); i++ {
		dst[i] += src[i]
	}
}
