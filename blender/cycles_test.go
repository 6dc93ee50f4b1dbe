package blender_test

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/rendertest"
	"github.com/cgx-dev/cgx/blender/scene"
)

// needBlender skips the test when blender is not installed (CI installs the
// Debian package "blender", so there it runs).
func needBlender(t *testing.T) *blender.Cycles {
	t.Helper()
	c := &blender.Cycles{Samples: 4}
	if err := c.Available(); err != nil {
		t.Skipf("skipping: %v", err)
	}
	if testing.Short() {
		t.Skip("skipping Blender in -short mode")
	}
	return c
}

func TestCyclesConformance(t *testing.T) {
	c := needBlender(t)
	rendertest.Run(t, c, rendertest.Options{Size: 64, ColorTolerance: 2, CentreTolerance: 2})
}

func TestCyclesMissingBlender(t *testing.T) {
	c := &blender.Cycles{Exec: "/nonexistent/blender"}
	s, err := scene.Example("bottle", 64)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Render(context.Background(), []scene.Scene{s})
	if !errors.Is(err, blender.ErrBlenderMissing) {
		t.Fatalf("error %v: want ErrBlenderMissing", err)
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, `Debian package "blender"`) {
		t.Errorf("message %q: want one line naming the Debian package", msg)
	}
}

// TestCyclesParity renders the same scenes at 256×256 with both backends
// and requires every object's masks to overlap with IoU >= 0.9.
func TestCyclesParity(t *testing.T) {
	c := needBlender(t)
	var scenes []scene.Scene
	for _, k := range scene.ExampleKinds {
		s, err := scene.Example(k, 256)
		if err != nil {
			t.Fatal(err)
		}
		scenes = append(scenes, s)
	}
	// A less tidy shelf: tilted, turned and lying products, a rolled camera.
	odd, _ := scene.Example("shelf", 256)
	odd.Camera.Position = scene.Vec3{0.3, -1.1, 0.7}
	odd.Camera.Roll = 8
	odd.Objects[0].Rotation = scene.Vec3{25, 10, 60}
	odd.Objects[2].Rotation = scene.Vec3{90, 0, 70}
	odd.Objects[4].Rotation = scene.Vec3{0, 0, 45}
	scenes = append(scenes, odd)

	ctx := context.Background()
	emb, err := (&blender.Embedded{}).Render(ctx, scenes)
	if err != nil {
		t.Fatal(err)
	}
	cyc, err := c.Render(ctx, scenes)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range scenes {
		diff := 0
		for p := range emb[i].Mask.Pix {
			if emb[i].Mask.Pix[p] != cyc[i].Mask.Pix[p] {
				diff++
			}
		}
		t.Logf("scene %d: %d of %d mask pixels differ", i, diff, len(emb[i].Mask.Pix))
		for id := 1; id <= len(s.Objects); id++ {
			iou := maskIoU(emb[i].Mask.Pix, cyc[i].Mask.Pix, uint8(id))
			name := fmt.Sprintf("scene %d object %d (%s)", i, id, s.Objects[id-1].Product)
			ex, ey := maskCentroid(emb[i].Mask, uint8(id))
			cx, cy := maskCentroid(cyc[i].Mask, uint8(id))
			t.Logf("%s: IoU %.4f, centroid shift (%.3f, %.3f) px", name, iou, cx-ex, cy-ey)
			// A half-pixel error in either camera would shift every
			// centroid by about 0.5 px; agreement is far tighter.
			if math.Hypot(cx-ex, cy-ey) > 0.25 {
				t.Errorf("%s: mask centroids differ by (%.3f, %.3f) px: camera models disagree", name, cx-ex, cy-ey)
			}
			if iou < 0.9 {
				t.Errorf("%s: mask IoU %.3f between embedded and Cycles, want >= 0.9", name, iou)
			}
		}
	}
}

func maskCentroid(m *image.Gray, id uint8) (x, y float64) {
	n := 0
	w := m.Rect.Dx()
	for i, v := range m.Pix {
		if v == id {
			x += float64(i % w)
			y += float64(i / w)
			n++
		}
	}
	return x / float64(max(n, 1)), y / float64(max(n, 1))
}

func maskIoU(a, b []uint8, id uint8) float64 {
	inter, union := 0, 0
	for i := range a {
		x, y := a[i] == id, b[i] == id
		if x && y {
			inter++
		}
		if x || y {
			union++
		}
	}
	if union == 0 {
		return 0
	}
	return float64(inter) / float64(union)
}
