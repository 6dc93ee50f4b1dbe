package bolt

import (
	"os"

	"golang.org/x/sys/unix"
)

// fdatasync flushes f's data, and only the metadata needed to read it back
// (not its times), to stable storage.
func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
