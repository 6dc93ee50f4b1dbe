//go:build arm64

package gemm

// neonKernel is an 8×12 tile in 24 NEON accumulators on packed A and B,
// each step a multiply by one element of A (FMUL by element) and an add
// (FADD), four columns at a time: the Go kernel's roundings in the Go
// kernel's order. It uses Advanced SIMD only, which every arm64 CPU has.
var neonKernel = Kernel{Name: "NEON", mr: 8, nr: 12, packA: true, fn: kernelNEON}

//go:noescape
func sgemm8x12NEON(kc int, a, b, c *float32, ldc int, zero bool)

func kernelNEON(kc int, a, b strip, c []float32, ldc int, zero bool) {
	if a.rs != 1 || a.ps != 8 || b.ps != 12 {
		panic("gemm: the NEON kernel needs packed strips")
	}
	// Bounds: every element the kernel reads or writes lies in the strips
	// and the tile, so the assembly never touches memory outside them.
	_ = a.v[8*kc-1]
	_ = b.v[12*kc-1]
	_ = c[7*ldc+11]
	sgemm8x12NEON(kc, &a.v[0], &b.v[0], &c[0], ldc, zero)
}

// Best is the NEON kernel: Advanced SIMD is part of every arm64 CPU.
func Best() Kernel { return neonKernel }

// Named returns the kernel called name ("Go" or "NEON", case ignored).
func Named(name string) (Kernel, bool) {
	switch normName(name) {
	case "go":
		return goKernel, true
	case "neon":
		return neonKernel, true
	}
	return Kernel{}, false
}

// copyRows16 copies rows runs of 16 floats, ld apart in src, to dst.
func copyRows16(dst, src []float32, rows, ld int) { copyRows16Go(dst, src, rows, ld) }
