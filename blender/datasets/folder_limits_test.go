package datasets

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/ml/coco"
)

// bombPNG returns a valid 1x1 grey PNG whose header claims w x h pixels: a
// few dozen bytes that a decoder would allocate w*h bytes for.
func bombPNG(w, h uint32) []byte {
	var b bytes.Buffer
	png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))) // cannot fail into a Buffer
	data := b.Bytes()
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, ..., CRC.
	binary.BigEndian.PutUint32(data[16:], w)
	binary.BigEndian.PutUint32(data[20:], h)
	binary.BigEndian.PutUint32(data[29:], crc32.ChecksumIEEE(data[12:29]))
	return data
}

// fromFolderOrHang runs FromFolder and fails the test, instead of hanging
// it, when the import does not return.
func fromFolderOrHang(t *testing.T, ctx context.Context, spec FolderSpec, opts ...FolderOption) (GenerateResult, error) {
	t.Helper()
	type result struct {
		res GenerateResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := FromFolder(ctx, newMemStore(), spec, GenerateOptions{Workers: 2}, opts...)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-time.After(time.Minute):
		t.Fatalf("FromFolder(%s) did not return", spec.Dir)
		return GenerateResult{}, nil
	}
}

func TestFolderPixelLimit(t *testing.T) {
	ctx := context.Background()
	bomb := t.TempDir()
	writeImage(t, filepath.Join(bomb, "a.png"), 40, 30, image.Rect(0, 0, 4, 4))
	if err := os.WriteFile(filepath.Join(bomb, "b.png"), bombPNG(30000, 30000), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: bomb, Size: 32})
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrFolder) {
		t.Fatalf("30000x30000 PNG: got %v, want ErrTooLarge", err)
	}
	for _, w := range []string{filepath.Join(bomb, "b.png"), "30000x30000", "--max-pixels", MaxPixelsEnv} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("message %q does not mention %q", err, w)
		}
	}

	small := t.TempDir()
	writeImage(t, filepath.Join(small, "a.png"), 40, 30, image.Rect(0, 0, 4, 4))
	if _, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: small, Size: 32}, WithMaxPixels(1000)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("40x30 image with a limit of 1000 pixels: got %v, want ErrTooLarge", err)
	}
	if _, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: small, Size: 32}, WithMaxPixels(1200)); err != nil {
		t.Errorf("40x30 image with a limit of 1200 pixels: %v", err)
	}
	t.Setenv(MaxPixelsEnv, "1000")
	if _, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: small, Size: 32}); !errors.Is(err, ErrTooLarge) {
		t.Errorf("%s=1000: got %v, want ErrTooLarge", MaxPixelsEnv, err)
	}
	if _, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: small, Size: 32}, WithMaxPixels(5000)); err != nil {
		t.Errorf("WithMaxPixels overrides %s: %v", MaxPixelsEnv, err)
	}
	t.Setenv(MaxPixelsEnv, "lots")
	if _, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: small, Size: 32}); err == nil || !strings.Contains(err.Error(), MaxPixelsEnv) {
		t.Errorf("%s=lots: got %v, want an error naming the variable", MaxPixelsEnv, err)
	}
	t.Setenv(MaxPixelsEnv, "")

	// A mask is held to the same limit, before it is decoded.
	masks := t.TempDir()
	if err := os.WriteFile(filepath.Join(masks, "a.png"), bombPNG(1<<20, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = fromFolderOrHang(t, ctx, FolderSpec{Dir: small, Masks: masks, Size: 32})
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), filepath.Join(masks, "a.png")) {
		t.Errorf("huge mask: got %v, want ErrTooLarge naming the mask", err)
	}
}

func TestFolderSkipsSpecialFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a.png"), 40, 30, image.Rect(0, 0, 4, 4))
	fifo := filepath.Join(dir, "b.png")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Symlink("b.png", filepath.Join(dir, "c.png")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("a.png", filepath.Join(dir, "d.png")); err != nil {
		t.Fatal(err)
	}
	var notes []string
	res, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: dir, Size: 32}, WithNotes(func(s string) { notes = append(notes, s) }))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range res.Manifest.Images {
		names = append(names, e.File)
	}
	if fmt.Sprint(names) != "[a.png d.png]" {
		t.Errorf("images %v, want [a.png d.png] (the pipe and the link to it skipped, the link to a.png read)", names)
	}
	if len(notes) != 2 || !strings.Contains(notes[0], fifo) || !strings.Contains(notes[0], "named pipe") {
		t.Errorf("notes %q, want one per skipped file naming it as a named pipe", notes)
	}

	// A mask that is a pipe is an error naming it, not a hang.
	masks := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(masks, "a.png"), 0o644); err != nil {
		t.Fatal(err)
	}
	only := t.TempDir()
	writeImage(t, filepath.Join(only, "a.png"), 40, 30, image.Rect(0, 0, 4, 4))
	_, err = fromFolderOrHang(t, ctx, FolderSpec{Dir: only, Masks: masks, Size: 32})
	if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), filepath.Join(masks, "a.png")) {
		t.Errorf("pipe as a mask: got %v, want ErrNotRegular naming it", err)
	}
	// So is a COCO file that is a pipe.
	gt := filepath.Join(t.TempDir(), "gt.json")
	if err := syscall.Mkfifo(gt, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err = fromFolderOrHang(t, ctx, FolderSpec{Dir: only, Masks: gt, Size: 32}); !errors.Is(err, ErrNotRegular) {
		t.Errorf("pipe as the COCO file: got %v, want ErrNotRegular", err)
	}
}

func TestFolderCancelled(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a.png"), 40, 30, image.Rect(0, 0, 4, 4))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := fromFolderOrHang(t, ctx, FolderSpec{Dir: dir, Size: 32}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled import: got %v, want context.Canceled", err)
	}
}

// TestCOCOMaskMatchesScorer checks that a COCO annotation becomes the mask
// ml/coco (pycocotools' rasteriser) makes of it, the mask that mask AP
// scores, for random polygons and for a triangle where a centre-sampling
// even-odd fill disagrees.
func TestCOCOMaskMatchesScorer(t *testing.T) {
	const w, h = 13, 9
	tri := &cocoImage{width: 6, height: 5, ids: []int64{1}, segs: []json.RawMessage{json.RawMessage(`[[0,0,6,0,3,5]]`)}}
	m, err := tri.mask()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := maskString(m), "111111\n.1111.\n..11..\n..11..\n......\n"; got != want {
		t.Errorf("triangle mask:\n%swant (pycocotools):\n%s", got, want)
	}

	seed := uint64(12)
	rng := rand.New(rand.NewPCG(seed, 0))
	for i := range 200 {
		n := 3 + rng.IntN(5)
		poly := make([]float64, 2*n)
		for j := range n {
			poly[2*j] = rng.Float64()*(w+2) - 1
			poly[2*j+1] = rng.Float64()*(h+2) - 1
		}
		seg, _ := json.Marshal([][]float64{poly})
		ci := &cocoImage{width: w, height: h, ids: []int64{1}, segs: []json.RawMessage{seg}}
		got, err := ci.mask()
		if err != nil {
			t.Fatalf("seed %d polygon %d %v: %v", seed, i, poly, err)
		}
		rle, err := coco.FromPolygons([][]float64{poly}, h, w)
		if err != nil {
			t.Fatal(err)
		}
		for p, on := range rle.Decode().Pix {
			if (got.Pix[p] == 1) != on {
				t.Fatalf("seed %d polygon %d %v: pixel (%d, %d) is %v in the imported mask, %v for the scorer", seed, i, poly, p%w, p/w, got.Pix[p] == 1, on)
			}
		}
	}
}

// FuzzFolderImage feeds arbitrary bytes as an image file: the import gives a
// dataset or an error naming the file, never a panic, and never decodes an
// image over the pixel limit.
func FuzzFolderImage(f *testing.F) {
	var b bytes.Buffer
	png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 5, 3)))
	f.Add(b.Bytes())
	f.Add(bombPNG(1<<15, 1<<15))
	f.Add([]byte("\xff\xd8\xff\xc0\x00\x11\x08\x7f\xff\x7f\xff\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		const limit = 1 << 16
		res, err := FromFolder(context.Background(), newMemStore(), FolderSpec{Dir: dir, Size: 32}, GenerateOptions{Workers: 1}, WithMaxPixels(limit))
		if err != nil {
			if !strings.Contains(err.Error(), filepath.Join(dir, "a.png")) {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil || cfg.Width*cfg.Height > limit {
			t.Fatalf("imported an image whose header is %v (%v), over the limit", cfg, err)
		}
		if len(res.Manifest.Images) != 1 {
			t.Fatalf("%d images", len(res.Manifest.Images))
		}
	})
}

func TestPixelBudget(t *testing.T) {
	b := newPixelBudget(100)
	bg := context.Background()
	if err := b.acquire(bg, 60); err != nil {
		t.Fatal(err)
	}
	// 50 more do not fit: the wait ends with its context.
	done, cancel := context.WithCancel(bg)
	cancel()
	if err := b.acquire(done, 50); !errors.Is(err, context.Canceled) {
		t.Fatalf("over the budget with a cancelled context: %v, want context.Canceled", err)
	}
	// A waiter is woken by a release, in order: a request larger than the
	// budget waits for all of it.
	got := make(chan int64, 2)
	go func() {
		b.acquire(bg, 1e9) // capped at 100
		got <- 100
	}()
	b.release(60)
	if n := <-got; n != 100 {
		t.Fatal(n)
	}
	b.release(1e9)
	if err := b.acquire(bg, 100); err != nil {
		t.Fatalf("the whole budget after every release: %v", err)
	}
	if b.free != 0 || len(b.waiters) != 0 {
		t.Errorf("free %d, %d waiters; want 0 and 0", b.free, len(b.waiters))
	}
}

func TestFolderFileChangedWhileRead(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a.png"), 40, 30, image.Rect(0, 0, 4, 4))
	spec := FolderSpec{Dir: dir, Size: 32}.normalize()
	cfg := folderConfig{maxPixels: DefaultMaxPixels}
	files, _, err := listFolder(context.Background(), spec, cfg)
	if err != nil {
		t.Fatal(err)
	}
	writeImage(t, filepath.Join(dir, "a.png"), 40, 30, image.Rect(1, 1, 5, 5))
	if _, err := convertFolderFile(spec, cfg, files[0]); !errors.Is(err, ErrChanged) || !strings.Contains(err.Error(), filepath.Join(dir, "a.png")) {
		t.Errorf("image changed after listing: got %v, want ErrChanged naming it", err)
	}
}
