//go:build !amd64

package gemm

func extraKernels() []Kernel { return nil }
