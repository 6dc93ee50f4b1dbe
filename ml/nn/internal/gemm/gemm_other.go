//go:build !amd64 && !arm64

package gemm

// Best: architectures without an assembly kernel run the pure-Go one (the
// same bits).
func Best() Kernel { return goKernel }

// KernelNames lists, for messages, the SIMD kernels Named knows on this
// architecture ("" where it knows none).
const KernelNames = ""

// Named returns the kernel called name if this CPU runs it: only "Go" here.
func Named(name string) (Kernel, bool) {
	if normName(name) == "go" {
		return goKernel, true
	}
	return Kernel{}, false
}

// copyRows16 copies rows runs of 16 floats, ld apart in src, to dst.
func copyRows16(dst, src []float32, rows, ld int) { copyRows16Go(dst, src, rows, ld) }
