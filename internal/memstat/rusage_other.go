//go:build !unix

package memstat

import (
	"errors"
	"runtime"
)

// rusagePeak is not available without getrusage.
func rusagePeak() (int64, error) {
	return 0, errors.New("read peak memory: not supported on " + runtime.GOOS)
}
