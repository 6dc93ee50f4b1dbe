//go:build !amd64 && !arm64

package gemm

func extraKernels() []Kernel { return nil }
