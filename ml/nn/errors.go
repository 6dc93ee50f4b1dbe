package nn

import "errors"

var (
	// ErrShape reports tensors whose shapes do not fit the layer.
	ErrShape = errors.New("shape mismatch")
	// ErrDtype reports a tensor that is not float32.
	ErrDtype = errors.New("tensors must be float32")
	// ErrUnknownBackend reports an unknown BLAS backend name.
	ErrUnknownBackend = errors.New("unknown blas backend")
	// ErrUnknownSIMD reports a CGX_SIMD value other than on or off.
	ErrUnknownSIMD = errors.New("unknown simd setting")
	// ErrNoOpenBLAS reports that the OpenBLAS library could not be loaded.
	ErrNoOpenBLAS = errors.New("openblas not available")
	// ErrWeightsFormat reports weight bytes that are not in the format WriteWeights writes.
	ErrWeightsFormat = errors.New("bad weights format")
)
