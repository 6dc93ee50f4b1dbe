package fit

import "errors"

// Sentinel errors, compared with errors.Is.
var (
	// ErrConfig: a Config field is out of range.
	ErrConfig = errors.New("invalid fit config")
	// ErrImages: the image batch is malformed (sizes, seeds, values outside [0,1]).
	ErrImages = errors.New("invalid images")
	// ErrClassifier: the classifier returned logits of the wrong shape or
	// non-finite values.
	ErrClassifier = errors.New("classifier misbehaved")
)
