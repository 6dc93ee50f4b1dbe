//go:build arm64

package gemm

// neonKernel is an 8×12 tile in 24 NEON accumulators on packed A and B,
// each step a multiply by one element of A (FMUL by element) and an add
// (FADD), four columns at a time: the Go kernel's roundings in the Go
// kernel's order. It uses Advanced SIMD only, which every arm64 CPU has.
// Sgemm runs neon4x16 instead where that pads the result less (16 or 32
// columns, the weight gradients of 16- and 32-channel convolutions).
var neonKernel = Kernel{Name: "NEON", mr: 8, nr: 12, packA: true, fn: kernelNEON8x12, alts: []Kernel{neon4x16}}

// neon4x16 is the same steps on a 4×16 tile in 16 accumulators.
var neon4x16 = Kernel{Name: "NEON-4x16", mr: 4, nr: 16, packA: true, fn: kernelNEON4x16}

//go:noescape
func sgemm8x12NEON(kc int, a, b, c *float32, ldc int, zero bool)

//go:noescape
func sgemm4x16NEON(kc int, a, b, c *float32, ldc int, zero bool)

func kernelNEON8x12(kc int, a, b strip, c []float32, ldc int, zero bool) {
	checkPacked(kc, 8, 12, a, b, c, ldc)
	sgemm8x12NEON(kc, &a.v[0], &b.v[0], &c[0], ldc, zero)
}

func kernelNEON4x16(kc int, a, b strip, c []float32, ldc int, zero bool) {
	checkPacked(kc, 4, 16, a, b, c, ldc)
	sgemm4x16NEON(kc, &a.v[0], &b.v[0], &c[0], ldc, zero)
}

// checkPacked panics unless a and b are packed strips of an mr×nr kernel
// and the strips and the tile hold every element the kernel reads or
// writes, so that the assembly never touches memory outside them.
func checkPacked(kc, mr, nr int, a, b strip, c []float32, ldc int) {
	if a.rs != 1 || a.ps != mr || b.ps != nr {
		panic("gemm: the NEON kernels need packed strips")
	}
	_ = a.v[mr*kc-1]
	_ = b.v[nr*kc-1]
	_ = c[(mr-1)*ldc+nr-1]
}

// Best is the NEON kernel: Advanced SIMD is part of every arm64 CPU.
func Best() Kernel { return neonKernel }

// KernelNames lists, for messages, the SIMD kernels Named knows on this
// architecture ("" where it knows none).
const KernelNames = "neon, neon-4x16"

// Named returns the kernel called name ("Go", "NEON", or "NEON-4x16"
// alone; case and dashes ignored).
func Named(name string) (Kernel, bool) {
	switch normName(name) {
	case "go":
		return goKernel, true
	case "neon":
		return neonKernel, true
	case "neon4x16":
		return neon4x16, true
	}
	return Kernel{}, false
}

// copyRows16 copies rows runs of 16 floats, ld apart in src, to dst.
func copyRows16(dst, src []float32, rows, ld int) { copyRows16Go(dst, src, rows, ld) }
