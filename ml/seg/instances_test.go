package seg

import (
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/ml/coco"
	"github.com/google/go-cmp/cmp"
)

// grid parses rows of digits into a float map (digit/9) of h x w.
func grid(rows ...string) ([]float32, int, int) {
	h, w := len(rows), len(rows[0])
	out := make([]float32, h*w)
	for y, r := range rows {
		for x, c := range r {
			out[y*w+x] = float32(c-'0') / 9
		}
	}
	return out, h, w
}

// maskString renders a mask as rows of '#' and '.'.
func maskString(m coco.Mask) string {
	var b strings.Builder
	for y := 0; y < m.H; y++ {
		for x := 0; x < m.W; x++ {
			if m.Pix[y*m.W+x] {
				b.WriteByte('#')
			} else {
				b.WriteByte('.')
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestExtract(t *testing.T) {
	// Two touching objects form one foreground blob; their interiors (the
	// 9s of the interior map) are separate seeds, so the blob splits where
	// the seeds' breadth-first growth meets. Column 3 is two steps from
	// both seeds and goes to the first seed in raster order, whose wave is
	// queued first. A third, seedless blob at the right becomes an instance
	// of its own; a single stray foreground pixel (bottom row) is below
	// MinArea and dropped.
	fg, h, w := grid(
		"99999900000",
		"99999900099",
		"99999900099",
		"99999900099",
		"00000000900",
	)
	interior, _, _ := grid(
		"00000000000",
		"09000900000",
		"00000000000",
		"00000000000",
		"00000000000",
	)
	cfg := Config{ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 2}
	got := extract(fg, interior, h, w, cfg)
	want := []string{
		"####.......\n" +
			"####.......\n" +
			"####.......\n" +
			"####.......\n" +
			"...........\n",
		"....##.....\n" +
			"....##.....\n" +
			"....##.....\n" +
			"....##.....\n" +
			"...........\n",
		"...........\n" +
			".........##\n" +
			".........##\n" +
			".........##\n" +
			"...........\n",
	}
	var masks []string
	for _, in := range got {
		masks = append(masks, maskString(in.Mask))
		if in.Score != 1 {
			t.Errorf("score %v, want 1 (mean foreground probability of all-9 pixels)", in.Score)
		}
	}
	if diff := cmp.Diff(want, masks); diff != "" {
		t.Errorf("instances (-want +got):\n%s", diff)
	}
}

func TestExtractScoreIsMeanForeground(t *testing.T) {
	fg, h, w := grid("9966", "9966")
	interior, _, _ := grid("9000", "0000")
	got := extract(fg, interior, h, w, Config{ForegroundThreshold: 0.5, InteriorThreshold: 0.5, MinArea: 1})
	if len(got) != 1 {
		t.Fatalf("%d instances, want 1", len(got))
	}
	want := (4*float64(float32(9.0/9)) + 4*float64(float32(6.0/9))) / 8
	if got[0].Score != want {
		t.Errorf("score %v, want %v", got[0].Score, want)
	}
}

func TestTargets(t *testing.T) {
	labels := []int32{
		1, 1, 1, 1, 2, 2,
		1, 1, 1, 1, 2, 2,
		1, 1, 1, 1, 2, 2,
		0, 0, 0, 0, 0, 0,
	}
	fg := make([]float32, len(labels))
	in := make([]float32, len(labels))
	targets(labels, 4, 6, 1, fg, in)
	// With border 1 a pixel is interior when its 3x3 neighbourhood inside
	// the image has its own id: the frame does not erode, other ids and the
	// background do.
	wantIn := []float32{
		1, 1, 1, 0, 0, 1,
		1, 1, 1, 0, 0, 1,
		0, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0,
	}
	if diff := cmp.Diff(wantIn, in); diff != "" {
		t.Errorf("interior (-want +got):\n%s", diff)
	}
	for p, l := range labels {
		if (fg[p] == 1) != (l > 0) {
			t.Errorf("foreground at %d is %v for label %d", p, fg[p], l)
		}
	}
}

func TestGroundTruthAndResults(t *testing.T) {
	maps := &LabelMaps{H: 2, W: 3, Maps: [][]int32{
		{0, 7, 7, 3, 0, 0},
		{0, 0, 0, 0, 0, 0},
	}}
	gt, err := GroundTruth(maps, []int64{10, 11})
	if err != nil {
		t.Fatal(err)
	}
	if len(gt.Images) != 2 || len(gt.Annotations) != 2 {
		t.Fatalf("%d images, %d annotations", len(gt.Images), len(gt.Annotations))
	}
	// ids ascending: 3 (one pixel) first, then 7; annotation ids from 1
	a0, a1 := gt.Annotations[0], gt.Annotations[1]
	if a0.ID != 1 || a0.Area != 1 || a1.ID != 2 || a1.Area != 2 || a0.ImageID != 10 {
		t.Errorf("annotations %+v %+v", a0, a1)
	}
	// the ground truth's own masks as results score AP 1
	var inst [][]Instance
	for i := 0; i < 2; i++ {
		var row []Instance
		for _, a := range gt.Annotations {
			if a.ImageID == int64(10+i) {
				row = append(row, Instance{Mask: a.Segmentation.RLE.Decode(), Score: 0.9})
			}
		}
		inst = append(inst, row)
	}
	res, err := Results([]int64{10, 11}, inst)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := coco.Evaluate(gt, res)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Stats[0] < 1-1e-9 {
		t.Errorf("AP of the ground truth itself = %v, want 1", ev.Stats[0])
	}
}
