package nn

import "github.com/cgx-dev/cgx/ml/nn/internal/gemm"

// portableBLAS is cgx's own SGEMM, the default backend. Its result is
// defined element by element, independently of tiling, vector width and
// CPU:
//
//	c ← 0 if beta == 0, c if beta == 1, float32(beta·c) otherwise
//	for p = 0, 1, …, k−1 in that order:
//	    c ← c + float32(a'[i,p]·b[p,j])
//
// where a' = a when alpha == 1 and float32(alpha·a) otherwise. Every
// product is rounded to float32 before it is added (no fused multiply-add
// on any path), so the pure-Go kernel and the SIMD kernels, which vectorise
// across j and never split the sum over p, give the same bits.
type portableBLAS struct{}

// PortableBLAS returns the portable backend; it is always available and
// gives the same bits on every machine.
func PortableBLAS() BLAS { return portableBLAS{} }

// GoBLAS returns the portable backend (the name predates it: the pure-Go
// backend it replaced was gonum's SGEMM). Kept for callers.
func GoBLAS() BLAS { return portableBLAS{} }

// Name is the same on every machine ("portable SGEMM"), like the results:
// run records and stage keys that include it then agree across machines.
// SIMD names the kernel that runs.
func (portableBLAS) Name() string { return "portable SGEMM" }

// Portable reports that results do not depend on the machine.
func (portableBLAS) Portable() bool { return true }

func (portableBLAS) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	gemm.Sgemm(gemmKernel(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// scaleTile sets the m×n tile of C to beta·C (see gemm.Scale).
func scaleTile(c []float32, ldc, m, n int, beta float32) { gemm.Scale(c, ldc, m, n, beta) }
