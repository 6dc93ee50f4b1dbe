package coco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
)

// Dataset is a COCO ground truth file: images, annotations and categories.
// Other top-level keys (info, licenses) are ignored on read and not written.
type Dataset struct {
	Images      []Image      `json:"images"`
	Annotations []Annotation `json:"annotations"`
	Categories  []Category   `json:"categories"`
}

// Image is one entry of "images".
type Image struct {
	ID       int64  `json:"id"`
	Width    int    `json:"width"`
	Height   int    `json:"height"`
	FileName string `json:"file_name,omitempty"`
}

// Category is one entry of "categories".
type Category struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Supercategory string `json:"supercategory,omitempty"`
}

// Annotation is one ground truth instance. IDs should start from 1:
// pycocotools records a match as the matched annotation's id and treats id 0
// as "no match".
type Annotation struct {
	ID           int64        `json:"id"`
	ImageID      int64        `json:"image_id"`
	CategoryID   int64        `json:"category_id"`
	Segmentation Segmentation `json:"segmentation"`
	// Area is the object size COCOeval uses for the small/medium/large
	// ranges; for a mask it is conventionally the mask area.
	Area    float64    `json:"area"`
	Bbox    [4]float64 `json:"bbox"`
	IsCrowd int        `json:"iscrowd"`
}

// rawAnnotation records which fields were present, so that missing ones are
// reported instead of read as zero.
type rawAnnotation struct {
	ID           *int64          `json:"id"`
	ImageID      *int64          `json:"image_id"`
	CategoryID   *int64          `json:"category_id"`
	Segmentation json.RawMessage `json:"segmentation"`
	Area         *float64        `json:"area"`
	Bbox         []float64       `json:"bbox"`
	IsCrowd      json.RawMessage `json:"iscrowd"`
}

type rawImage struct {
	ID       *int64 `json:"id"`
	Width    *int   `json:"width"`
	Height   *int   `json:"height"`
	FileName string `json:"file_name"`
}

type rawCategory struct {
	ID            *int64 `json:"id"`
	Name          string `json:"name"`
	Supercategory string `json:"supercategory"`
}

type rawDataset struct {
	Images      []rawImage      `json:"images"`
	Annotations []rawAnnotation `json:"annotations"`
	Categories  []rawCategory   `json:"categories"`
}

// ReadDataset decodes and checks a ground truth file: every image has an id
// and a positive size, ids of images and annotations are unique, every
// annotation has the fields COCOeval reads (id, image_id, category_id,
// segmentation, area, iscrowd). Annotations whose image or category is not
// listed are kept; Evaluate skips them as pycocotools does.
func ReadDataset(r io.Reader) (*Dataset, error) {
	var raw rawDataset
	if err := decodeJSON(r, &raw); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadDataset, err)
	}
	ds := &Dataset{
		Images:      make([]Image, 0, len(raw.Images)),
		Annotations: make([]Annotation, 0, len(raw.Annotations)),
		Categories:  make([]Category, 0, len(raw.Categories)),
	}
	seenImg := make(map[int64]bool, len(raw.Images))
	for i, im := range raw.Images {
		if im.ID == nil {
			return nil, fmt.Errorf("%w: images[%d] has no \"id\"", ErrBadDataset, i)
		}
		if seenImg[*im.ID] {
			return nil, fmt.Errorf("%w: image id %d appears twice", ErrBadDataset, *im.ID)
		}
		seenImg[*im.ID] = true
		if im.Width == nil || im.Height == nil || *im.Width <= 0 || *im.Height <= 0 || !sizeOK(*im.Height, *im.Width) {
			return nil, fmt.Errorf("%w: image id %d needs a positive \"width\" and \"height\"", ErrBadDataset, *im.ID)
		}
		ds.Images = append(ds.Images, Image{ID: *im.ID, Width: *im.Width, Height: *im.Height, FileName: im.FileName})
	}
	for i, c := range raw.Categories {
		if c.ID == nil {
			return nil, fmt.Errorf("%w: categories[%d] has no \"id\"", ErrBadDataset, i)
		}
		ds.Categories = append(ds.Categories, Category{ID: *c.ID, Name: c.Name, Supercategory: c.Supercategory})
	}
	seenAnn := make(map[int64]bool, len(raw.Annotations))
	for i, a := range raw.Annotations {
		ann, err := a.check(i)
		if err != nil {
			return nil, err
		}
		if seenAnn[ann.ID] {
			return nil, fmt.Errorf("%w: annotation id %d appears twice", ErrBadDataset, ann.ID)
		}
		seenAnn[ann.ID] = true
		ds.Annotations = append(ds.Annotations, ann)
	}
	return ds, nil
}

func (a rawAnnotation) check(i int) (Annotation, error) {
	where := fmt.Sprintf("annotations[%d]", i)
	if a.ID == nil {
		return Annotation{}, fmt.Errorf("%w: %s has no \"id\"", ErrBadDataset, where)
	}
	where = fmt.Sprintf("annotation id %d", *a.ID)
	missing := ""
	switch {
	case a.ImageID == nil:
		missing = "image_id"
	case a.CategoryID == nil:
		missing = "category_id"
	case len(a.Segmentation) == 0:
		missing = "segmentation"
	case a.Area == nil:
		missing = "area (COCOeval reads it for the small/medium/large ranges; use the mask area)"
	case len(a.IsCrowd) == 0:
		missing = "iscrowd (0 for an object, 1 for a crowd region)"
	}
	if missing != "" {
		return Annotation{}, fmt.Errorf("%w: %s has no %q", ErrBadDataset, where, missing)
	}
	crowd, err := parseCrowd(a.IsCrowd)
	if err != nil {
		return Annotation{}, fmt.Errorf("%w: %s: %w", ErrBadDataset, where, err)
	}
	var seg Segmentation
	if err := seg.UnmarshalJSON(a.Segmentation); err != nil {
		return Annotation{}, fmt.Errorf("%w: %s: %w", ErrBadDataset, where, err)
	}
	ann := Annotation{
		ID: *a.ID, ImageID: *a.ImageID, CategoryID: *a.CategoryID,
		Segmentation: seg, Area: *a.Area, IsCrowd: crowd,
	}
	copy(ann.Bbox[:], a.Bbox)
	return ann, nil
}

// parseCrowd accepts iscrowd as an integer or a boolean, as Python's int()
// and truth tests do.
func parseCrowd(b json.RawMessage) (int, error) {
	var n int
	if err := json.Unmarshal(b, &n); err == nil {
		return n, nil
	}
	var t bool
	if err := json.Unmarshal(b, &t); err == nil {
		if t {
			return 1, nil
		}
		return 0, nil
	}
	return 0, fmt.Errorf("\"iscrowd\" must be 0, 1 or a boolean, got %.20s", b)
}

// LoadDataset reads the ground truth file at path; errors name the file.
func LoadDataset(path string) (*Dataset, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open ground truth: %w", err)
	}
	defer f.Close()
	ds, err := ReadDataset(f)
	if err != nil {
		return nil, fmt.Errorf("read ground truth %s: %w", path, err)
	}
	return ds, nil
}

// WriteDataset writes ds as indented JSON; the bytes depend only on ds.
func WriteDataset(w io.Writer, ds *Dataset) error {
	out := Dataset{Images: ds.Images, Annotations: ds.Annotations, Categories: ds.Categories}
	if out.Images == nil {
		out.Images = []Image{}
	}
	if out.Annotations == nil {
		out.Annotations = []Annotation{}
	}
	if out.Categories == nil {
		out.Categories = []Category{}
	}
	return writeJSON(w, out)
}

// decodeJSON decodes exactly one JSON value from r into v.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return fmt.Errorf("unexpected data after the JSON value")
	}
	return nil
}

func writeJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("encode coco json: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(len(b) + 1)
	buf.Write(b)
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write coco json: %w", err)
	}
	return nil
}
