// Package gemm is cgx's portable single-precision matrix multiply: one
// blocked driver (packing, cache blocking) and micro-kernels in Go and in
// Go assembly, chosen by the caller. Its result is defined element by
// element, independently of tiling, vector width and CPU:
//
//	c ← 0 if beta == 0, c if beta == 1, float32(beta·c) otherwise
//	for p = 0, 1, …, k−1 in that order:
//	    c ← c + float32(a'[i,p]·b[p,j])
//
// where a' = a when alpha == 1 and float32(alpha·a) otherwise. Every
// product is rounded to float32 before it is added (no fused multiply-add
// on any path), so every kernel, which vectorises across j and never splits
// the sum over p, gives the same bits. It is a separate package from nn
// because Go assembly cannot live in a package that uses cgo.
package gemm

import "sync"

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
// c[i,j] ← c[i,j] + float32(ap[p·mr+i]·bp[p·nr+j]), c having row stride
// ldc; ap and bp are packed strips (see packA, packB).
type Kernel struct {
	Name   string // "Go", "AVX2", …
	mr, nr int
	fn     func(kc int, ap, bp, c []float32, ldc int)
}

var bufs = sync.Pool{New: func() any { return new(scratch) }}

type scratch struct{ a, b, tile []float32 }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C with kernel mk, in the
// order the package comment defines. The caller has checked the operand
// sizes. It runs on the calling goroutine only.
func Sgemm(mk Kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	Scale(c, ldc, m, n, beta)
	if k == 0 {
		return
	}
	gemmWith(mk, transA, transB, m, n, k, alpha, a, lda, b, ldb, c, ldc)
}

func gemmWith(mk Kernel, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	s := bufs.Get().(*scratch)
	defer bufs.Put(s)
	mr, nr := mk.mr, mk.nr
	mc := blockM / mr * mr
	nc := blockN / nr * nr
	s.a = grow(s.a, mc*blockK)
	s.b = grow(s.b, nc*blockK)
	s.tile = grow(s.tile, mr*nr)
	for j0 := 0; j0 < n; j0 += nc {
		nj := min(nc, n-j0)
		for p0 := 0; p0 < k; p0 += blockK {
			kc := min(blockK, k-p0)
			packB(transB, b, ldb, p0, kc, j0, nj, nr, s.b)
			for i0 := 0; i0 < m; i0 += mc {
				mi := min(mc, m-i0)
				packA(transA, a, lda, i0, mi, p0, kc, mr, alpha, s.a)
				for jr := 0; jr < nj; jr += nr {
					bp := s.b[jr*kc : (jr+nr)*kc]
					w := min(nr, nj-jr)
					for ir := 0; ir < mi; ir += mr {
						ap := s.a[ir*kc : (ir+mr)*kc]
						h := min(mr, mi-ir)
						off := (i0+ir)*ldc + j0 + jr
						if h == mr && w == nr {
							mk.fn(kc, ap, bp, c[off:], ldc)
							continue
						}
						edgeTile(mk, kc, ap, bp, c[off:], ldc, h, w, s.tile)
					}
				}
			}
		}
	}
}

// edgeTile runs the kernel on a full tile copied from the h×w corner of C
// (zeros elsewhere) and copies the h×w part back.
func edgeTile(mk Kernel, kc int, ap, bp, c []float32, ldc, h, w int, tile []float32) {
	clear(tile)
	for i := 0; i < h; i++ {
		copy(tile[i*mk.nr:i*mk.nr+w], c[i*ldc:i*ldc+w])
	}
	mk.fn(kc, ap, bp, tile, mk.nr)
	for i := 0; i < h; i++ {
		copy(c[i*ldc:i*ldc+w], tile[i*mk.nr:i*mk.nr+w])
	}
}

// packA copies rows i0..i0+mi of op(A), columns p0..p0+kc, into strips of
// mr rows: strip s holds dst[s·mr·kc + p·mr + i] = alpha·op(A)[i0+s·mr+i,
// p0+p] (rounded to float32; exactly op(A) when alpha is 1), zero past the
// last row.
func packA(trans bool, a []float32, lda, i0, mi, p0, kc, mr int, alpha float32, dst []float32) {
	for s := 0; s < mi; s += mr {
		strip := dst[s*kc : (s+mr)*kc]
		h := min(mr, mi-s)
		for i := 0; i < mr; i++ {
			if i >= h {
				for p := 0; p < kc; p++ {
					strip[p*mr+i] = 0
				}
				continue
			}
			r := i0 + s + i
			if trans {
				for p := 0; p < kc; p++ {
					strip[p*mr+i] = a[(p0+p)*lda+r]
				}
			} else {
				row := a[r*lda+p0 : r*lda+p0+kc]
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

// packB copies rows p0..p0+kc of op(B), columns j0..j0+nj, into strips of
// nr columns: strip s holds dst[s·nr·kc + p·nr + j] = op(B)[p0+p, j0+s·nr+j],
// zero past the last column.
func packB(trans bool, b []float32, ldb, p0, kc, j0, nj, nr int, dst []float32) {
	for s := 0; s < nj; s += nr {
		strip := dst[s*kc : (s+nr)*kc]
		w := min(nr, nj-s)
		if !trans {
			for p := 0; p < kc; p++ {
				row := b[(p0+p)*ldb+j0+s : (p0+p)*ldb+j0+s+w]
				d := strip[p*nr : (p+1)*nr]
				copy(d, row)
				clear(d[w:])
			}
			continue
		}
		for j := 0; j < nr; j++ {
			if j >= w {
				for p := 0; p < kc; p++ {
					strip[p*nr+j] = 0
				}
				continue
			}
			col := b[(j0+s+j)*ldb+p0 : (j0+s+j)*ldb+p0+kc]
			for p, v := range col {
				strip[p*nr+j] = v
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
