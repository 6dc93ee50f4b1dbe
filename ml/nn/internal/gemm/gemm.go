package gemm

import "sync"

//go:generate env GOOS= GOARCH= go run gen_arm64.go

// Blocking: C is computed in panels of blockN columns; the sum over p is
// walked in chunks of blockK (C holds the running sum between chunks, which
// stores and reloads float32 values exactly); A is packed blockM rows at a
// time. Packed B (kc×nc) stays in L2, one kernel's strip of it in L1.
const (
	blockK = 256
	blockM = 96
	blockN = 512
)

// Kernel is a micro-kernel: it computes one mr×nr tile, for p in [0, kc),
// c[i,j] ← c[i,j] + float32(A[i,p]·B[p,j]), c having row stride ldc, A and
// B the strips a and b (see strip). With zero, c starts from +0 instead
// of its contents (which are not read).
type Kernel struct {
	Name   string // "Go", "AVX2", …
	mr, nr int
	packA  bool // wants A packed (rs 1, ps mr) always
	fn     func(kc int, a, b strip, c []float32, ldc int, zero bool)
	// alts are kernels of other tile shapes that Sgemm may run instead
	// where they pad the result less (see choose): the same bits, since
	// every kernel gives the defining loop's.
	alts []Kernel
}

var bufs = sync.Pool{New: func() any { return new(scratch) }}

type scratch struct{ a, b, atail, tile []float32 }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C with kernel mk, in the
// order the package comment defines. The caller has checked the operand
// sizes. It runs on the calling goroutine only.
func Sgemm(mk Kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		Scale(c, ldc, m, n, beta)
		return
	}
	if beta != 0 {
		Scale(c, ldc, m, n, beta)
	}
	gemmWith(choose(mk, m, n), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta == 0, c, ldc)
}

// choose returns, of mk and its alternatives, the kernel whose tiles cover
// the m×n result with the fewest padded elements (edge tiles compute a full
// tile), mk itself on a tie.
func choose(mk Kernel, m, n int) Kernel {
	best, area := mk, padded(mk, m, n)
	for _, k := range mk.alts {
		if a := padded(k, m, n); a < area {
			best, area = k, a
		}
	}
	return best
}

// padded is the number of elements mk's tiles compute for an m×n result.
func padded(mk Kernel, m, n int) int {
	return (m + mk.mr - 1) / mk.mr * mk.mr * ((n + mk.nr - 1) / mk.nr * mk.nr)
}

// strip is a kernel operand: an mr×kc strip of A, element (i, p) at
// v[i·rs + p·ps], or a kc×nr strip of B, element (p, j) at v[p·ps + j]
// (rs 1).
type strip struct {
	v      []float32
	rs, ps int
}

// gemmWith adds alpha·op(A)·op(B) to C. B is packed (kc×nc at a time, in
// strips of nr columns), so that the strip a kernel walks is contiguous
// whatever B's row stride (reading B in place was slower: rows 1 or 4 KB
// apart fall into the same cache sets). The kernels read A where it lies,
// mr rows (or, transposed, mr consecutive values) per step; only a scaled
// A (alpha ≠ 1) and a strip cut short by the matrix edge are packed.
//
// With zero (beta 0), the first chunk of the sum over p starts each tile
// from +0 rather than reading C, which is then never read: the same bits
// as clearing C first, without the traffic.
func gemmWith(mk Kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, zero bool, c []float32, ldc int) {
	s := bufs.Get().(*scratch)
	defer bufs.Put(s)
	mr, nr := mk.mr, mk.nr
	mc := blockM / mr * mr
	nc := blockN / nr * nr
	packAll := alpha != 1 || mk.packA
	if packAll {
		s.a = grow(s.a, mc*blockK)
	}
	s.b = grow(s.b, nc*blockK)
	s.atail = grow(s.atail, mr*blockK)
	s.tile = grow(s.tile, mr*nr)
	for j0 := 0; j0 < n; j0 += nc {
		nj := min(nc, n-j0)
		for p0 := 0; p0 < k; p0 += blockK {
			kc := min(blockK, k-p0)
			packB(transB, b, ldb, p0, kc, j0, nj, nr, s.b)
			for i0 := 0; i0 < m; i0 += mc {
				mi := min(mc, m-i0)
				if packAll {
					packA(transA, a, lda, i0, mi, p0, kc, mr, alpha, s.a)
				} else if t := mi % mr; t != 0 {
					packA(transA, a, lda, i0+mi-t, t, p0, kc, mr, 1, s.atail)
				}
				for jr := 0; jr < nj; jr += nr {
					w := min(nr, nj-jr)
					bs := strip{v: s.b[jr*kc : (jr+nr)*kc], rs: 1, ps: nr}
					for ir := 0; ir < mi; ir += mr {
						h := min(mr, mi-ir)
						var as strip
						switch {
						case packAll:
							as = strip{v: s.a[ir*kc : (ir+mr)*kc], rs: 1, ps: mr}
						case h < mr:
							as = strip{v: s.atail[:kc*mr], rs: 1, ps: mr}
						case transA:
							o := p0*lda + i0 + ir
							as = strip{v: a[o : o+(kc-1)*lda+mr], rs: 1, ps: lda}
						default:
							o := (i0+ir)*lda + p0
							as = strip{v: a[o : o+(mr-1)*lda+kc], rs: lda, ps: 1}
						}
						off := (i0+ir)*ldc + j0 + jr
						z := zero && p0 == 0
						if h == mr && w == nr {
							mk.fn(kc, as, bs, c[off:], ldc, z)
							continue
						}
						edgeTile(mk, kc, as, bs, c[off:], ldc, h, w, s.tile, z)
					}
				}
			}
		}
	}
}

// edgeTile runs the kernel on a full tile copied from the h×w corner of C
// (zeros elsewhere) and copies the h×w part back.
func edgeTile(mk Kernel, kc int, as, bs strip, c []float32, ldc, h, w int, tile []float32, zero bool) {
	if !zero {
		clear(tile)
		for i := 0; i < h; i++ {
			copy(tile[i*mk.nr:i*mk.nr+w], c[i*ldc:i*ldc+w])
		}
	}
	mk.fn(kc, as, bs, tile, mk.nr, zero)
	for i := 0; i < h; i++ {
		copy(c[i*ldc:i*ldc+w], tile[i*mk.nr:i*mk.nr+w])
	}
}

// packA copies rows i0..i0+mi of op(A), columns p0..p0+kc, into strips of
// mr rows: strip s holds dst[s·mr·kc + p·mr + i] = alpha·op(A)[i0+s·mr+i,
// p0+p] (rounded to float32; exactly op(A) when alpha is 1), zero past the
// last row. Writes are sequential; reads walk mr rows (or one row of the
// transposed matrix) at a time.
func packA(trans bool, a []float32, lda, i0, mi, p0, kc, mr int, alpha float32, dst []float32) {
	for s := 0; s < mi; s += mr {
		strip := dst[s*kc : (s+mr)*kc]
		h := min(mr, mi-s)
		r0 := i0 + s
		switch {
		case trans:
			for p := 0; p < kc; p++ {
				d := strip[p*mr : (p+1)*mr]
				src := a[(p0+p)*lda+r0 : (p0+p)*lda+r0+h]
				copySmall(d, src)
				clear(d[h:])
			}
		case h == 6 && mr == 6:
			base := r0*lda + p0
			x0, x1, x2 := a[base:base+kc], a[base+lda:base+lda+kc], a[base+2*lda:base+2*lda+kc]
			x3, x4, x5 := a[base+3*lda:base+3*lda+kc], a[base+4*lda:base+4*lda+kc], a[base+5*lda:base+5*lda+kc]
			for p := range x0 {
				d := strip[p*6 : p*6+6 : p*6+6]
				d[0], d[1], d[2], d[3], d[4], d[5] = x0[p], x1[p], x2[p], x3[p], x4[p], x5[p]
			}
		case h == 8 && mr == 8:
			base := r0*lda + p0
			x0, x1, x2 := a[base:base+kc], a[base+lda:base+lda+kc], a[base+2*lda:base+2*lda+kc]
			x3, x4, x5 := a[base+3*lda:base+3*lda+kc], a[base+4*lda:base+4*lda+kc], a[base+5*lda:base+5*lda+kc]
			x6, x7 := a[base+6*lda:base+6*lda+kc], a[base+7*lda:base+7*lda+kc]
			for p := range x0 {
				d := strip[p*8 : p*8+8 : p*8+8]
				d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = x0[p], x1[p], x2[p], x3[p], x4[p], x5[p], x6[p], x7[p]
			}
		default:
			for i := 0; i < mr; i++ {
				if i >= h {
					for p := 0; p < kc; p++ {
						strip[p*mr+i] = 0
					}
					continue
				}
				row := a[(r0+i)*lda+p0 : (r0+i)*lda+p0+kc]
				for p, v := range row {
					strip[p*mr+i] = v
				}
			}
		}
		if alpha != 1 {
			for i := range strip {
				strip[i] = alpha * strip[i]
			}
		}
	}
}

// copySmall copies src into dst (len(dst) ≥ len(src)) without calling
// memmove, which costs more than the copy for a few floats.
func copySmall(dst, src []float32) {
	dst = dst[:len(src)]
	//lint:ignore S1001 copy calls memmove, which costs more than this loop for a few floats
	for i, v := range src {
		dst[i] = v
	}
}

// packB copies rows p0..p0+kc of op(B), columns j0..j0+nj, into strips of
// nr columns: strip s holds dst[s·nr·kc + p·nr + j] = op(B)[p0+p, j0+s·nr+j],
// zero past the last column.
func packB(trans bool, b []float32, ldb, p0, kc, j0, nj, nr int, dst []float32) {
	for s := 0; s < nj; s += nr {
		strip := dst[s*kc : (s+nr)*kc]
		w := min(nr, nj-s)
		switch {
		case !trans && w == 16 && nr == 16:
			o := p0*ldb + j0 + s
			copyRows16(strip[:16*kc], b[o:o+(kc-1)*ldb+16], kc, ldb)
		case !trans && w == 32 && nr == 32:
			for p := 0; p < kc; p++ {
				o := (p0+p)*ldb + j0 + s
				*(*[32]float32)(strip[p*32 : p*32+32]) = *(*[32]float32)(b[o : o+32])
			}
		case !trans:
			for p := 0; p < kc; p++ {
				row := b[(p0+p)*ldb+j0+s : (p0+p)*ldb+j0+s+w]
				d := strip[p*nr : (p+1)*nr]
				copySmall(d, row)
				clear(d[w:])
			}
		default:
			// op(B)[p, j] = b[j·ldb + p]: read up to four columns of the
			// strip together, writing each strip row's entries.
			j := 0
			for ; j+4 <= w; j += 4 {
				o := (j0+s+j)*ldb + p0
				c0, c1, c2, c3 := b[o:o+kc], b[o+ldb:o+ldb+kc], b[o+2*ldb:o+2*ldb+kc], b[o+3*ldb:o+3*ldb+kc]
				for p := range c0 {
					d := strip[p*nr+j : p*nr+j+4 : p*nr+j+4]
					d[0], d[1], d[2], d[3] = c0[p], c1[p], c2[p], c3[p]
				}
			}
			for ; j < w; j++ {
				col := b[(j0+s+j)*ldb+p0 : (j0+s+j)*ldb+p0+kc]
				for p, v := range col {
					strip[p*nr+j] = v
				}
			}
			for ; j < nr; j++ {
				for p := 0; p < kc; p++ {
					strip[p*nr+j] = 0
				}
			}
		}
	}
}

// Scale sets the m×n tile of C to beta·C: zeros for beta 0 (whatever C
// held, NaNs included), unchanged for beta 1.
func Scale(c []float32, ldc, m, n int, beta float32) {
	if beta == 1 {
		return
	}
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] = beta * row[j]
		}
	}
}

// grow returns buf resized to n floats, reallocating only when too small.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}
