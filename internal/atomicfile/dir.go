package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// EnsureDir makes dir ready to write files into: an existing folder, or a
// link to one, is used as it is; a missing one is created (mode 0755) when its
// parent folder exists, and refused with ErrNoParent when not, as WriteFile
// refuses a file in a missing folder. A path that exists and is not a folder
// is refused with ErrNotDir.
func EnsureDir(dir string) error {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("output folder %s: %w: it is a %s; name a folder", dir, ErrNotDir, kind(fi.Mode()))
		}
		return nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	target, err := linkTarget(dir)
	if err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	parent := filepath.Dir(filepath.Clean(target))
	pfi, err := os.Stat(parent)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("output folder %s: %w: %s; create it first (mkdir -p %s)", dir, ErrNoParent, parent, parent)
	}
	if err != nil {
		return fmt.Errorf("output folder %s: %w", dir, err)
	}
	if !pfi.IsDir() {
		return fmt.Errorf("output folder %s: %w: %s is not a folder", dir, ErrNoParent, parent)
	}
	if err := os.Mkdir(target, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("create output folder %s: %w", dir, err)
	}
	// Something may have appeared there meanwhile: check what it is.
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("output folder %s: %w", dir, ErrNotDir)
	}
	return nil
}

// kind names a file type for messages.
func kind(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "regular file"
	case m&fs.ModeNamedPipe != 0:
		return "named pipe"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeCharDevice != 0:
		return "character device"
	case m&fs.ModeDevice != 0:
		return "block device"
	}
	return "special file"
}
