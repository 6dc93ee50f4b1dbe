package blender

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"strconv"
	"syscall"
)

// DefaultMaxPixels bounds the pixels (width × height) of one image or mask
// read from a folder: 64 Mpx (8192 × 8192), about 256 MiB once decoded. A
// small file can declare a huge image (a PNG of 30000 × 30000 black pixels
// is under 1 MB), so the header is checked before anything is decoded.
const DefaultMaxPixels = 1 << 26

// MaxPixelsEnv names the environment variable that sets the pixel limit
// when no WithMaxPixels option does (for 'cgx run' as for 'cgx dataset
// folder'): a whole number of pixels.
const MaxPixelsEnv = "CGX_MAX_PIXELS"

// Sentinel errors of folder import, beside ErrFolder (errors.go).
var (
	// ErrTooLarge marks an image, mask or COCO file over its size limit.
	ErrTooLarge = errors.New("over the size limit")
	// ErrNotRegular marks a pipe, socket or device where a file was expected.
	ErrNotRegular = errors.New("not a regular file")
)

// maxCOCOBytes bounds the COCO instances file read into memory.
const maxCOCOBytes = 1 << 30

// FolderOption configures FromFolder.
type FolderOption func(*folderConfig)

// WithMaxPixels sets the largest width × height of an image or mask; an
// image over it is refused, naming the file. n <= 0 keeps the default
// ($CGX_MAX_PIXELS, else DefaultMaxPixels).
func WithMaxPixels(n int) FolderOption { return func(c *folderConfig) { c.maxPixels = n } }

// WithNotes receives one line for each file FromFolder skips (a pipe or a
// device named like an image), from the calling goroutine.
func WithNotes(fn func(note string)) FolderOption { return func(c *folderConfig) { c.notes = fn } }

// folderConfig is FromFolder's options, resolved.
type folderConfig struct {
	maxPixels int
	notes     func(string)
}

// newFolderConfig applies opts and resolves the pixel limit: the option,
// then $CGX_MAX_PIXELS, then DefaultMaxPixels.
func newFolderConfig(opts []FolderOption) (folderConfig, error) {
	var c folderConfig
	for _, o := range opts {
		o(&c)
	}
	if c.maxPixels > 0 {
		return c, nil
	}
	c.maxPixels = DefaultMaxPixels
	if v := os.Getenv(MaxPixelsEnv); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > 1<<40 {
			return c, fmt.Errorf("%w: %s=%q: want a whole number of pixels, at least 1 (default %d)", ErrInvalidSpec, MaxPixelsEnv, v, DefaultMaxPixels)
		}
		c.maxPixels = int(n)
	}
	return c, nil
}

func (c folderConfig) note(s string) {
	if c.notes != nil {
		c.notes(s)
	}
}

// maxBytes bounds one image or mask file: 8 bytes per allowed pixel (16-bit
// RGBA, uncompressed) and 1 MiB for headers and metadata; no real image
// file is larger.
func (c folderConfig) maxBytes() int64 { return 8*int64(c.maxPixels) + 1<<20 }

// checkHeader refuses an image whose header declares more pixels than the
// limit, before it is decoded. A header that cannot be read is left to the
// decoder, whose message names the file.
func (c folderConfig) checkHeader(path string, data []byte) error {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > int64(c.maxPixels) {
		return fmt.Errorf("%w: %w: %s is %dx%d = %d pixels, over the limit of %d: shrink it, or raise the limit with --max-pixels or %s",
			ErrFolder, ErrTooLarge, path, cfg.Width, cfg.Height, px, c.maxPixels, MaxPixelsEnv)
	}
	return nil
}

// regularFile reports whether the directory entry at path is a regular file
// or a link to one; if not, kind names what it is.
func regularFile(path string, e fs.DirEntry) (kind string, ok bool) {
	t := e.Type()
	if t&fs.ModeSymlink != 0 {
		fi, err := os.Stat(path)
		if err != nil {
			return "broken link", false
		}
		t = fi.Mode().Type()
	}
	if t.IsRegular() {
		return "", true
	}
	return fileKind(t), false
}

func fileKind(t fs.FileMode) string {
	switch {
	case t&fs.ModeNamedPipe != 0:
		return "named pipe"
	case t&fs.ModeSocket != 0:
		return "socket"
	case t&fs.ModeCharDevice != 0:
		return "character device"
	case t&fs.ModeDevice != 0:
		return "block device"
	case t.IsDir():
		return "folder"
	}
	return "special file"
}

// readRegular reads the regular file at path, at most limit bytes. It opens
// without blocking, so a pipe put in the file's place cannot hang the read,
// and refuses anything but a regular file.
func readRegular(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: %w: it is a %s", path, ErrNotRegular, fileKind(fi.Mode().Type()))
	}
	if fi.Size() > limit {
		return nil, fmt.Errorf("read %s: %w: %d bytes, over the limit of %d", path, ErrTooLarge, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: %w: grew past %d bytes while read", path, ErrTooLarge, limit)
	}
	return data, nil
}
