package datasets

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/google/go-cmp/cmp"
)

func smallSpec(gen string, domain string) Spec {
	d, _ := style.DomainByName(domain)
	return Spec{Generator: gen, Count: 10, Size: 48, Seed: 3, Domain: d, Masks: true}
}

func TestGenerateDataset(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	spec := smallSpec("products", "real")
	res, err := Generate(ctx, st, spec, GenerateOptions{Workers: 2, RunID: 4, Stage: "dataset/real"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cached {
		t.Fatal("first generation reported as cached")
	}
	m := res.Manifest
	if len(m.Images) != 10 || m.Size != 48 || m.Source != "generate" || m.SpecDigest != spec.Digest() {
		t.Fatalf("manifest: %d images, size %d, source %q, digest %s", len(m.Images), m.Size, m.Source, m.SpecDigest)
	}
	if d := cmp.Diff(spec.Domain, *m.Domain); d != "" {
		t.Errorf("domain parameters not stored with the dataset (-want +got):\n%s", d)
	}
	if got := st.count(KindImage); got != 10 {
		t.Errorf("%d image artifacts, want 10", got)
	}
	if got := st.count(KindMask); got != 10 {
		t.Errorf("%d mask artifacts, want 10", got)
	}
	_, meta, err := st.GetArtifact(ctx, res.ID)
	if err != nil || meta.Kind != KindManifest || meta.RunID != 4 || meta.Stage != "dataset/real" || !strings.HasPrefix(meta.Name, m.SpecDigest+" ") {
		t.Fatalf("manifest artifact meta %+v, err %v", meta, err)
	}
	ds, err := Open(ctx, st, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range ds.Len() {
		img, err := ds.Image(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		mask, err := ds.Mask(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if img.Rect.Dx() != 48 || mask.Rect != img.Rect {
			t.Fatalf("image %d: %v, mask %v", i, img.Rect, mask.Rect)
		}
		if ds.Label(i) != "real" {
			t.Errorf("label %q, want the domain name", ds.Label(i))
		}
		if n := countInstances(mask.Pix); n != m.Images[i].Objects || n == 0 {
			t.Errorf("image %d: mask has %d instances, manifest says %d", i, n, m.Images[i].Objects)
		}
		// The scene behind the image is recorded by digest and rebuildable.
		s, _ := scene.Generate(spec.Generator, spec.Seed, i, spec.Size)
		if s.Digest() != m.Images[i].Scene {
			t.Errorf("image %d: scene digest mismatch", i)
		}
	}
}

func TestGenerateCacheHit(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	spec := smallSpec("exp2-shelf", "cg")
	a, err := Generate(ctx, st, spec, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	puts := st.puts
	b, err := Generate(ctx, st, spec, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Cached || b.ID != a.ID || st.puts != puts {
		t.Errorf("second generation: cached %v, id equal %v, %d new puts; want a cache hit", b.Cached, b.ID == a.ID, st.puts-puts)
	}
	// Defaults spelled out are the same dataset.
	spec.Renderer, spec.Storage = "embedded", StoreArtifacts
	if c, _ := Generate(ctx, st, spec, GenerateOptions{}); !c.Cached {
		t.Errorf("spec with explicit defaults missed the cache")
	}
	spec.Seed++
	if c, _ := Generate(ctx, st, spec, GenerateOptions{}); c.Cached {
		t.Errorf("different seed hit the cache")
	}
}

func TestGenerateSameBytesAnyWorkers(t *testing.T) {
	ctx := context.Background()
	spec := smallSpec("products", "cg")
	spec.Count = 150 // more than one batch
	spec.Size = 32
	var ids []tracker.ID
	for _, w := range []int{1, 3} {
		res, err := Generate(ctx, newMemStore(), spec, GenerateOptions{Workers: w})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ID)
	}
	if ids[0] != ids[1] {
		t.Errorf("manifest differs between 1 and 3 workers")
	}
	// The default worker count follows GOMAXPROCS; the bytes do not.
	prev := runtime.GOMAXPROCS(1)
	res, err := Generate(ctx, newMemStore(), spec, GenerateOptions{})
	runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if res.ID != ids[0] {
		t.Errorf("manifest differs with GOMAXPROCS=1")
	}
}

func TestRegenerateStorage(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	spec := smallSpec("exp1-lying", "real")
	spec.Storage = StoreDigests
	res, err := Generate(ctx, st, spec, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if st.count(KindImage) != 0 || st.count(KindMask) != 0 {
		t.Fatalf("regenerate storage stored images")
	}
	ds, err := Open(ctx, st, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	all, err := ds.Images(ctx)
	if err != nil {
		t.Fatal(err)
	}
	one, err := ds.Image(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(all[7].Pix, one.Pix) {
		t.Errorf("batch and single regeneration differ")
	}
	if _, err := ds.Mask(ctx, 2); err != nil {
		t.Errorf("mask regeneration: %v", err)
	}
	// A manifest whose digest does not match what regenerates is refused.
	ds.m = ds.m.Clone()
	ds.m.Images[3].Image = tracker.Sum([]byte("not this"))
	if _, err := ds.Image(ctx, 3); !errors.Is(err, ErrDigestMismatch) || !strings.Contains(err.Error(), "image 3") {
		t.Errorf("tampered digest: %v, want ErrDigestMismatch naming image 3", err)
	}
	if _, err := ds.Images(ctx); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("tampered digest, batch load: %v", err)
	}
}

func TestDatasetDetectsDamagedBytes(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	res, err := Generate(ctx, st, smallSpec("products", "cg"), GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Manifest.Images[1].Image
	st.data[id] = append([]byte(nil), st.data[id]...)
	st.data[id][40] ^= 1
	ds, _ := Open(ctx, st, res.ID)
	if _, err := ds.Image(ctx, 1); !errors.Is(err, ErrDigestMismatch) {
		t.Errorf("damaged image: %v, want ErrDigestMismatch", err)
	}
	if _, err := ds.Image(ctx, 10); err == nil {
		t.Errorf("out-of-range index accepted")
	}
	if _, err := Open(ctx, st, id); !errors.Is(err, ErrNotManifest) {
		t.Errorf("opening an image as a manifest: %v", err)
	}
	nomask := smallSpec("products", "cg")
	nomask.Masks = false
	r2, _ := Generate(ctx, st, nomask, GenerateOptions{})
	ds2, _ := Open(ctx, st, r2.ID)
	if _, err := ds2.Mask(ctx, 0); !errors.Is(err, ErrNoMask) {
		t.Errorf("mask of a dataset without masks: %v", err)
	}
}

func TestSpecValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Spec)
		want string
	}{
		{"generator", func(s *Spec) { s.Generator = "exp3" }, `generator "exp3": want one of products, exp1-lying`},
		{"count", func(s *Spec) { s.Count = 0 }, "count 0"},
		{"size", func(s *Spec) { s.Size = 600 }, "size 600: want 32..512"},
		{"renderer", func(s *Spec) { s.Renderer = "povray" }, `renderer "povray"`},
		{"storage", func(s *Spec) { s.Storage = "cloud" }, `storage "cloud"`},
		{"regenerate blender", func(s *Spec) { s.Renderer, s.Storage = "blender", StoreDigests }, "needs the embedded renderer"},
		{"domain", func(s *Spec) { s.Domain.Gamma = 0 }, "gamma 0"},
	}
	for _, tt := range tests {
		s := smallSpec("products", "cg")
		tt.edit(&s)
		err := s.Validate()
		if !errors.Is(err, ErrInvalidSpec) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want ErrInvalidSpec containing %q", tt.name, err, tt.want)
		}
		if _, err := Generate(context.Background(), newMemStore(), s, GenerateOptions{}); !errors.Is(err, ErrInvalidSpec) {
			t.Errorf("%s: Generate accepted an invalid spec", tt.name)
		}
	}
}

func FuzzDecodeManifest(f *testing.F) {
	res, err := Generate(context.Background(), newMemStore(), smallSpec("products", "cg"), GenerateOptions{})
	if err != nil {
		f.Fatal(err)
	}
	good, _ := res.Manifest.Encode()
	f.Add(good)
	f.Add([]byte(`{"format":1,"source":"folder","folder":{"dir":"x","size":64,"policy":"crop","label":"x"},"images":[]}`))
	f.Add([]byte(`{"format":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := DecodeManifest(data)
		if err != nil {
			if !errors.Is(err, ErrNotManifest) {
				t.Fatalf("error does not wrap ErrNotManifest: %v", err)
			}
			return
		}
		b, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := DecodeManifest(b)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		b2, _ := m2.Encode()
		if !bytes.Equal(b, b2) {
			t.Fatalf("manifest encoding not stable")
		}
	})
}
