//go:build !(linux || darwin || freebsd || openbsd || netbsd || dragonfly)

package bolt

import (
	"os"
	"time"
)

// lockFile leaves locking to bbolt where flock is not available; the file
// is then validated before bbolt locks it.
func lockFile(*os.File, bool, time.Duration) error { return nil }
