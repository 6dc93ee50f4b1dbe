package experiments

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/ml/tensorimg"
	"github.com/cgx-dev/cgx/tracker"
)

// A pixelSet read lazily (the sets of dataset stages and of chained fits)
// holds no pixels: Load decodes image i from the store when asked, through
// a process-wide cache of 8-bit images bounded in bytes (imageCache). The
// discriminator draws its batches by index and a fit reads each image once,
// so a set of any size costs the cache's bound plus one batch, not 48 KiB
// of float32 per 64 px image. Load gives exactly the values an eager set
// (toPixelSet) holds: tensorimg.FromImage of the same decoded image.

// imageFetch returns image i of a lazy set, decoded and checked against its
// digest.
type imageFetch func(ctx context.Context, i int) (image.Image, error)

// lazyImages is the on-demand backing of a pixelSet.
type lazyImages struct {
	ctx   context.Context // never cancelled (Load has no context; its callers check theirs)
	ids   []tracker.ID    // per index, the image's artifact id (its cache key)
	fetch imageFetch
}

// datasetPixelSet is a lazy pixelSet over a stored dataset's images
// (datasets.Dataset.Image: verified, regenerated where only digests are
// stored). The set outlives ctx's cancellation: runners keep loaded sets
// for later stages.
func datasetPixelSet(ctx context.Context, bd *datasets.Dataset, size int) *pixelSet {
	m := bd.Manifest()
	ids := make([]tracker.ID, len(m.Images))
	for i, e := range m.Images {
		ids[i] = e.Image
	}
	return &pixelSet{n: len(ids), size: size, lazy: &lazyImages{ctx: context.WithoutCancel(ctx), ids: ids,
		fetch: func(ctx context.Context, i int) (image.Image, error) { return bd.Image(ctx, i) }}}
}

// idsPixelSet is a lazy pixelSet of the PNG artifacts ids (each checked
// against its id when read): the images decoded lazily, for sets made of
// stored images (segmentation training sets, mixed content sets).
func idsPixelSet(ctx context.Context, store datasets.ArtifactStore, ids []tracker.ID, size int) *pixelSet {
	ids = slices.Clone(ids)
	fetch := func(ctx context.Context, i int) (image.Image, error) { return readPNGArtifact(ctx, store, ids[i]) }
	return &pixelSet{n: len(ids), size: size, lazy: &lazyImages{ctx: context.WithoutCancel(ctx), ids: ids, fetch: fetch}}
}

// replacedPixelSet is base with the images at the given indexes replaced by
// the PNG artifacts ids (fits' results), read lazily from store.
func replacedPixelSet(ctx context.Context, store datasets.ArtifactStore, base *pixelSet, index []int, ids []tracker.ID) (*pixelSet, error) {
	if len(index) != len(ids) {
		return nil, fmt.Errorf("replace images: %d indexes for %d images", len(index), len(ids))
	}
	if base.lazy == nil {
		return replacedEager(ctx, store, base, index, ids)
	}
	all := make([]tracker.ID, base.n)
	for i := range all {
		all[i] = base.id(i)
	}
	own := make(map[int]tracker.ID, len(index))
	for k, i := range index {
		if i < 0 || i >= base.n {
			return nil, fmt.Errorf("replace image %d: the set has %d", i, base.n)
		}
		all[i], own[i] = ids[k], ids[k]
	}
	fetch := func(ctx context.Context, i int) (image.Image, error) {
		id, ok := own[i]
		if !ok {
			return base.decode(ctx, i)
		}
		return readPNGArtifact(ctx, store, id)
	}
	return &pixelSet{n: base.n, size: base.size, lazy: &lazyImages{ctx: context.WithoutCancel(ctx), ids: all, fetch: fetch}}, nil
}

// replacedEager is replacedPixelSet for an eager base: a copy of its pixels
// with the replaced images decoded in.
func replacedEager(ctx context.Context, store datasets.ArtifactStore, base *pixelSet, index []int, ids []tracker.ID) (*pixelSet, error) {
	set := &pixelSet{n: base.n, size: base.size, pix: slices.Clone(base.pix)}
	for k, i := range index {
		if i < 0 || i >= base.n {
			return nil, fmt.Errorf("replace image %d: the set has %d", i, base.n)
		}
		img, err := readPNGArtifact(ctx, store, ids[k])
		if err != nil {
			return nil, err
		}
		if b := img.Bounds(); b.Dx() != base.size || b.Dy() != base.size {
			return nil, fmt.Errorf("image %s is %dx%d, want %dx%d", ids[k], b.Dx(), b.Dy(), base.size, base.size)
		}
		if err := tensorimg.FromImage(img, set.image(i)); err != nil {
			return nil, fmt.Errorf("image %s: %w", ids[k], err)
		}
	}
	return set, nil
}

// readPNGArtifact reads and decodes a PNG artifact, checking that its bytes
// hash to id.
func readPNGArtifact(ctx context.Context, store datasets.ArtifactStore, id tracker.ID) (image.Image, error) {
	b, _, err := store.GetArtifact(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("read image %s: %w", id, err)
	}
	if got := tracker.Sum(b); got != id {
		return nil, fmt.Errorf("read image %s: stored bytes hash to %s: %w", id, got, datasets.ErrDigestMismatch)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("decode image %s: %w", id, err)
	}
	return img, nil
}

// id returns the artifact id of image i of a lazy set (zero for eager sets).
func (p *pixelSet) id(i int) tracker.ID {
	if p.lazy == nil {
		return tracker.ID{}
	}
	return p.lazy.ids[i]
}

// decode returns image i of a lazy set, decoded.
func (p *pixelSet) decode(ctx context.Context, i int) (image.Image, error) {
	img, err := p.lazy.fetch(ctx, i)
	if err != nil {
		return nil, err
	}
	if b := img.Bounds(); b.Dx() != p.size || b.Dy() != p.size {
		return nil, fmt.Errorf("image %d is %dx%d, want %dx%d", i, b.Dx(), b.Dy(), p.size, p.size)
	}
	return img, nil
}

// loadLazy writes image i of a lazy set into dst (3·size·size values).
func (p *pixelSet) loadLazy(i int, dst []float32) error {
	id := p.lazy.ids[i]
	if planes, ok := imageCache.get(id, len(dst)); ok {
		planesToFloat(planes, dst)
		return nil
	}
	img, err := p.decode(p.lazy.ctx, i)
	if err != nil {
		return err
	}
	planes, ok := opaquePlanes(img)
	if !ok {
		// Not opaque 8-bit colour (no cgx dataset is): convert the general
		// way, uncached.
		return tensorimg.FromImage(img, dst)
	}
	planesToFloat(planes, dst)
	imageCache.put(id, planes)
	return nil
}

// opaquePlanes returns the R, G and B planes of an opaque 8-bit image
// (NRGBA or RGBA, where opaque pixels have the same bytes) as bytes; false
// for other types and when some pixel is not opaque.
func opaquePlanes(img image.Image) ([]byte, bool) {
	var pix []byte
	var stride int
	r := img.Bounds()
	switch m := img.(type) {
	case *image.NRGBA:
		pix, stride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride
	case *image.RGBA:
		pix, stride = m.Pix[m.PixOffset(r.Min.X, r.Min.Y):], m.Stride
	default:
		return nil, false
	}
	w, h := r.Dx(), r.Dy()
	n := w * h
	out := make([]byte, 3*n)
	for y := range h {
		row := pix[y*stride : y*stride+4*w]
		for x := range w {
			px := row[4*x : 4*x+4]
			if px[3] != 255 {
				return nil, false
			}
			k := y*w + x
			out[k], out[n+k], out[2*n+k] = px[0], px[1], px[2]
		}
	}
	return out, true
}

// byteToFloat is tensorimg.FromImage's value for an opaque 8-bit channel
// value: the 16-bit colour (v·0x101) over 65535.
var byteToFloat = func() (t [256]float32) {
	for v := range t {
		t[v] = float32(uint32(v)*0x101) / 65535
	}
	return t
}()

func planesToFloat(planes []byte, dst []float32) {
	for k, v := range planes {
		dst[k] = byteToFloat[v]
	}
}

// imageCacheBytes bounds the process-wide cache of decoded 8-bit images;
// CGX_IMAGE_CACHE_MB overrides it (0 turns the cache off).
const imageCacheBytes = 128 << 20

// imageCache holds decoded images as 8-bit planes, keyed by artifact id
// (the SHA-256 of the PNG, so an entry is the same whichever set or run
// asks), and drops the oldest entries past its bound. It is process-wide
// because its bound is: a run holds many sets (both domains, chained and
// per-round fitted sets) and the bound must hold for them together. What
// it holds never changes a result, only how often an image is decoded.
var imageCache = newPlaneCache(imageCacheLimit())

func imageCacheLimit() int64 {
	if s := os.Getenv("CGX_IMAGE_CACHE_MB"); s != "" {
		if mb, err := strconv.ParseInt(s, 10, 64); err == nil && mb >= 0 {
			return mb << 20
		}
	}
	return imageCacheBytes
}

// planeCache is a byte-bounded first-in-first-out cache, safe for
// concurrent use.
type planeCache struct {
	mu    sync.Mutex
	limit int64
	used  int64
	m     map[tracker.ID][]byte
	order []tracker.ID // insertion order; order[head:] are live
	head  int
}

func newPlaneCache(limit int64) *planeCache {
	return &planeCache{limit: limit, m: map[tracker.ID][]byte{}}
}

// get returns the planes of id when cached and of length n.
func (c *planeCache) get(id tracker.ID, n int) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[id]
	return b, ok && len(b) == n
}

// put stores planes (which the cache then owns) under id, dropping the
// oldest entries to stay within the bound; an entry larger than the bound
// is not stored.
func (c *planeCache) put(id tracker.ID, planes []byte) {
	size := int64(len(planes))
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[id]; ok || size > c.limit {
		return
	}
	for c.used+size > c.limit && c.head < len(c.order) {
		old := c.order[c.head]
		c.head++
		c.used -= int64(len(c.m[old]))
		delete(c.m, old)
	}
	if c.head > len(c.order)/2 && c.head > 1024 {
		c.order = append(c.order[:0], c.order[c.head:]...)
		c.head = 0
	}
	c.m[id] = planes
	c.order = append(c.order, id)
	c.used += size
}
