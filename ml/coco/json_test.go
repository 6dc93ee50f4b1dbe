package coco

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sampleGT = `{
 "info": {"description": "ignored"},
 "images": [{"id": 1, "width": 6, "height": 5, "file_name": "a.png"}],
 "annotations": [
  {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 4, 1, 4, 3, 1, 3]], "area": 6, "bbox": [1, 1, 3, 2], "iscrowd": 0},
  {"id": 2, "image_id": 1, "category_id": 1, "segmentation": {"size": [5, 6], "counts": [0, 5, 25]}, "area": 5, "bbox": [0, 0, 1, 5], "iscrowd": 1},
  {"id": 3, "image_id": 1, "category_id": 1, "segmentation": {"size": [5, 6], "counts": "6230009"}, "area": 6, "bbox": [1, 1, 3, 2], "iscrowd": false}
 ],
 "categories": [{"id": 1, "name": "product"}]
}`

func TestReadDatasetForms(t *testing.T) {
	ds, err := ReadDataset(strings.NewReader(sampleGT))
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Images) != 1 || len(ds.Annotations) != 3 || len(ds.Categories) != 1 {
		t.Fatalf("read %d images, %d annotations, %d categories", len(ds.Images), len(ds.Annotations), len(ds.Categories))
	}
	// The polygon (1,1)-(4,1)-(4,3)-(1,3) covers pixel columns 1..3 and
	// rows 1..2 once rasterised as pycocotools does (checked against
	// maskApi.c: counts "6230009" for a 5x6 image).
	poly, err := ds.Annotations[0].Segmentation.ToRLE(5, 6)
	if err != nil {
		t.Fatal(err)
	}
	if got := poly.CountsString(); got != "6230009" {
		t.Errorf("polygon counts %q, want %q", got, "6230009")
	}
	crowd := ds.Annotations[1]
	if crowd.IsCrowd != 1 || !crowd.Segmentation.Uncompressed || crowd.Segmentation.RLE.Area() != 5 {
		t.Errorf("uncompressed crowd annotation read as %+v", crowd)
	}
	if ds.Annotations[2].IsCrowd != 0 || ds.Annotations[2].Segmentation.RLE.Area() != 6 {
		t.Errorf("compressed annotation read as %+v", ds.Annotations[2])
	}
	// Writing and reading back gives the same dataset.
	var buf bytes.Buffer
	if err := WriteDataset(&buf, ds); err != nil {
		t.Fatal(err)
	}
	back, err := ReadDataset(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ds, back); diff != "" {
		t.Errorf("round trip (-read +reread):\n%s", diff)
	}
}

func TestReadDatasetErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{"images": [`, "unexpected EOF"},
		{"trailing data", `{} {}`, "after the JSON value"},
		{"image without size", `{"images": [{"id": 1}]}`, "positive \"width\""},
		{"duplicate image", `{"images": [{"id": 1, "width": 2, "height": 2}, {"id": 1, "width": 2, "height": 2}]}`, "image id 1 appears twice"},
		{"no area", `{"annotations": [{"id": 4, "image_id": 1, "category_id": 1, "segmentation": [[0,0,1,0,1,1]], "iscrowd": 0}]}`, "annotation id 4 has no \"area"},
		{"no iscrowd", `{"annotations": [{"id": 4, "image_id": 1, "category_id": 1, "segmentation": [[0,0,1,0,1,1]], "area": 1}]}`, "annotation id 4 has no \"iscrowd"},
		{"bad rle", `{"annotations": [{"id": 4, "image_id": 1, "category_id": 1, "segmentation": {"size": [2, 2], "counts": "9"}, "area": 1, "iscrowd": 0}]}`, "annotation id 4: segmentation: invalid RLE"},
		{"duplicate annotation", `{"annotations": [{"id": 4, "image_id": 1, "category_id": 1, "segmentation": [], "area": 1, "iscrowd": 0}, {"id": 4, "image_id": 1, "category_id": 1, "segmentation": [], "area": 1, "iscrowd": 0}]}`, "annotation id 4 appears twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadDataset(strings.NewReader(tc.json))
			if !errors.Is(err, ErrBadDataset) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrBadDataset mentioning %q", err, tc.want)
			}
		})
	}
}

func TestResultsRoundTrip(t *testing.T) {
	r1, _ := NewResult(3, 1, rectMask(5, 4, 1, 1, 4, 3), 0.75)
	r2, _ := NewResult(4, 1, NewMask(5, 4), 0.5)
	r2.Bbox = []float64{0, 0, 1, 1}
	var buf bytes.Buffer
	if err := WriteResults(&buf, []Result{r1, r2}); err != nil {
		t.Fatal(err)
	}
	want := "[\n" +
		`{"image_id":3,"category_id":1,"segmentation":{"size":[5,4],"counts":"623000O"},"score":0.75},` + "\n" +
		`{"image_id":4,"category_id":1,"segmentation":{"size":[5,4],"counts":"d0"},"score":0.5,"bbox":[0,0,1,1]}` + "\n]\n"
	if got := buf.String(); got != want {
		t.Errorf("written:\n%s\nwant:\n%s", got, want)
	}
	back, err := ReadResults(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Result{r1, r2}, back); diff != "" {
		t.Errorf("round trip (-written +read):\n%s", diff)
	}
}

func TestReadResultsErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"object not list", `{"image_id": 1}`, "want a JSON list"},
		{"no score", `[{"image_id": 1, "category_id": 1, "segmentation": {"size": [1, 1], "counts": "1"}}]`, "result 0 has no \"score\""},
		{"no segmentation", `[{"image_id": 1, "category_id": 1, "score": 1}]`, "result 0 has no \"segmentation\""},
		{"bad counts", `[{"image_id": 1, "category_id": 1, "score": 1, "segmentation": {"size": [1, 1], "counts": "~"}}]`, "result 0: segmentation: invalid RLE"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadResults(strings.NewReader(tc.json))
			if !errors.Is(err, ErrBadResults) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrBadResults mentioning %q", err, tc.want)
			}
		})
	}
}

func TestEmptyResultsList(t *testing.T) {
	rs, err := ReadResults(strings.NewReader("[]"))
	if err != nil || len(rs) != 0 {
		t.Fatalf("ReadResults([]) = %v, %v", rs, err)
	}
}

func FuzzReadDataset(f *testing.F) {
	f.Add([]byte(sampleGT))
	f.Add([]byte(`{"images":[{"id":1,"width":3,"height":3}],"annotations":[{"id":1,"image_id":1,"category_id":1,"segmentation":[[0,0,4]],"area":1,"iscrowd":0}],"categories":[{"id":1}]}`))
	f.Add([]byte(`{"annotations":[{"id":1,"image_id":1,"category_id":1,"segmentation":{"size":[2,2],"counts":[1,2,1]},"area":1,"iscrowd":true}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ds, err := ReadDataset(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrBadDataset) {
				t.Fatalf("error %v is not ErrBadDataset", err)
			}
			return
		}
		// Whatever reads must evaluate without panicking (errors allowed:
		// e.g. an unrasterisable polygon).
		_, _ = Evaluate(ds, nil)
		var buf bytes.Buffer
		if err := WriteDataset(&buf, ds); err != nil {
			t.Fatalf("write: %v", err)
		}
		if _, err := ReadDataset(&buf); err != nil {
			t.Fatalf("re-read of written dataset: %v", err)
		}
	})
}

func FuzzReadResults(f *testing.F) {
	f.Add([]byte(`[{"image_id":1,"category_id":1,"segmentation":{"size":[5,4],"counts":"623000O"},"score":0.75}]`))
	f.Add([]byte(`[{"image_id":1,"category_id":1,"segmentation":[[0,0,3,0,3,3]],"score":0.75,"bbox":[0,0,3,3]}]`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := ReadResults(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrBadResults) {
				t.Fatalf("error %v is not ErrBadResults", err)
			}
			return
		}
		gt := &Dataset{Categories: []Category{{ID: 1}}}
		for _, r := range rs {
			gt.Images = append(gt.Images, Image{ID: r.ImageID, Width: 8, Height: 8})
		}
		seen := map[int64]bool{}
		imgs := gt.Images[:0]
		for _, im := range gt.Images {
			if !seen[im.ID] {
				seen[im.ID] = true
				imgs = append(imgs, im)
			}
		}
		gt.Images = imgs
		_, _ = Evaluate(gt, rs)
	})
}

func FuzzFromPolygon(f *testing.F) {
	f.Add(1.0, 1.0, 4.0, 1.0, 4.0, 3.0, 5, 6)
	f.Add(-3.5, 2.2, 10.0, 10.0, 10.0, 10.0, 7, 3)
	f.Add(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1, 1)
	f.Fuzz(func(t *testing.T, x0, y0, x1, y1, x2, y2 float64, h, w int) {
		if h > 200 || w > 200 {
			return
		}
		r, err := FromPolygons([][]float64{{x0, y0, x1, y1, x2, y2}}, h, w)
		if err != nil {
			if !errors.Is(err, ErrBadPolygon) {
				t.Fatalf("error %v is not ErrBadPolygon", err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("rasterised polygon invalid: %v (counts %v)", err, r.Counts)
		}
	})
}
