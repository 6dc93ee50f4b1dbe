//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

// avx2Kernel is a 6×16 tile in twelve YMM accumulators, each step one
// broadcast of A, a multiply (VMULPS) and an add (VADDPS): the same
// roundings as the Go kernel, eight columns at a time.
var avx2Kernel = Kernel{Name: "AVX2", mr: 6, nr: 16, fn: kernelAVX2}

//go:noescape
func sgemm6x16AVX2(kc int, a, b, c *float32, ldc int)

func kernelAVX2(kc int, ap, bp, c []float32, ldc int) {
	_, _, _ = ap[6*kc-1], bp[16*kc-1], c[5*ldc+15]
	sgemm6x16AVX2(kc, &ap[0], &bp[0], &c[0], ldc)
}

// Best picks the widest kernel the CPU runs (AVX2 needs the OS to
// save YMM state, which cpu.X86.HasAVX2 includes).
func Best() Kernel {
	if cpu.X86.HasAVX2 {
		return avx2Kernel
	}
	return goKernel
}
