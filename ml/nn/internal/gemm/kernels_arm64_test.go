//go:build arm64

package gemm

// extraKernels are the kernels this CPU runs besides Go and Best: the
// 4×16 NEON kernel on its own (Best runs it only for some shapes).
func extraKernels() []Kernel { return []Kernel{neon4x16} }
