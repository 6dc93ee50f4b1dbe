//go:build amd64

package gemm

import "golang.org/x/sys/cpu"

// extraKernels are the kernels this CPU runs besides Go and Best.
func extraKernels() []Kernel {
	var ks []Kernel
	if cpu.X86.HasAVX2 && Best().Name != avx2Kernel.Name {
		ks = append(ks, avx2Kernel)
	}
	if cpu.X86.HasAVX512F && Best().Name != avx512Kernel.Name {
		ks = append(ks, avx512Kernel)
	}
	return ks
}
