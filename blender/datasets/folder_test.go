package datasets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/rendertest"
)

// writeImage writes a w×h image with a filled rectangle [x0,x1)×[y0,y1) of
// colour c on grey, as PNG or JPEG by extension, and a matching id map.
func writeImage(t *testing.T, path string, w, h int, rect image.Rectangle) {
	t.Helper()
	img := flatImage(w, h, 120, 120, 120)
	for y := rect.Min.Y; y < rect.Max.Y; y++ {
		for x := rect.Min.X; x < rect.Max.X; x++ {
			o := img.PixOffset(x, y)
			img.Pix[o], img.Pix[o+1], img.Pix[o+2] = 250, 20, 20
		}
	}
	if strings.HasSuffix(path, ".jpg") {
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := jpeg.Encode(f, img, &jpeg.Options{Quality: 95}); err != nil {
			t.Fatal(err)
		}
		return
	}
	if err := imageio.WritePNG(t.Context(), path, img); err != nil {
		t.Fatal(err)
	}
}

func writeMask(t *testing.T, path string, w, h int, rects ...image.Rectangle) {
	t.Helper()
	m := image.NewGray(image.Rect(0, 0, w, h))
	for k, r := range rects {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for x := r.Min.X; x < r.Max.X; x++ {
				m.Pix[y*w+x] = uint8(k + 1)
			}
		}
	}
	if err := imageio.WritePNG(t.Context(), path, m); err != nil {
		t.Fatal(err)
	}
}

// fixtureFolder makes images of mixed sizes and formats with id maps.
func fixtureFolder(t *testing.T) (dir, masks string) {
	dir, masks = t.TempDir(), t.TempDir()
	writeImage(t, filepath.Join(dir, "a.png"), 200, 100, image.Rect(80, 30, 120, 70))
	writeMask(t, filepath.Join(masks, "a.png"), 200, 100, image.Rect(80, 30, 120, 70))
	writeImage(t, filepath.Join(dir, "b.jpg"), 64, 128, image.Rect(0, 40, 64, 60))
	writeMask(t, filepath.Join(masks, "b.png"), 64, 128, image.Rect(0, 40, 64, 60), image.Rect(10, 100, 20, 110))
	writeImage(t, filepath.Join(dir, "c.png"), 96, 96, image.Rect(0, 0, 1, 1))
	writeMask(t, filepath.Join(masks, "c.png"), 96, 96)
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("ignored"), 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden.png"), []byte("ignored"), 0o644)
	return dir, masks
}

func TestFromFolder(t *testing.T) {
	ctx := context.Background()
	dir, masks := fixtureFolder(t)
	st := newMemStore()
	res, err := FromFolder(ctx, st, FolderSpec{Dir: dir, Masks: masks, Size: 64}, GenerateOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	m := res.Manifest
	var files []string
	for _, e := range m.Images {
		files = append(files, e.File)
	}
	if strings.Join(files, ",") != "a.png,b.jpg,c.png" {
		t.Fatalf("files %v, want a.png,b.jpg,c.png in name order", files)
	}
	if m.Folder.Policy != PolicyCrop || m.Images[0].Label != filepath.Base(dir) {
		t.Errorf("defaults: policy %q label %q", m.Folder.Policy, m.Images[0].Label)
	}
	wantObjects := []int{1, 1, 0} // b's second instance lies in the cropped-off bottom
	ds, _ := Open(ctx, st, res.ID)
	for i, want := range wantObjects {
		if m.Images[i].Objects != want {
			t.Errorf("%s: %d instances, want %d", files[i], m.Images[i].Objects, want)
		}
		img, err := ds.Image(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		mask, err := ds.Mask(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		if img.Rect.Dx() != 64 || img.Rect.Dy() != 64 || mask.Rect != img.Rect {
			t.Fatalf("%s: image %v mask %v, want 64x64", files[i], img.Rect, mask.Rect)
		}
		// Mask and image stay aligned: masked pixels are red, others grey.
		for p := range mask.Pix {
			if mask.Pix[p] == 0 || !rendertest.Uniform(mask, p%64, p/64) {
				continue
			}
			if r := img.Pix[4*p]; r < 200 {
				t.Fatalf("%s: pixel %d is in the mask but not red (r=%d)", files[i], p, r)
			}
		}
	}
	// a.png (200x100, crop): the 40x40 square at the centre becomes a
	// centred 25.6-pixel square.
	mask, _ := ds.Mask(ctx, 0)
	n := countID(mask, 1)
	if n < 24*24 || n > 27*27 || mask.GrayAt(32, 32).Y != 1 || mask.GrayAt(10, 32).Y != 0 {
		t.Errorf("a.png crop: %d mask pixels, centre %d", n, mask.GrayAt(32, 32).Y)
	}
	// Reading again, or from another path with the same files, is a hit.
	again, err := FromFolder(ctx, st, FolderSpec{Dir: dir, Masks: masks, Size: 64}, GenerateOptions{})
	if err != nil || !again.Cached || again.ID != res.ID {
		t.Errorf("second read: cached %v err %v", again.Cached, err)
	}
	writeImage(t, filepath.Join(dir, "d.png"), 50, 50, image.Rect(0, 0, 5, 5))
	writeMask(t, filepath.Join(masks, "d.png"), 50, 50)
	if changed, _ := FromFolder(ctx, st, FolderSpec{Dir: dir, Masks: masks, Size: 64}, GenerateOptions{}); changed.Cached {
		t.Errorf("a new file did not change the dataset")
	}
}

func countID(m *image.Gray, id uint8) int {
	n := 0
	for _, v := range m.Pix {
		if v == id {
			n++
		}
	}
	return n
}

func TestFolderPolicies(t *testing.T) {
	ctx := context.Background()
	dir, masks := t.TempDir(), t.TempDir()
	// A 100x50 image whose left half is the object.
	writeImage(t, filepath.Join(dir, "x.png"), 100, 50, image.Rect(0, 0, 50, 50))
	writeMask(t, filepath.Join(masks, "x.png"), 100, 50, image.Rect(0, 0, 50, 50))
	tests := []struct {
		policy   string
		fraction float64 // of the 32x32 target covered by the object
	}{
		{PolicyCrop, 0.5},    // centre 50x50 crop: half of it is the object
		{PolicyPad, 0.25},    // 32x16 band, half of it object
		{PolicyStretch, 0.5}, // left half
	}
	for _, tt := range tests {
		st := newMemStore()
		res, err := FromFolder(ctx, st, FolderSpec{Dir: dir, Masks: masks, Size: 32, Policy: tt.policy}, GenerateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		ds, _ := Open(ctx, st, res.ID)
		mask, _ := ds.Mask(ctx, 0)
		if got := float64(countID(mask, 1)) / (32 * 32); got != tt.fraction {
			t.Errorf("%s: object covers %.3f of the image, want %.3f", tt.policy, got, tt.fraction)
		}
		img, _ := ds.Image(ctx, 0)
		if tt.policy == PolicyPad && (img.Pix[0] != 0 || mask.Pix[0] != 0) {
			t.Errorf("pad: corner pixel %v id %d, want black background", img.Pix[:3], mask.Pix[0])
		}
	}
}

func TestFolderErrors(t *testing.T) {
	ctx := context.Background()
	empty := t.TempDir()
	os.WriteFile(filepath.Join(empty, "readme.md"), []byte("no images"), 0o644)

	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, "broken.png"), []byte("\x89PNG not really"), 0o644)

	dir, masks := fixtureFolder(t)
	mism := t.TempDir()
	writeImage(t, filepath.Join(mism, "a.png"), 40, 30, image.Rect(0, 0, 4, 4))
	mmask := t.TempDir()
	writeMask(t, filepath.Join(mmask, "a.png"), 30, 40)

	missing := t.TempDir()
	writeImage(t, filepath.Join(missing, "z.png"), 40, 30, image.Rect(0, 0, 4, 4))

	coco := filepath.Join(t.TempDir(), "gt.json")
	os.WriteFile(coco, []byte(`{"images":[{"id":1,"file_name":"a.png","width":200,"height":100}],"annotations":[]}`), 0o644)

	tests := []struct {
		name string
		spec FolderSpec
		want []string
	}{
		{"empty folder", FolderSpec{Dir: empty, Size: 64}, []string{empty, "empty: no .png, .jpg or .jpeg files"}},
		{"no such folder", FolderSpec{Dir: filepath.Join(empty, "nope"), Size: 64}, []string{"nope"}},
		{"unreadable image", FolderSpec{Dir: bad, Size: 64}, []string{filepath.Join(bad, "broken.png"), "unreadable image"}},
		{"mask size mismatch", FolderSpec{Dir: mism, Masks: mmask, Size: 64}, []string{filepath.Join(mmask, "a.png"), "is 30x40", filepath.Join(mism, "a.png"), "is 40x30"}},
		{"missing mask", FolderSpec{Dir: missing, Masks: masks, Size: 64}, []string{"mask for " + filepath.Join(missing, "z.png")}},
		{"image not in COCO", FolderSpec{Dir: dir, Masks: coco, Size: 64}, []string{filepath.Join(dir, "b.jpg"), "is not among the images of " + coco}},
		{"bad size", FolderSpec{Dir: dir, Size: 8}, []string{"size 8"}},
		{"bad policy", FolderSpec{Dir: dir, Size: 64, Policy: "zoom"}, []string{`policy "zoom"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromFolder(ctx, newMemStore(), tt.spec, GenerateOptions{})
			if err == nil {
				t.Fatal("want an error")
			}
			if !errors.Is(err, ErrFolder) && !errors.Is(err, ErrInvalidSpec) {
				t.Errorf("error %v wraps neither ErrFolder nor ErrInvalidSpec", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestFolderCOCO reads polygon, uncompressed RLE and compressed RLE
// annotations; all three describe columns 1..3, rows 1..2 of a 6x5 image
// (the compressed string is pycocotools' for that polygon).
func TestFolderCOCO(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, n := range []string{"p.png", "u.png", "c.png", "none.png"} {
		writeImage(t, filepath.Join(dir, n), 6, 5, image.Rect(0, 0, 0, 0))
	}
	gt := filepath.Join(t.TempDir(), "instances.json")
	os.WriteFile(gt, []byte(`{
 "images": [{"id": 1, "file_name": "imgs/p.png", "width": 6, "height": 5},
            {"id": 2, "file_name": "u.png", "width": 6, "height": 5},
            {"id": 3, "file_name": "c.png", "width": 6, "height": 5},
            {"id": 4, "file_name": "none.png", "width": 6, "height": 5}],
 "annotations": [
  {"id": 1, "image_id": 1, "segmentation": [[1, 1, 4, 1, 4, 3, 1, 3]]},
  {"id": 2, "image_id": 2, "segmentation": {"size": [5, 6], "counts": [6, 2, 3, 2, 3, 2, 12]}},
  {"id": 3, "image_id": 3, "segmentation": {"size": [5, 6], "counts": "6230009"}},
  {"id": 4, "image_id": 3, "segmentation": [[0, 0, 1, 0, 1, 1, 0, 1]]}
 ]}`), 0o644)
	files, _, err := listFolder(ctx, FolderSpec{Dir: dir, Masks: gt, Size: 32}.normalize(), folderConfig{maxPixels: DefaultMaxPixels})
	if err != nil {
		t.Fatal(err)
	}
	want := "......\n.111..\n.111..\n......\n......\n"
	for _, f := range files {
		m, err := f.coco.mask()
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		got := maskString(m)
		w := want
		switch f.name {
		case "c.png":
			w = "2.....\n.111..\n.111..\n......\n......\n"
		case "none.png":
			w = "......\n......\n......\n......\n......\n"
		}
		if got != w {
			t.Errorf("%s mask:\n%swant:\n%s", f.name, got, w)
		}
	}
	res, err := FromFolder(ctx, newMemStore(), FolderSpec{Dir: dir, Masks: gt, Size: 32, Policy: PolicyStretch}, GenerateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if objs := []int{res.Manifest.Images[0].Objects, res.Manifest.Images[1].Objects}; objs[0] != 2 || objs[1] != 0 {
		t.Errorf("instances c.png %d none.png %d, want 2 and 0", objs[0], objs[1])
	}
}

func maskString(m *image.Gray) string {
	var b strings.Builder
	for y := range m.Rect.Dy() {
		for x := range m.Rect.Dx() {
			if v := m.Pix[y*m.Stride+x]; v == 0 {
				b.WriteByte('.')
			} else {
				fmt.Fprint(&b, v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func TestCOCOErrors(t *testing.T) {
	tests := []struct{ name, json, want string }{
		{"not json", `{`, "decode COCO JSON"},
		{"json position", "{\"images\": [\n  {\"id\": 1,\n   \"width\": \"wide\"}]}", "line 3 column 19"},
		{"unknown image", `{"images":[],"annotations":[{"id":9,"image_id":5,"segmentation":[]}]}`, "annotation 9: image_id 5"},
		{"bad size", `{"images":[{"id":1,"file_name":"a","width":0,"height":3}]}`, "size 0x3"},
		{"duplicate", `{"images":[{"id":1,"file_name":"a","width":1,"height":1},{"id":2,"file_name":"x/a","width":1,"height":1}]}`, "listed twice"},
	}
	for _, tt := range tests {
		if _, err := parseCOCO([]byte(tt.json)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	segs := []struct{ name, seg, want string }{
		{"empty polygon", `[[]]`, "invalid polygon"},
		{"no polygons", `[]`, "empty polygon list"},
		{"rle size", `{"size":[2,2],"counts":[4]}`, "does not match"},
		{"rle overrun", `{"size":[5,6],"counts":[40]}`, "add up to 40"},
		{"rle string", `{"size":[5,6],"counts":"\u007f"}`, "outside '0'..'o'"},
		{"neither", `"x"`, "polygon list or an RLE object"},
	}
	for _, tt := range segs {
		ci := &cocoImage{width: 6, height: 5, ids: []int64{7}, segs: []json.RawMessage{json.RawMessage(tt.seg)}}
		if _, err := ci.mask(); err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "annotation id 7") {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func FuzzCOCOMask(f *testing.F) {
	f.Add([]byte(`{"images":[{"id":1,"file_name":"a.png","width":6,"height":5}],"annotations":[{"id":1,"image_id":1,"segmentation":{"size":[5,6],"counts":"6230009"}},{"id":2,"image_id":1,"segmentation":[[0,0,6,0,3,5]]}]}`))
	f.Add([]byte(`{"images":[{"id":1,"file_name":"a.png","width":3,"height":2}],"annotations":[{"id":1,"image_id":1,"segmentation":{"size":[2,3],"counts":[1,2,3]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		imgs, err := parseCOCO(data)
		if err != nil {
			return
		}
		for _, ci := range imgs {
			if ci.width*ci.height > 1<<20 {
				continue
			}
			m, err := ci.mask()
			if err != nil {
				continue
			}
			if n := countInstances(m.Pix); n > len(ci.segs) {
				t.Fatalf("%d instances from %d annotations", n, len(ci.segs))
			}
		}
	})
}

// flatImage is a w×h image of one opaque colour.
func flatImage(w, h int, r, g, b uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = r, g, b, 255
	}
	return img
}
