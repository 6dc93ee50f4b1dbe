//go:build !amd64

package gemm

// Best: other architectures run the pure-Go kernel (the same bits;
// arm64 NEON kernels could be added the same way).
func Best() Kernel { return goKernel }
