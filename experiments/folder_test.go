package experiments

import (
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePhotos writes n PNG "photos" of mixed sizes (warm noisy gradients)
// into dir, seeded by seed.
func writePhotos(t *testing.T, dir string, n int, seed uint64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	for i := 0; i < n; i++ {
		w, h := 40+rng.IntN(30), 36+rng.IntN(30)
		img := image.NewNRGBA(image.Rect(0, 0, w, h))
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				v := uint8(60 + 120*x/w + rng.IntN(30))
				img.Set(x, y, color.NRGBA{R: v, G: v * 3 / 4, B: v / 2, A: 255})
			}
		}
		f, err := os.Create(filepath.Join(dir, fmt.Sprintf("photo-%03d.png", i)))
		if err != nil {
			t.Fatal(err)
		}
		if err := png.Encode(f, img); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
}

// TestFolderDataset runs a style spec whose real domain is a folder of the
// user's images (given relative to the spec file), then checks that an
// unchanged folder is reused and a changed one is read again.
func TestFolderDataset(t *testing.T) {
	dir := t.TempDir()
	photos := filepath.Join(dir, "photos")
	if err := os.Mkdir(photos, 0o755); err != nil {
		t.Fatal(err)
	}
	writePhotos(t, photos, 60, 7)
	spec := filepath.Join(dir, "mine.toml")
	text := `format = 1
name = "my/folder"
kind = "style"

[datasets.cg]
count = 60
size = 32

[datasets.real]
source = "folder"
path = "photos"
size = 32

[discriminator]
width = 8
epochs = 4
batch_size = 16

[style]
manipulations = ["brightness-contrast"]
images = 4
steps = 20
`
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	first := runSpec(t, st, spec, Options{Profile: "-", ExactProfile: true})
	if first.Metrics["fit/brightness-contrast/cg-to-real/images"] != 4 {
		t.Fatalf("fitted %v images, want 4", first.Metrics["fit/brightness-contrast/cg-to-real/images"])
	}
	again := runSpec(t, st, spec, Options{Profile: "-", ExactProfile: true})
	if !again.Stages[1].Cached || again.Stages[1].Name != "dataset/real" {
		t.Errorf("unchanged folder not reused: %+v", again.Stages[1])
	}
	writePhotos(t, photos, 61, 8) // rewrites every file and adds one
	changed := runSpec(t, st, spec, Options{Profile: "-", ExactProfile: true})
	if changed.Stages[1].Cached {
		t.Error("changed folder was reused")
	}
}

// TestFolderDatasetErrors checks that a missing or empty folder is one error
// naming the key and the folder.
func TestFolderDatasetErrors(t *testing.T) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "mine.toml")
	text := "format = 1\nname = \"x\"\nkind = \"style\"\n[datasets.real]\nsource = \"folder\"\npath = \"nowhere\"\nsize = 32\n[datasets.cg]\nsize = 32\ncount = 8\n[style]\nmanipulations = [\"blur\"]\n"
	if err := os.WriteFile(spec, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Open(spec)
	if err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	_, err = Run(context.Background(), st, f, Options{ExactProfile: true})
	if err == nil {
		t.Fatal("missing folder accepted")
	}
	for _, want := range []string{"datasets.real.path", "nowhere"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
