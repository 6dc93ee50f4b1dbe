package scene

import "errors"

// Sentinel errors; compare with errors.Is.
var (
	// ErrInvalidScene marks a scene that fails validation or decoding.
	ErrInvalidScene = errors.New("invalid scene")
	// ErrUnknownProduct marks a product kind not in the catalogue.
	ErrUnknownProduct = errors.New("unknown product kind")
	// ErrInvalidSpec marks a dataset or folder spec, a generator name or a
	// content space that fails validation (datasets.ErrInvalidSpec is this
	// error).
	ErrInvalidSpec = errors.New("invalid dataset spec")
	// ErrUnknownParam marks a content-search parameter that is missing,
	// unknown or out of range.
	ErrUnknownParam = errors.New("content parameter")
)
