package nn

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// goBLAS is the pure-Go backend: gonum's SGEMM, called on tiles small enough
// that gonum never starts goroutines of its own (it parallelises products of
// 4 or more 64×64 blocks of C). Every element of C is computed by the same
// serial kernel whatever the tiling, so results do not depend on it.
type goBLAS struct{}

// GoBLAS returns the pure-Go backend; it is always available.
func GoBLAS() BLAS { return goBLAS{} }

// Tile of C per gonum call: at most 1×3 blocks of 64, below gonum's
// parallel threshold.
const (
	goTileM = 64
	goTileN = 192
)

func (goBLAS) Name() string { return "pure Go (gonum SGEMM)" }

func (goBLAS) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	ta, tb := blas.NoTrans, blas.NoTrans
	if transA {
		ta = blas.Trans
	}
	if transB {
		tb = blas.Trans
	}
	impl := gonum.Implementation{}
	for i0 := 0; i0 < m; i0 += goTileM {
		mi := min(goTileM, m-i0)
		var as []float32
		if transA {
			as = a[i0:] // A is k×m: columns i0.. of the stored matrix
		} else {
			as = a[i0*lda:]
		}
		for j0 := 0; j0 < n; j0 += goTileN {
			nj := min(goTileN, n-j0)
			var bs []float32
			if transB {
				bs = b[j0*ldb:] // B is n×k: rows j0..
			} else {
				bs = b[j0:]
			}
			if k == 0 {
				scaleTile(c[i0*ldc+j0:], ldc, mi, nj, beta)
				continue
			}
			impl.Sgemm(ta, tb, mi, nj, k, alpha, as, lda, bs, ldb, beta, c[i0*ldc+j0:], ldc)
		}
	}
}

// scaleTile multiplies an m×n tile of C by beta (the k == 0 case, which
// gonum rejects for short slices).
func scaleTile(c []float32, ldc, m, n int, beta float32) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		for j := range row {
			if beta == 0 {
				row[j] = 0
			} else {
				row[j] *= beta
			}
		}
	}
}
