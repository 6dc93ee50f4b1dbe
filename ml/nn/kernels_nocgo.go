//go:build !(cgo && amd64)

package nn

// archPlaneKernels: builds without cgo, or not on amd64, have the Go plane
// kernels only.
func archPlaneKernels() planeKernels { return goKernels }
