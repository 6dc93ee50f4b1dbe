package coco

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Segmentation is an annotation's or result's mask in one of COCO's three
// JSON forms: a list of polygons, an uncompressed RLE ({"size": [h, w],
// "counts": [...]}) or a compressed RLE ({"size": [h, w], "counts": "..."}).
// Exactly one of Polygons and RLE is set.
type Segmentation struct {
	Polygons [][]float64
	RLE      *RLE
	// Uncompressed records that RLE counts were (and will be written) a
	// list of numbers rather than a string.
	Uncompressed bool
}

// SegmentationOf returns the compressed-RLE segmentation of r.
func SegmentationOf(r RLE) Segmentation {
	c := r.Clone()
	return Segmentation{RLE: &c}
}

// rleJSON is the JSON object form of an RLE; Counts is a string or a list.
type rleJSON struct {
	Size   []int           `json:"size"`
	Counts json.RawMessage `json:"counts"`
}

// MarshalJSON writes the polygon list or the RLE object.
func (s Segmentation) MarshalJSON() ([]byte, error) {
	if s.RLE == nil {
		if s.Polygons == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(s.Polygons)
	}
	var counts []byte
	var err error
	if s.Uncompressed {
		counts, err = json.Marshal(s.RLE.Counts)
		if s.RLE.Counts == nil {
			counts = []byte("[]")
		}
	} else {
		counts, err = json.Marshal(s.RLE.CountsString())
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(rleJSON{Size: []int{s.RLE.H, s.RLE.W}, Counts: counts})
}

// UnmarshalJSON reads any of the three forms. RLE counts are checked to add
// up to size[0]*size[1]; polygons are checked to hold finite numbers only
// (their rasterisation happens in ToRLE, which knows the image size).
func (s *Segmentation) UnmarshalJSON(b []byte) error {
	*s = Segmentation{}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		return fmt.Errorf("segmentation: empty value")
	}
	switch b[0] {
	case '[':
		var polys [][]float64
		if err := json.Unmarshal(b, &polys); err != nil {
			return fmt.Errorf("segmentation: want a list of polygons (lists of numbers): %w", err)
		}
		for i, p := range polys {
			for _, v := range p {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fmt.Errorf("segmentation: polygon %d: %w: non-finite coordinate", i, ErrBadPolygon)
				}
			}
		}
		if polys == nil {
			polys = [][]float64{}
		}
		s.Polygons = polys
		return nil
	case '{':
		var raw rleJSON
		if err := json.Unmarshal(b, &raw); err != nil {
			return fmt.Errorf("segmentation: want an RLE object {\"size\": [h, w], \"counts\": ...}: %w", err)
		}
		if len(raw.Size) != 2 {
			return fmt.Errorf("segmentation: %w: \"size\" must be [height, width], got %d numbers", ErrBadRLE, len(raw.Size))
		}
		h, w := raw.Size[0], raw.Size[1]
		counts := bytes.TrimSpace(raw.Counts)
		if len(counts) == 0 {
			return fmt.Errorf("segmentation: %w: RLE without \"counts\"", ErrBadRLE)
		}
		if counts[0] == '"' {
			var str string
			if err := json.Unmarshal(counts, &str); err != nil {
				return fmt.Errorf("segmentation: %w: %w", ErrBadRLE, err)
			}
			r, err := DecodeCounts(str, h, w)
			if err != nil {
				return fmt.Errorf("segmentation: %w", err)
			}
			s.RLE = &r
			return nil
		}
		var list []uint32
		if err := json.Unmarshal(counts, &list); err != nil {
			return fmt.Errorf("segmentation: %w: \"counts\" must be a string or a list of non-negative integers: %w", ErrBadRLE, err)
		}
		r := RLE{H: h, W: w, Counts: list}
		if err := r.Validate(); err != nil {
			return fmt.Errorf("segmentation: %w", err)
		}
		s.RLE, s.Uncompressed = &r, true
		return nil
	}
	return fmt.Errorf("segmentation: want a polygon list or an RLE object, got %.20q", b)
}

// ToRLE returns the mask as pycocotools' annToRLE does for an image of h rows
// and w columns: polygons are rasterised at the image size and merged; an
// RLE keeps its own size.
func (s Segmentation) ToRLE(h, w int) (RLE, error) {
	if s.RLE != nil {
		return s.RLE.Clone(), nil
	}
	return FromPolygons(s.Polygons, h, w)
}
