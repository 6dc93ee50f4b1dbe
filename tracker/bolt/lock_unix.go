//go:build linux || darwin || freebsd || openbsd || netbsd || dragonfly

package bolt

import (
	"errors"
	"os"
	"syscall"
	"time"

	bolterrors "go.etcd.io/bbolt/errors"
)

// lockFile takes bbolt's lock on f (flock, exclusive for a writer, shared
// for a reader) before bbolt does, so that the file is validated under the
// lock; bbolt's own flock on the same descriptor then succeeds at once.
// Waiting longer than timeout gives bbolt's ErrTimeout.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error {
	how := syscall.LOCK_SH | syscall.LOCK_NB
	if exclusive {
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	start := time.Now()
	for {
		err := syscall.Flock(int(f.Fd()), how)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		if time.Since(start) >= timeout {
			return bolterrors.ErrTimeout
		}
		time.Sleep(50 * time.Millisecond)
	}
}
