package experiments

import (
	"context"
	"errors"
	"fmt"
	"image"
	"slices"
	"sync"
	"testing"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/tracker"
)

// memArtifacts is an in-memory datasets.ArtifactStore with the tracker's
// contract (content-addressed, ErrNotFound for unknown ids).
type memArtifacts struct {
	mu   sync.Mutex
	data map[tracker.ID][]byte
	meta map[tracker.ID]tracker.ArtifactMeta
}

func newMemArtifacts() *memArtifacts {
	return &memArtifacts{data: map[tracker.ID][]byte{}, meta: map[tracker.ID]tracker.ArtifactMeta{}}
}

func (m *memArtifacts) PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := tracker.Sum(data)
	if _, ok := m.data[id]; !ok {
		meta.ID, meta.Size = id, int64(len(data))
		m.data[id], m.meta[id] = slices.Clone(data), meta
	}
	return id, nil
}

func (m *memArtifacts) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.data[id]
	if !ok {
		return nil, tracker.ArtifactMeta{}, fmt.Errorf("artifact %s: %w", id, tracker.ErrNotFound)
	}
	return slices.Clone(d), m.meta[id], nil
}

func (m *memArtifacts) ListArtifacts(ctx context.Context, kind string) ([]tracker.ArtifactMeta, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []tracker.ArtifactMeta
	for _, meta := range m.meta {
		if kind == "" || meta.Kind == kind {
			out = append(out, meta)
		}
	}
	slices.SortFunc(out, func(a, b tracker.ArtifactMeta) int { return slices.Compare(a.ID[:], b.ID[:]) })
	return out, nil
}

// generatedSet stores a small generated dataset and opens it.
func generatedSet(t *testing.T, st *memArtifacts, storage string, n int) *datasets.Dataset {
	t.Helper()
	ctx := context.Background()
	spec := datasets.Spec{Generator: "products", Count: n, Size: 32, Seed: 5, Domain: style.RealDomain(), Storage: storage}
	res, err := datasets.Generate(ctx, st, spec, datasets.GenerateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	bd, err := datasets.Open(ctx, st, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	return bd
}

// withImageCache runs fn with the process-wide image cache replaced by one
// of limit bytes.
func withImageCache(t *testing.T, limit int64, fn func()) {
	t.Helper()
	saved := imageCache
	imageCache = newPlaneCache(limit)
	defer func() { imageCache = saved }()
	fn()
}

// eagerOf decodes every image of bd into an eager set, as the runner did
// before sets were read lazily.
func eagerOf(t *testing.T, bd *datasets.Dataset, size int) *pixelSet {
	t.Helper()
	imgs, err := bd.Images(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	p, err := toPixelSet(imgs, size)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sameLoads checks that every image of a and b loads to the same values,
// from several goroutines at once.
func sameLoads(t *testing.T, a, b *pixelSet) {
	t.Helper()
	if a.Len() != b.Len() {
		t.Fatalf("sets of %d and %d images", a.Len(), b.Len())
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, y := make([]float32, a.stride()), make([]float32, b.stride())
			for k := range 2 * a.Len() {
				i := (k*7 + w) % a.Len()
				if err := a.Load(i, x); err != nil {
					errs[w] = err
					return
				}
				if err := b.Load(i, y); err != nil {
					errs[w] = err
					return
				}
				if !slices.Equal(x, y) {
					errs[w] = fmt.Errorf("image %d loads to different values", i)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestLazySetMatchesEager checks that a lazily read dataset gives exactly
// the values of the same set decoded whole, whether the cache holds every
// image, a few (evicting as it goes) or none, and for a set stored as
// digests only (images rendered again on load).
func TestLazySetMatchesEager(t *testing.T) {
	for _, c := range []struct {
		name    string
		storage string
		limit   int64
	}{
		{"cached", datasets.StoreArtifacts, 64 << 20},
		{"evicting", datasets.StoreArtifacts, 5 * 3 * 32 * 32},
		{"uncached", datasets.StoreArtifacts, 0},
		{"regenerated", datasets.StoreDigests, 64 << 20},
	} {
		t.Run(c.name, func(t *testing.T) {
			withImageCache(t, c.limit, func() {
				st := newMemArtifacts()
				bd := generatedSet(t, st, c.storage, 12)
				lazy := datasetPixelSet(context.Background(), bd, 32)
				sameLoads(t, lazy, eagerOf(t, bd, 32))
				if imageCache.used > c.limit {
					t.Errorf("cache holds %d bytes, bound %d", imageCache.used, c.limit)
				}
			})
		})
	}
}

// TestReplacedSet checks a chained set: replaced indexes read the fitted
// artifacts, the others the base set, lazily or eagerly alike; a damaged
// artifact is reported, not read.
func TestReplacedSet(t *testing.T) {
	ctx := context.Background()
	st := newMemArtifacts()
	bd := generatedSet(t, st, datasets.StoreArtifacts, 8)
	m := bd.Manifest()
	index := []int{6, 1}
	var ids []tracker.ID
	for k := range index { // inverted red channels of other images stand in for fitted ones
		img, err := bd.Image(ctx, 7-k)
		if err != nil {
			t.Fatal(err)
		}
		flipped := image.NewNRGBA(img.Rect)
		copy(flipped.Pix, img.Pix)
		for i := 0; i < len(flipped.Pix); i += 4 {
			flipped.Pix[i] = 255 - flipped.Pix[i]
		}
		b, err := imageio.EncodePNG(flipped)
		if err != nil {
			t.Fatal(err)
		}
		id, err := st.PutArtifact(ctx, b, tracker.ArtifactMeta{Kind: "image"})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	lazy, err := replacedPixelSet(ctx, st, datasetPixelSet(ctx, bd, 32), index, ids)
	if err != nil {
		t.Fatal(err)
	}
	eager, err := replacedPixelSet(ctx, st, eagerOf(t, bd, 32), index, ids)
	if err != nil {
		t.Fatal(err)
	}
	sameLoads(t, lazy, eager)
	base := eagerOf(t, bd, 32)
	x, y := make([]float32, base.stride()), make([]float32, base.stride())
	for i := range base.Len() {
		if err := lazy.Load(i, x); err != nil {
			t.Fatal(err)
		}
		if err := base.Load(i, y); err != nil {
			t.Fatal(err)
		}
		if replaced := slices.Contains(index, i); slices.Equal(x, y) == replaced {
			t.Errorf("image %d: replaced %v, but equal to the base image: %v", i, replaced, slices.Equal(x, y))
		}
		if want := m.Images[i].Image; !slices.Contains(index, i) && lazy.id(i) != want {
			t.Errorf("image %d: cache key %s, want the manifest's %s", i, lazy.id(i), want)
		}
	}
	// Damage a fitted image's bytes: the next uncached load must fail.
	withImageCache(t, 0, func() {
		st.mu.Lock()
		st.data[ids[0]][len(st.data[ids[0]])/2] ^= 1
		st.mu.Unlock()
		if err := lazy.Load(index[0], x); !errors.Is(err, datasets.ErrDigestMismatch) {
			t.Errorf("load of a damaged image: %v, want ErrDigestMismatch", err)
		}
	})
}

// TestPlaneCacheBound checks that the cache stays within its bound, keeps
// the newest entries and refuses entries larger than the bound.
func TestPlaneCacheBound(t *testing.T) {
	c := newPlaneCache(10)
	id := func(k int) tracker.ID { return tracker.Sum([]byte{byte(k), byte(k >> 8)}) }
	for k := range 5000 {
		c.put(id(k), make([]byte, 3))
		if c.used > 10 {
			t.Fatalf("after %d puts the cache holds %d bytes, bound 10", k+1, c.used)
		}
	}
	if _, ok := c.get(id(4999), 3); !ok {
		t.Error("newest entry missing")
	}
	if _, ok := c.get(id(0), 3); ok {
		t.Error("oldest entry kept past the bound")
	}
	if _, ok := c.get(id(4999), 4); ok {
		t.Error("entry returned for another length")
	}
	c.put(id(-1), make([]byte, 11))
	if _, ok := c.get(id(-1), 11); ok {
		t.Error("entry larger than the bound stored")
	}
	if len(c.order)-c.head != len(c.m) {
		t.Errorf("%d live order entries for %d cached", len(c.order)-c.head, len(c.m))
	}
}

// TestIDsPixelSet checks a set made of stored PNG artifacts against the
// same images decoded whole (decodeImages' values), and that an image of
// another size is refused when read.
func TestIDsPixelSet(t *testing.T) {
	ctx := context.Background()
	st := newMemArtifacts()
	bd := generatedSet(t, st, datasets.StoreArtifacts, 6)
	m := bd.Manifest()
	ids := []tracker.ID{m.Images[4].Image, m.Images[0].Image, m.Images[4].Image, m.Images[2].Image}
	var imgs []image.Image
	for _, id := range ids {
		img, err := readPNGArtifact(ctx, st, id)
		if err != nil {
			t.Fatal(err)
		}
		imgs = append(imgs, img)
	}
	eager, err := toPixelSet(imgs, 32)
	if err != nil {
		t.Fatal(err)
	}
	withImageCache(t, 3*32*32*2, func() {
		sameLoads(t, idsPixelSet(ctx, st, ids, 32), eager)
	})
	small, err := imageio.EncodePNG(image.NewGray(image.Rect(0, 0, 8, 8)))
	if err != nil {
		t.Fatal(err)
	}
	id, err := st.PutArtifact(ctx, small, tracker.ArtifactMeta{Kind: "image"})
	if err != nil {
		t.Fatal(err)
	}
	if err := idsPixelSet(ctx, st, []tracker.ID{id}, 32).Load(0, make([]float32, 3*32*32)); err == nil {
		t.Error("an 8x8 image loaded into a 32 px set")
	}
}
