package datasets

import (
	"bytes"
	"context"
	"errors"
	"image"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

// TestEachImageMatchesImages streams both storage modes (bytes stored, and
// digests only with images regenerated in batches, over more than one
// batch) and compares every image with Images; a wrong digest is refused
// and an error from fn stops the walk.
func TestEachImageMatchesImages(t *testing.T) {
	ctx := context.Background()
	for _, storage := range []string{StoreArtifacts, StoreDigests} {
		t.Run(storage, func(t *testing.T) {
			st := newMemStore()
			spec := smallSpec("products", "real")
			spec.Storage, spec.Size = storage, 32
			if storage == StoreDigests {
				spec.Count = generateBatch + 3
			}
			res, err := Generate(ctx, st, spec, GenerateOptions{Workers: 2})
			if err != nil {
				t.Fatal(err)
			}
			ds, err := Open(ctx, st, res.ID)
			if err != nil {
				t.Fatal(err)
			}
			all, err := ds.Images(ctx)
			if err != nil {
				t.Fatal(err)
			}
			next := 0
			err = ds.EachImage(ctx, func(i int, img *image.NRGBA) error {
				if i != next {
					t.Fatalf("image %d handed out when %d was due", i, next)
				}
				next++
				if !bytes.Equal(img.Pix, all[i].Pix) || img.Rect != all[i].Rect {
					t.Errorf("image %d differs from Images'", i)
				}
				return nil
			})
			if err != nil || next != spec.Count {
				t.Fatalf("EachImage: %v after %d of %d images", err, next, spec.Count)
			}
			stop := errors.New("stop")
			n := 0
			if err := ds.EachImage(ctx, func(int, *image.NRGBA) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
				t.Errorf("fn error: EachImage returned %v after %d calls, want stop after 1", err, n)
			}
			ds.m = ds.m.Clone()
			ds.m.Images[2].Image = tracker.Sum([]byte("not this"))
			if err := ds.EachImage(ctx, func(int, *image.NRGBA) error { return nil }); !errors.Is(err, ErrDigestMismatch) && !errors.Is(err, tracker.ErrNotFound) {
				t.Errorf("tampered digest: %v, want ErrDigestMismatch or ErrNotFound", err)
			}
		})
	}
}
