package coco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
)

// Result is one detection in a COCO results file: an instance mask with a
// confidence score. Bbox is optional; when the first result of a file has a
// non-empty bbox, pycocotools' loadRes takes every result's area from its box
// (width*height) instead of its mask, and Evaluate does the same.
type Result struct {
	ImageID      int64        `json:"image_id"`
	CategoryID   int64        `json:"category_id"`
	Segmentation Segmentation `json:"segmentation"`
	Score        float64      `json:"score"`
	Bbox         []float64    `json:"bbox,omitempty"`
}

// NewResult returns the result for mask m (compressed RLE) with score.
func NewResult(imageID, categoryID int64, m Mask, score float64) (Result, error) {
	r, err := Encode(m)
	if err != nil {
		return Result{}, fmt.Errorf("new result: %w", err)
	}
	return Result{ImageID: imageID, CategoryID: categoryID, Segmentation: SegmentationOf(r), Score: score}, nil
}

type rawResult struct {
	ImageID      *int64          `json:"image_id"`
	CategoryID   *int64          `json:"category_id"`
	Segmentation json.RawMessage `json:"segmentation"`
	Score        *float64        `json:"score"`
	Bbox         []float64       `json:"bbox"`
}

// ReadResults decodes a results file: a JSON list of objects with image_id,
// category_id, segmentation and score. Scores must be finite. Whether each
// image exists in the ground truth is checked by Evaluate.
func ReadResults(r io.Reader) ([]Result, error) {
	var raw []rawResult
	if err := decodeJSON(r, &raw); err != nil {
		return nil, fmt.Errorf("%w: want a JSON list of results: %w", ErrBadResults, err)
	}
	out := make([]Result, 0, len(raw))
	for i, a := range raw {
		missing := ""
		switch {
		case a.ImageID == nil:
			missing = "image_id"
		case a.CategoryID == nil:
			missing = "category_id"
		case len(a.Segmentation) == 0:
			missing = "segmentation"
		case a.Score == nil:
			missing = "score"
		}
		if missing != "" {
			return nil, fmt.Errorf("%w: result %d has no %q", ErrBadResults, i, missing)
		}
		if math.IsNaN(*a.Score) || math.IsInf(*a.Score, 0) {
			return nil, fmt.Errorf("%w: result %d has a non-finite score", ErrBadResults, i)
		}
		var seg Segmentation
		if err := seg.UnmarshalJSON(a.Segmentation); err != nil {
			return nil, fmt.Errorf("%w: result %d: %w", ErrBadResults, i, err)
		}
		out = append(out, Result{ImageID: *a.ImageID, CategoryID: *a.CategoryID, Segmentation: seg, Score: *a.Score, Bbox: a.Bbox})
	}
	return out, nil
}

// LoadResults reads the results file at path; errors name the file.
func LoadResults(path string) ([]Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open results: %w", err)
	}
	defer f.Close()
	rs, err := ReadResults(f)
	if err != nil {
		return nil, fmt.Errorf("read results %s: %w", path, err)
	}
	return rs, nil
}

// WriteResults writes rs as a JSON list, one result per line; the bytes depend
// only on rs.
func WriteResults(w io.Writer, rs []Result) error {
	var buf bytes.Buffer
	buf.WriteString("[")
	for i, r := range rs {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("encode result %d: %w", i, err)
		}
		if i > 0 {
			buf.WriteString(",")
		}
		buf.WriteString("\n")
		buf.Write(b)
	}
	buf.WriteString("\n]\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write coco results: %w", err)
	}
	return nil
}
