package bolt

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/tracker"
)

// writeFileAtomic writes a file of the store (an object, a journal kept
// aside, a salvaged record) so that path either keeps its old contents or
// holds all of data, even across a crash. It creates the folder, then leaves
// the write to internal/atomicfile, the project's one atomic writer (temporary
// file in the same folder, fsync, rename, fsync of the folder).
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	return atomicfile.WriteFile(context.Background(), path, data, perm)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("open folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// hashFile returns the SHA-256 and size of the file at path.
func hashFile(path string) (tracker.ID, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return tracker.ID{}, 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return tracker.ID{}, 0, err
	}
	var id tracker.ID
	h.Sum(id[:0])
	return id, n, nil
}

// objectPath is where the bytes of id live under the objects folder:
// objects/ab/cdef... (the first two hex digits name the folder).
func objectPath(objects string, id tracker.ID) string {
	h := id.String()
	return filepath.Join(objects, h[:2], h[2:])
}
