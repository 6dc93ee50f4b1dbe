package datasets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"sync"
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
	// ErrChanged marks a file whose bytes changed between the listing of
	// the folder (which fixed the dataset's digest) and its conversion.
	ErrChanged = errors.New("file changed during the import")
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
// limit, before it is decoded, and returns its pixels. A header that cannot
// be read is left to the decoder, whose message names the file (0 pixels).
func (c folderConfig) checkHeader(path string, data []byte) (int64, error) {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, nil
	}
	px := int64(cfg.Width) * int64(cfg.Height)
	if px > int64(c.maxPixels) {
		return 0, fmt.Errorf("%w: %w: %s is %dx%d = %d pixels, over the limit of %d: shrink it, or raise the limit with --max-pixels or %s",
			ErrFolder, ErrTooLarge, path, cfg.Width, cfg.Height, px, c.maxPixels, MaxPixelsEnv)
	}
	return px, nil
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

// readListed reads a file again for conversion and checks that it still
// hashes to sum, the digest taken when the folder was listed: the dataset's
// digest must describe the bytes converted.
func readListed(path string, sum [32]byte, limit int64) ([]byte, error) {
	data, err := readRegular(path, limit)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFolder, err)
	}
	if sha256.Sum256(data) != sum {
		return nil, fmt.Errorf("%w: %w: %s changed while it was read; run the import again", ErrFolder, ErrChanged, path)
	}
	return data, nil
}

// pixelBudget bounds the pixels of the images being decoded at once. Waiters
// are served in arrival order, so a large image is not starved by small
// ones; a wait ends when its context does.
type pixelBudget struct {
	mu      sync.Mutex
	total   int64
	free    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

func newPixelBudget(total int64) *pixelBudget {
	return &pixelBudget{total: total, free: total}
}

// acquire takes n pixels (at most the whole budget), waiting for them.
func (b *pixelBudget) acquire(ctx context.Context, n int64) error {
	n = min(n, b.total)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.free >= n {
		b.free -= n
		b.mu.Unlock()
		return nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return nil
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready: // granted meanwhile: give it back
		b.free += n
	default:
		b.waiters = slices.DeleteFunc(b.waiters, func(x *budgetWaiter) bool { return x == w })
	}
	b.grant()
	return ctx.Err()
}

// release returns n pixels taken by acquire.
func (b *pixelBudget) release(n int64) {
	n = min(n, b.total)
	b.mu.Lock()
	b.free += n
	b.grant()
	b.mu.Unlock()
}

// grant wakes waiters in order while the budget covers them.
func (b *pixelBudget) grant() {
	for len(b.waiters) > 0 && b.free >= b.waiters[0].n {
		w := b.waiters[0]
		b.free -= w.n
		close(w.ready)
		b.waiters = b.waiters[1:]
	}
}
