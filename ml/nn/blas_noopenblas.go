//go:build !cgo

package nn

import "fmt"

// OpenBLAS reports ErrNoOpenBLAS in builds without cgo; the layers then use
// the pure-Go backend.
func OpenBLAS() (BLAS, error) {
	return nil, fmt.Errorf("%w: built without cgo (CGO_ENABLED=0)", ErrNoOpenBLAS)
}
