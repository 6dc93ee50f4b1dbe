//go:build unix

package memstat

import (
	"fmt"
	"runtime"
	"syscall"
)

// rusagePeak is getrusage's ru_maxrss in bytes: kilobytes on Linux and the
// BSDs, bytes on macOS.
func rusagePeak() (int64, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, fmt.Errorf("read peak memory: %w", err)
	}
	if runtime.GOOS == "darwin" || runtime.GOOS == "ios" {
		return int64(ru.Maxrss), nil
	}
	return int64(ru.Maxrss) * 1024, nil
}
