package tensorimg

import "errors"

var (
	// ErrSize reports images whose size does not match the set or tensor.
	ErrSize = errors.New("image size mismatch")
	// ErrIndex reports an image index outside the set.
	ErrIndex = errors.New("image index out of range")
	// ErrTensor reports a tensor that is not float32 [N, 3, H, W].
	ErrTensor = errors.New("tensor is not float32 [N 3 H W]")
)
