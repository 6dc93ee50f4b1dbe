package datasets

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

// failingStore fails the put number failAt (0-based).
type failingStore struct {
	*memStore
	failAt, n int
}

var errDiskFull = errors.New("disk full")

func (f *failingStore) PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error) {
	f.n++
	if f.n-1 == f.failAt {
		return tracker.ID{}, errDiskFull
	}
	return f.memStore.PutArtifact(ctx, data, meta)
}

// TestGenerateStoresWhileRendering checks the pipelined store: progress
// counts every stored image once, in order, from the caller; a store error
// in any batch ends Generate with that error naming the image, and no
// manifest is written.
func TestGenerateStoresWhileRendering(t *testing.T) {
	ctx := context.Background()
	spec := smallSpec("products", "identity")
	spec.Count, spec.Size, spec.Masks = 2*generateBatch+5, 32, false
	var seen []int
	res, err := Generate(ctx, newMemStore(), spec, GenerateOptions{Workers: 2, Progress: func(done, total int) {
		if total != spec.Count {
			t.Errorf("progress total %d, want %d", total, spec.Count)
		}
		seen = append(seen, done)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{generateBatch, 2 * generateBatch, spec.Count}; !slices.Equal(seen, want) {
		t.Errorf("progress %v, want %v", seen, want)
	}
	for i, e := range res.Manifest.Images {
		if e.Image.IsZero() || e.Scene == "" {
			t.Fatalf("manifest entry %d incomplete: %+v", i, e)
		}
	}
	for _, failAt := range []int{3, generateBatch + 1, 2*generateBatch + 4} {
		st := &failingStore{memStore: newMemStore(), failAt: failAt}
		_, err := Generate(ctx, st, spec, GenerateOptions{Workers: 2})
		if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "store image") {
			t.Errorf("put %d failing: %v, want the disk error naming the image", failAt, err)
		}
		if st.count(KindManifest) != 0 {
			t.Errorf("put %d failing: a manifest was stored", failAt)
		}
	}
}
