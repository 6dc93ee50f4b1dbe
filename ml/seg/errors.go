package seg

import "errors"

// Sentinel errors; compare with errors.Is.
var (
	// ErrConfig reports an invalid Config or TrainConfig.
	ErrConfig = errors.New("invalid segmentation config")
	// ErrInput reports images or instance maps that do not fit the model.
	ErrInput = errors.New("invalid segmentation input")
	// ErrTensor reports a tensor of the wrong type or shape reaching an op.
	ErrTensor = errors.New("segmentation tensor mismatch")
	// ErrFormat reports model bytes that are not in the format Marshal writes.
	ErrFormat = errors.New("bad segmentation model format")
)
