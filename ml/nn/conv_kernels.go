package nn

// convGeom describes a stride-1 2-D convolution over one image: cin input
// channels of h×w, cout output channels of oh×ow, a kh×kw kernel and pad
// zeros on every side.
type convGeom struct {
	cin, cout, kh, kw, pad int
	h, w, oh, ow           int
}

func newConvGeom(cin, cout, kh, kw, pad, h, w int) convGeom {
	return convGeom{cin: cin, cout: cout, kh: kh, kw: kw, pad: pad, h: h, w: w,
		oh: h + 2*pad - kh + 1, ow: w + 2*pad - kw + 1}
}

// k is the length of one column of the im2col matrix (one output pixel's
// receptive field): cin·kh·kw.
func (g convGeom) k() int          { return g.cin * g.kh * g.kw }
func (g convGeom) inSize() int     { return g.cin * g.h * g.w }
func (g convGeom) outSize() int    { return g.cout * g.oh * g.ow }
func (g convGeom) colSize() int    { return g.k() * g.oh * g.ow }
func (g convGeom) pointwise() bool { return g.kh == 1 && g.kw == 1 && g.pad == 0 }

// im2col writes the k×(oh·ow) matrix whose column p holds the receptive
// field of output pixel p, zeros where it falls in the padding.
func (g convGeom) im2col(x, col []float32) {
	if g.ow == g.w {
		g.im2colSame(x, col)
		return
	}
	ohw := g.oh * g.ow
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := x[c*g.h*g.w : (c+1)*g.h*g.w]
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*ohw : (r+1)*ohw]
				r++
				lo, hi := g.validX(kx)
				for oy := 0; oy < g.oh; oy++ {
					dst := row[oy*g.ow : (oy+1)*g.ow]
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

// im2colSame is im2col for convolutions whose output rows are as wide as
// the input's ("same" padding): source and destination rows then have the
// same stride, so each kernel offset is one copy of all its valid rows,
// after which the few values that wrapped around a row edge are zeroed.
func (g convGeom) im2colSame(x, col []float32) {
	ohw, w := g.oh*g.ow, g.w
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := x[c*g.h*w : (c+1)*g.h*w]
		for ky := 0; ky < g.kh; ky++ {
			// Output rows oy0..oy1-1 read input rows inside the image.
			oy0 := max(0, g.pad-ky)
			oy1 := min(g.oh, g.h+g.pad-ky)
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*ohw : (r+1)*ohw]
				r++
				lo, hi := g.validX(kx)
				if oy0 >= oy1 || lo >= hi {
					clear(row)
					continue
				}
				clear(row[:oy0*w+lo])
				first, last := oy0*w+lo, (oy1-1)*w+hi // destination span
				off := (ky-g.pad)*w + kx - g.pad      // source index - destination index
				copy(row[first:last], plane[first+off:last+off])
				for oy := oy0; oy < oy1; oy++ {
					rw := row[oy*w : (oy+1)*w]
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

// col2im adds the columns of col back onto the image they came from:
// dx = 0, then for every kernel offset in order, dx += shifted row. It is the
// adjoint of im2col. It may overwrite the values of col that fall in the
// padding.
func (g convGeom) col2im(col, dx []float32) {
	clear(dx[:g.inSize()])
	if g.ow == g.w {
		g.col2imSame(col, dx)
		return
	}
	ohw := g.oh * g.ow
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := dx[c*g.h*g.w : (c+1)*g.h*g.w]
		for ky := 0; ky < g.kh; ky++ {
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*ohw : (r+1)*ohw]
				r++
				lo, hi := g.validX(kx)
				if lo >= hi {
					continue
				}
				for oy := 0; oy < g.oh; oy++ {
					iy := oy + ky - g.pad
					if iy < 0 || iy >= g.h {
						continue
					}
					addTo(plane[iy*g.w+lo+kx-g.pad:iy*g.w+hi+kx-g.pad], row[oy*g.ow+lo:oy*g.ow+hi])
				}
			}
		}
	}
}

// col2imSame is col2im for same-width convolutions (see im2colSame): the
// values that would land in the padding are zeroed in col, after which each
// kernel offset is one addition of all its valid rows, the zeros falling on
// row edges harmlessly. dx must be zero on entry.
func (g convGeom) col2imSame(col, dx []float32) {
	ohw, w := g.oh*g.ow, g.w
	r := 0
	for c := 0; c < g.cin; c++ {
		plane := dx[c*g.h*w : (c+1)*g.h*w]
		for ky := 0; ky < g.kh; ky++ {
			oy0 := max(0, g.pad-ky)
			oy1 := min(g.oh, g.h+g.pad-ky)
			for kx := 0; kx < g.kw; kx++ {
				row := col[r*ohw : (r+1)*ohw]
				r++
				lo, hi := g.validX(kx)
				if oy0 >= oy1 || lo >= hi {
					continue
				}
				for oy := oy0; oy < oy1; oy++ {
					rw := row[oy*w : (oy+1)*w]
					for j := 0; j < lo; j++ {
						rw[j] = 0
					}
					for j := hi; j < w; j++ {
						rw[j] = 0
					}
				}
				first, last := oy0*w+lo, (oy1-1)*w+hi
				off := (ky-g.pad)*w + kx - g.pad
				addTo(plane[first+off:last+off], row[first:last])
			}
		}
	}
}

// forward computes one image: y = act(W·im2col(x) + b). col is scratch of
// colSize floats (unused for pointwise kernels).
func (g convGeom) forward(bl BLAS, x, wt, bias, y, col []float32, relu bool) {
	ohw := g.oh * g.ow
	src := x
	if !g.pointwise() {
		g.im2col(x, col)
		src = col
	}
	bl.Sgemm(false, false, g.cout, ohw, g.k(), 1, wt, g.k(), src, ohw, 0, y, ohw)
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
// gradient with respect to the pre-activation output.
func (g convGeom) inputGrad(bl BLAS, wt, dpre, dx, col []float32) {
	ohw := g.oh * g.ow
	if g.pointwise() {
		bl.Sgemm(true, false, g.k(), ohw, g.cout, 1, wt, g.k(), dpre, ohw, 0, dx, ohw)
		return
	}
	bl.Sgemm(true, false, g.k(), ohw, g.cout, 1, wt, g.k(), dpre, ohw, 0, col, ohw)
	g.col2im(col, dx)
}

// weightGradT adds (beta 1) or writes (beta 0) one image's weight gradient,
// transposed: dWᵀ = im2col(x)·dpreᵀ, a k×cout matrix. (OpenBLAS runs this
// form faster than dpre·im2col(x)ᵀ; sumInOrderT transposes back.)
func (g convGeom) weightGradT(bl BLAS, x, dpre, dwT, col []float32, beta float32) {
	ohw := g.oh * g.ow
	src := x
	if !g.pointwise() {
		g.im2col(x, col)
		src = col
	}
	bl.Sgemm(false, true, g.k(), g.cout, ohw, 1, src, ohw, dpre, ohw, beta, dwT, g.cout)
}

// sumInOrderT sets dst (rows×cols) to the transpose of parts[0] + parts[1]
// + ... (each cols×rows), added left to right.
func sumInOrderT(dst []float32, parts [][]float32, rows, cols int) {
	for r := 0; r < rows; r++ {
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
	}
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
