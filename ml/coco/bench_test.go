package coco

import (
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
)

// benchCase is a test set the size of the paper's real test set: 180
// images of 256x256 with 2 to 6 objects each and 20 detections per image.
func benchCase() (*Dataset, []Result) {
	rng := rand.New(rand.NewPCG(42, 7))
	ds := &Dataset{Categories: []Category{{ID: 1, Name: "product"}}}
	var res []Result
	ann := int64(1)
	for i := 0; i < 180; i++ {
		id := int64(i + 1)
		ds.Images = append(ds.Images, Image{ID: id, Width: 256, Height: 256})
		var objs []RLE
		for o := 0; o < 2+rng.IntN(5); o++ {
			r, _ := Encode(randomShape(rng, 256, 256))
			ds.Annotations = append(ds.Annotations, Annotation{ID: ann, ImageID: id, CategoryID: 1,
				Segmentation: SegmentationOf(r), Area: float64(r.Area()), Bbox: r.Bbox()})
			ann++
			objs = append(objs, r)
		}
		for d := 0; d < 20; d++ {
			var m Mask
			if d < len(objs) {
				m = perturb(rng, objs[d].Decode())
			} else {
				m = randomShape(rng, 256, 256)
			}
			r, _ := NewResult(id, 1, m, rng.Float64())
			res = append(res, r)
		}
	}
	return ds, res
}

// BenchmarkEvaluate times Evaluate on benchCase (inputs already decoded).
// With COCO_BENCH_DIR set it also writes the case as gt.json and dt.json
// there, for timing pycocotools on the same files.
func BenchmarkEvaluate(b *testing.B) {
	gt, dt := benchCase()
	if dir := os.Getenv("COCO_BENCH_DIR"); dir != "" {
		writeFile(b, dir+"/gt.json", func(f *os.File) error { return WriteDataset(f, gt) })
		writeFile(b, dir+"/dt.json", func(f *os.File) error { return WriteResults(f, dt) })
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev, err := Evaluate(gt, dt)
		if err != nil {
			b.Fatal(err)
		}
		if ev.Stats[0] < 0 {
			b.Fatal(fmt.Sprint(ev.Stats))
		}
	}
}

// BenchmarkPolygon rasterises a 40-vertex polygon in a 640x480 image.
func BenchmarkPolygon(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	xy := make([]float64, 80)
	for i := range xy {
		xy[i] = rng.Float64() * 480
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := FromPolygon(xy, 480, 640); err != nil {
			b.Fatal(err)
		}
	}
}
