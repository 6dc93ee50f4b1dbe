package disc

import "errors"

var (
	// ErrConfig reports an invalid Config or TrainConfig.
	ErrConfig = errors.New("invalid discriminator config")
	// ErrInput reports input tensors or images that do not fit the model.
	ErrInput = errors.New("input does not fit the discriminator")
	// ErrFormat reports bytes that are not a discriminator written by
	// MarshalBinary, or one of another format version.
	ErrFormat = errors.New("bad discriminator format")
)
