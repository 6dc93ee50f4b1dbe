package blender

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
)

var update = flag.Bool("update", false, "rewrite golden files under testdata/")

// goldenScenes are rendered and compared byte for byte with
// testdata/golden/<name>.png and <name>-mask.png.
func goldenScenes(t *testing.T) map[string]scene.Scene {
	t.Helper()
	out := map[string]scene.Scene{
		"bottle-64":  mustExample(t, "bottle", 64),
		"shelf-64":   mustExample(t, "shelf", 64),
		"shelf-160":  mustExample(t, "shelf", 160),
		"bottle-aa1": mustExample(t, "bottle", 48),
	}
	// The camera inside the shelf, close to a bottle: near-plane clipping.
	clip := mustExample(t, "shelf", 64)
	clip.Camera.Position = scene.Vec3{0.02, -0.1, 0.5}
	clip.Camera.Target = scene.Vec3{-0.25, 0.2, 0.5}
	clip.Camera.Roll = 20
	clip.Camera.FOV = 90
	out["clipped-64"] = clip
	// A wide frame, objects partly off-screen and tilted.
	wide := mustExample(t, "shelf", 48)
	wide.Camera.Width = 96
	wide.Camera.FOV = 20
	wide.Objects[0].Rotation = scene.Vec3{30, 45, 10}
	out["wide-96x48"] = wide
	return out
}

func TestEmbeddedGolden(t *testing.T) {
	for name, s := range goldenScenes(t) {
		t.Run(name, func(t *testing.T) {
			r := &Embedded{}
			if name == "bottle-aa1" {
				r.Supersample = 1
			}
			f, err := r.Render(context.Background(), []scene.Scene{s})
			if err != nil {
				t.Fatal(err)
			}
			compareGolden(t, filepath.Join("testdata", "golden", name+".png"), f[0].RGB)
			compareGolden(t, filepath.Join("testdata", "golden", name+"-mask.png"), f[0].Mask)
		})
	}
}

func compareGolden(t *testing.T, path string, img image.Image) {
	t.Helper()
	got, err := imageio.EncodePNG(img)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./blender -run Golden -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		wimg, _ := png.Decode(bytes.NewReader(want))
		out := filepath.Join(t.TempDir(), filepath.Base(path))
		_ = os.WriteFile(out, got, 0o644)
		t.Errorf("%s differs from golden (%s); got written to %s; rerun with -update if the change is intended", path, describeDiff(wimg, img), out)
	}
}

func describeDiff(want, got image.Image) string {
	if want == nil {
		return "golden unreadable"
	}
	if want.Bounds() != got.Bounds() {
		return fmt.Sprintf("bounds %v vs %v", want.Bounds(), got.Bounds())
	}
	n := 0
	b := got.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r1, g1, b1, _ := want.At(x, y).RGBA()
			r2, g2, b2, _ := got.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 {
				n++
			}
		}
	}
	return fmt.Sprintf("%d pixels differ", n)
}

// randomShelfScenes returns n varied experiment-2 style scenes.
func randomShelfScenes(t testing.TB, n, size int, seed uint64) []scene.Scene {
	rng := rand.New(rand.NewPCG(seed, 0))
	kinds := scene.ProductKindNames()
	var out []scene.Scene
	for range n {
		s := mustExample(t, "shelf", size)
		for i := range s.Objects {
			o := &s.Objects[i]
			o.Product = kinds[rng.IntN(len(kinds))]
			o.Rotation = scene.Vec3{90 * float64(rng.IntN(2)), 0, rng.Float64()*90 - 45}
			level := 1 - i/3
			o.Position[2] = scene.RestingZ(*o, s.Shelf.LevelZ(level))
		}
		out = append(out, s)
	}
	return out
}

func TestEmbeddedDeterministicAcrossWorkers(t *testing.T) {
	const seed = 7
	scenes := randomShelfScenes(t, 24, 64, seed)
	var ref []Frame
	for _, workers := range []int{1, 2, 5} {
		f, err := (&Embedded{Workers: workers}).Render(context.Background(), scenes)
		if err != nil {
			t.Fatal(err)
		}
		if ref == nil {
			ref = f
			continue
		}
		for i := range f {
			if !bytes.Equal(f[i].RGB.Pix, ref[i].RGB.Pix) || !bytes.Equal(f[i].Mask.Pix, ref[i].Mask.Pix) {
				t.Fatalf("seed %d: scene %d differs between 1 and %d workers", seed, i, workers)
			}
		}
	}
	// The shelf layer is reused between scenes; a scene rendered alone must
	// give the same bytes as inside a batch.
	alone, err := (&Embedded{Workers: 1}).Render(context.Background(), scenes[5:6])
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(alone[0].RGB.Pix, ref[5].RGB.Pix) || !bytes.Equal(alone[0].Mask.Pix, ref[5].Mask.Pix) {
		t.Errorf("scene 5 rendered alone differs from the same scene in a batch")
	}
}

func TestEmbeddedResolutionRange(t *testing.T) {
	for _, size := range []int{scene.MinResolution, scene.MaxResolution} {
		s := mustExample(t, "shelf", size)
		f, err := (&Embedded{}).Render(context.Background(), []scene.Scene{s})
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if f[0].RGB.Rect.Dx() != size || countIDs(f[0].Mask) != 7 {
			t.Errorf("size %d: got %v with %d distinct ids, want 7 (background + 6)", size, f[0].RGB.Rect, countIDs(f[0].Mask))
		}
	}
	s := mustExample(t, "shelf", scene.MaxResolution)
	s.Camera.Width++
	if _, err := (&Embedded{}).Render(context.Background(), []scene.Scene{s}); err == nil {
		t.Errorf("size %d rendered; want a validation error", scene.MaxResolution+1)
	}
}

func countIDs(m *image.Gray) int {
	seen := map[uint8]bool{}
	for _, v := range m.Pix {
		seen[v] = true
	}
	return len(seen)
}

func TestLODChoice(t *testing.T) {
	tests := []struct {
		rPx  float64
		segs int
	}{{1, 8}, {3, 8}, {6, 12}, {10, 16}, {15, 24}, {200, 24}}
	for _, tt := range tests {
		if got := scene.LODSegments[scene.LODFor(tt.rPx)]; got != tt.segs {
			t.Errorf("radius %v px: %d segments, want %d", tt.rPx, got, tt.segs)
		}
	}
}

func mustExample(t testing.TB, kind string, size int) scene.Scene {
	t.Helper()
	s, err := scene.Example(kind, size)
	if err != nil {
		t.Fatalf("example %s: %v", kind, err)
	}
	return s
}
