package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// maxLinks bounds the symbolic links followed, as the kernel's ELOOP does.
const maxLinks = 40

// WriteFile writes data to path as the package documentation describes:
// regular files (and missing ones) are replaced atomically, links are
// followed, pipes and character devices are written in place, and folders,
// sockets and block devices are refused. perm applies to a file it creates;
// a replaced file keeps its permission bits.
func WriteFile(ctx context.Context, path string, data []byte, perm os.FileMode) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		target, err := linkTarget(path)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		if err := parentExists(path, target); err != nil {
			return err
		}
		return replace(path, target, data, perm)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, cause(err))
	}
	mode := fi.Mode()
	switch {
	case mode.IsRegular():
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return fmt.Errorf("write %s: resolve symbolic links: %w", path, err)
		}
		return replace(path, target, data, mode.Perm())
	case mode.IsDir():
		return fmt.Errorf("write %s: %w: it is a folder; name a file inside it", path, ErrNotFile)
	case mode&fs.ModeNamedPipe != 0, mode&fs.ModeCharDevice != 0:
		return writeInPlace(ctx, path, data, mode&fs.ModeNamedPipe != 0)
	case mode&fs.ModeSocket != 0:
		return fmt.Errorf("write %s: %w: it is a socket; name a file, a pipe or a character device", path, ErrNotFile)
	case mode&fs.ModeDevice != 0:
		return fmt.Errorf("write %s: %w: it is a block device; cgx does not write onto disks", path, ErrNotFile)
	default:
		return fmt.Errorf("write %s: %w: file type %v", path, ErrNotFile, mode.Type())
	}
}

// linkTarget follows the symbolic links at path as far as they go and
// returns the first path that does not exist (path itself when it is not a
// link): what a write through path creates.
func linkTarget(path string) (string, error) {
	for range maxLinks {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", ErrTooManyLinks
}

// parentExists refuses a target whose folder is missing or not a folder.
// name is the path the user gave, for the message.
func parentExists(name, target string) error {
	dir := filepath.Dir(target)
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write %s: %w: %s; create it first (mkdir -p %s)", name, ErrNoParent, dir, dir)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("write %s: %w: %s is not a folder", name, ErrNoParent, dir)
	}
	return nil
}

// replace writes data to target through a temporary file in its folder:
// write, fsync, chmod, rename, fsync of the folder. name is the path the user
// gave, for messages.
func replace(name, target string, data []byte, perm os.FileMode) (err error) {
	dir := filepath.Dir(target)
	f, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
			return fmt.Errorf("write %s: folder %s is not writable (cgx replaces files through a temporary file next to them): %w", name, dir, err)
		}
		return fmt.Errorf("write %s: create temporary file in %s: %w", name, dir, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("write %s: sync: %w", name, err)
	}
	if err = f.Chmod(perm); err != nil {
		return fmt.Errorf("write %s: chmod: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("write %s: close: %w", name, err)
	}
	if err = os.Rename(tmp, target); err != nil {
		return fmt.Errorf("write %s: rename into place: %w", name, err)
	}
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Some file systems cannot fsync a
// folder (EINVAL); the rename stands.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
