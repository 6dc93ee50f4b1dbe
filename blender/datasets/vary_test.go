package datasets

import (
	"bytes"
	"context"
	"testing"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
)

// TestGenerateUsesImageDomain: an image of a generated varied set is the
// render styled with its own drawn domain, so the runner can restate each
// image's planted gap from the manifest alone.
func TestGenerateUsesImageDomain(t *testing.T) {
	store := newMemStore()
	spec := Spec{Generator: "products", Count: 3, Size: 32, Seed: 11, Domain: style.CGVariedDomain()}
	res, err := Generate(context.Background(), store, spec, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Manifest.Domain == nil || res.Manifest.Domain.Vary == nil {
		t.Fatalf("manifest lost the variation: %+v", res.Manifest.Domain)
	}
	for i, e := range res.Manifest.Images {
		s, err := scene.Generate(spec.Generator, spec.Seed, i, spec.Size)
		if err != nil {
			t.Fatal(err)
		}
		f, err := (&blender.Embedded{}).Render(context.Background(), []scene.Scene{s})
		if err != nil {
			t.Fatal(err)
		}
		fixed := spec.Domain.ImageDomain(style.ImageSeed(spec.Seed, i))
		img, err := fixed.Apply(f[0].RGB, style.ImageSeed(spec.Seed, i))
		if err != nil {
			t.Fatal(err)
		}
		png, err := imageio.EncodePNG(img)
		if err != nil {
			t.Fatal(err)
		}
		got, _, err := store.GetArtifact(context.Background(), e.Image)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(png, got) {
			t.Errorf("image %d differs from its render styled with ImageDomain", i)
		}
	}
}
