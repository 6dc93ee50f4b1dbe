//go:build !cgo

package nn

import "fmt"

// OpenBLAS reports ErrNoOpenBLAS in builds without cgo; CGX_BLAS=openblas then
// fails; the default portable backend is unaffected.
func OpenBLAS() (BLAS, error) {
	return nil, fmt.Errorf("%w: built without cgo (CGO_ENABLED=0)", ErrNoOpenBLAS)
}
