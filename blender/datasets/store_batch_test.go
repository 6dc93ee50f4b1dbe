package datasets

import (
	"context"
	"fmt"
	"image"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/google/go-cmp/cmp"
)

// batchingStore is a memStore that also stores batches (batchStore), one
// item after the other, recording the size of each batch.
type batchingStore struct {
	*memStore
	batches []int
}

func (b *batchingStore) PutArtifacts(ctx context.Context, items []tracker.ArtifactPut) ([]tracker.ID, error) {
	b.batches = append(b.batches, len(items))
	ids := make([]tracker.ID, len(items))
	for k, it := range items {
		var err error
		if ids[k], err = b.memStore.PutArtifact(ctx, it.Data, it.Meta); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

// batchStores are the stores a dataset is made in to show that batching
// changes nothing: one put per artifact (memStore), one call per batch
// (batchingStore), and a bbolt database, whose PutArtifacts syncs and
// commits once per batch.
func batchStores(t *testing.T) (one *memStore, batched *batchingStore, db *bolt.Store) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "cgx.db"), bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return newMemStore(), &batchingStore{memStore: newMemStore()}, db
}

// sameArtifacts fails unless every store holds the same artifacts, with the
// same metadata and bytes, and every result is the same manifest.
func sameArtifacts(t *testing.T, stores []ArtifactStore, results []GenerateResult) {
	t.Helper()
	ctx := context.Background()
	want, err := stores[0].ListArtifacts(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for k, st := range stores {
		if results[k].ID != results[0].ID {
			t.Errorf("store %d (%T): manifest %s, want %s", k, st, results[k].ID, results[0].ID)
		}
		got, err := st.ListArtifacts(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("store %d (%T): artifacts differ (-one by one +this):\n%s", k, st, d)
		}
		for _, m := range got {
			if data, _, err := st.GetArtifact(ctx, m.ID); err != nil || tracker.Sum(data) != m.ID {
				t.Errorf("store %d (%T): artifact %s (%s): %v", k, st, m.ID, m.Name, err)
			}
		}
	}
}

// TestGenerateBatchesPuts: Generate and GenerateRange store each batch of
// images and masks with one PutArtifacts call when the store has it, and
// the artifacts and manifest are those of one put per artifact.
func TestGenerateBatchesPuts(t *testing.T) {
	ctx := context.Background()
	spec := smallSpec("products", "real")
	spec.Count, spec.Size = 2*generateBatch+3, 32
	one, batched, db := batchStores(t)
	stores := []ArtifactStore{one, batched, db}
	var results []GenerateResult
	for _, st := range stores {
		res, err := Generate(ctx, st, spec, GenerateOptions{Workers: 2, RunID: 3, Stage: "dataset/real"})
		if err != nil {
			t.Fatalf("%T: %v", st, err)
		}
		results = append(results, res)
	}
	sameArtifacts(t, stores, results)
	if want := []int{2 * generateBatch, 2 * generateBatch, 2 * 3}; !slices.Equal(batched.batches, want) {
		t.Errorf("Generate stored batches of %v artifacts, want %v (image and mask per image)", batched.batches, want)
	}
	if one.puts != 2*spec.Count+1 {
		t.Errorf("one by one: %d puts, want %d", one.puts, 2*spec.Count+1)
	}

	// A range, as a dataset-chunk work item stores it.
	ranged := &batchingStore{memStore: newMemStore()}
	entries, err := GenerateRange(ctx, ranged, spec, GenerateOptions{Workers: 2}, 5, generateBatch+10)
	if err != nil {
		t.Fatal(err)
	}
	if want := []int{2 * generateBatch, 2 * 5}; !slices.Equal(ranged.batches, want) {
		t.Errorf("GenerateRange stored batches of %v artifacts, want %v", ranged.batches, want)
	}
	if d := cmp.Diff(results[0].Manifest.Images[5:generateBatch+10], entries); d != "" {
		t.Errorf("GenerateRange entries differ from Generate's (-Generate +range):\n%s", d)
	}
}

// TestFromFolderBatchesPuts: FromFolder stores generateBatch images (and
// their masks) per PutArtifacts call, with the artifacts and manifest of
// one put per artifact.
func TestFromFolderBatchesPuts(t *testing.T) {
	ctx := context.Background()
	dir, masks := t.TempDir(), t.TempDir()
	const n = generateBatch + 2
	for i := range n {
		r := image.Rect(i%20, i%13, i%20+10, i%13+8)
		writeImage(t, filepath.Join(dir, fmt.Sprintf("img%03d.png", i)), 40, 30, r)
		if i%3 == 0 {
			writeMask(t, filepath.Join(masks, fmt.Sprintf("img%03d.png", i)), 40, 30) // no object
		} else {
			writeMask(t, filepath.Join(masks, fmt.Sprintf("img%03d.png", i)), 40, 30, r)
		}
	}
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	one, batched, db := batchStores(t)
	stores := []ArtifactStore{one, batched, db}
	var results []GenerateResult
	for _, st := range stores {
		var seen []int
		res, err := FromFolder(ctx, st, FolderSpec{Dir: dir, Masks: masks, Size: 32}, GenerateOptions{Workers: 2,
			Progress: func(done, total int) { seen = append(seen, done) }})
		if err != nil {
			t.Fatalf("%T: %v", st, err)
		}
		if want := []int{generateBatch}; !slices.Equal(seen, want) {
			t.Errorf("%T: progress %v, want %v", st, seen, want)
		}
		results = append(results, res)
	}
	sameArtifacts(t, stores, results)
	if want := []int{2 * generateBatch, 2 * 2}; !slices.Equal(batched.batches, want) {
		t.Errorf("FromFolder stored batches of %v artifacts, want %v (image and mask per image)", batched.batches, want)
	}
}
