//go:build amd64

package gemm

import (
	"sync"

	"golang.org/x/sys/cpu"
)

// avx2Kernel is a 6×16 tile in twelve YMM accumulators, each step one
// broadcast of A, a multiply (VMULPS) and an add (VADDPS): the same
// roundings as the Go kernel, eight columns at a time.
var avx2Kernel = Kernel{Name: "AVX2", mr: 6, nr: 16, fn: kernelAVX2}

// avx512Kernel is an 8×32 tile in sixteen ZMM accumulators, the same
// steps as avx2Kernel sixteen columns at a time: half the instructions per
// flop, which matters on CPUs (AMD Zen 4) whose AVX2 kernel is limited by
// instruction issue rather than arithmetic.
var avx512Kernel = Kernel{Name: "AVX-512", mr: 8, nr: 32, fn: kernelAVX512}

//go:noescape
func sgemm8x32AVX512(kc int, a *float32, as, ap int, b *float32, bs int, c *float32, ldc int, zero bool)

func kernelAVX512(kc int, a, b strip, c []float32, ldc int, zero bool) {
	checkStrips(kc, 8, 32, a, b, c, ldc)
	sgemm8x32AVX512(kc, &a.v[0], a.rs, a.ps, &b.v[0], b.ps, &c[0], ldc, zero)
}

//go:noescape
func sgemm6x16AVX2(kc int, a *float32, as, ap int, b *float32, bs int, c *float32, ldc int, zero bool)

func kernelAVX2(kc int, a, b strip, c []float32, ldc int, zero bool) {
	checkStrips(kc, 6, 16, a, b, c, ldc)
	sgemm6x16AVX2(kc, &a.v[0], a.rs, a.ps, &b.v[0], b.ps, &c[0], ldc, zero)
}

// checkStrips panics (index out of range) unless the strips and the tile
// hold every element an mr×nr kernel reads or writes, so that the
// assembly never touches memory outside them.
func checkStrips(kc, mr, nr int, a, b strip, c []float32, ldc int) {
	_ = a.v[(mr-1)*a.rs+(kc-1)*a.ps]
	_ = b.v[(kc-1)*b.ps+nr-1]
	_ = c[(mr-1)*ldc+nr-1]
}

// Best picks the AVX2 kernel, or on CPUs with AVX-512 whichever of the two
// runs faster here, timed once (faster). Neither wins everywhere: on AMD
// Zen 4, which splits 512-bit operations in two, AVX2 runs at 85–95% of
// peak against 70–75% for AVX-512; on an Intel Xeon (2026-12-06) AVX-512
// trained 1.3x and fitted 1.5x faster. Results are the same bits either way.
// The choice is made once per process.
func Best() Kernel { return best() }

var best = sync.OnceValue(func() Kernel {
	switch {
	case !cpu.X86.HasAVX2:
		return goKernel
	case !cpu.X86.HasAVX512F:
		return avx2Kernel
	}
	return faster(avx2Kernel, avx512Kernel)
})

// KernelNames lists, for messages, the SIMD kernels Named knows on this
// architecture ("" where it knows none).
const KernelNames = "avx2, avx512"

// Named returns the kernel called name ("Go", "AVX2", "AVX-512", case and
// dashes ignored) if this CPU runs it.
func Named(name string) (Kernel, bool) {
	switch normName(name) {
	case "go":
		return goKernel, true
	case "avx2":
		return avx2Kernel, cpu.X86.HasAVX2
	case "avx512":
		return avx512Kernel, cpu.X86.HasAVX512F
	}
	return Kernel{}, false
}

//go:noescape
func copyRows16AVX(dst, src *float32, rows, ld int)

// copyRows16 copies rows runs of 16 floats, ld apart in src, to dst
// (len(dst) ≥ 16·rows, len(src) ≥ (rows−1)·ld + 16): packing B for the AVX2
// kernel without a memmove call per row.
func copyRows16(dst, src []float32, rows, ld int) {
	if rows <= 0 {
		return
	}
	_, _ = dst[16*rows-1], src[(rows-1)*ld+15]
	if cpu.X86.HasAVX {
		copyRows16AVX(&dst[0], &src[0], rows, ld)
		return
	}
	copyRows16Go(dst, src, rows, ld)
}
