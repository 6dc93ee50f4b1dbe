package manip

import "errors"

// Sentinel errors, compared with errors.Is.
var (
	// ErrUnknown: no manipulation is registered under the name.
	ErrUnknown = errors.New("unknown manipulation")
	// ErrOptions: an option is out of range.
	ErrOptions = errors.New("invalid manipulation options")
	// ErrShape: images, parameter values or seeds have the wrong shape,
	// length or dtype.
	ErrShape = errors.New("wrong shape")
	// ErrParams: parameter values are missing, extra or not finite.
	ErrParams = errors.New("invalid parameter values")
)
