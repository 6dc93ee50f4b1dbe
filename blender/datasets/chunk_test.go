package datasets

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
)

// TestRangesAssembleGenerate: a dataset rendered in ranges, out of order,
// and assembled with StoreManifest stores the manifest and the artifacts
// Generate stores.
func TestRangesAssembleGenerate(t *testing.T) {
	ctx := context.Background()
	spec := smallSpec("products", "identity")
	spec.Count, spec.Size, spec.Masks = generateBatch+37, 32, true
	whole := newMemStore()
	want, err := Generate(ctx, whole, spec, GenerateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	for _, chunk := range []int{50, generateBatch, spec.Count} {
		st := newMemStore()
		var bounds [][2]int
		for s := 0; s < spec.Count; s += chunk {
			bounds = append(bounds, [2]int{s, min(s+chunk, spec.Count)})
		}
		parts := make([][]ManifestEntry, len(bounds))
		for k := len(bounds) - 1; k >= 0; k-- { // last range first
			if parts[k], err = GenerateRange(ctx, st, spec, GenerateOptions{Workers: 1}, bounds[k][0], bounds[k][1]); err != nil {
				t.Fatal(err)
			}
		}
		got, err := StoreManifest(ctx, st, spec, GenerateOptions{}, slices.Concat(parts...))
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID {
			t.Errorf("chunks of %d: manifest %s, Generate stored %s", chunk, got.ID, want.ID)
		}
		if !maps.EqualFunc(whole.data, st.data, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Errorf("chunks of %d: %d artifacts, Generate stored %d (or other bytes)", chunk, len(st.data), len(whole.data))
		}
	}
}

func TestRangeAndManifestRefuseBadInput(t *testing.T) {
	ctx := context.Background()
	spec := smallSpec("products", "identity")
	spec.Count = 10
	for _, r := range [][2]int{{-1, 3}, {5, 5}, {8, 11}} {
		if _, err := GenerateRange(ctx, newMemStore(), spec, GenerateOptions{}, r[0], r[1]); !errors.Is(err, ErrInvalidSpec) {
			t.Errorf("range %v: %v, want ErrInvalidSpec", r, err)
		}
	}
	if _, err := StoreManifest(ctx, newMemStore(), spec, GenerateOptions{}, make([]ManifestEntry, 9)); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("9 entries for 10 images: %v, want ErrInvalidSpec", err)
	}
}
