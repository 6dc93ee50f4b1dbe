package style

import (
	"errors"
	"math"
)

// ErrInvalidDomain marks style-domain parameters out of range, or a domain
// name that is not built in; compare with errors.Is.
var ErrInvalidDomain = errors.New("invalid style domain")

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
