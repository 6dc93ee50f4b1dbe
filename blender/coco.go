package blender

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"sort"
)

// cocoFile is the part of a COCO instances file folder datasets read.
type cocoFile struct {
	Images []struct {
		ID       int64  `json:"id"`
		FileName string `json:"file_name"`
		Width    int    `json:"width"`
		Height   int    `json:"height"`
	} `json:"images"`
	Annotations []struct {
		ID           int64           `json:"id"`
		ImageID      int64           `json:"image_id"`
		Segmentation json.RawMessage `json:"segmentation"`
	} `json:"annotations"`
}

// cocoImage is one image's instances: segmentation JSON per annotation in
// file order, with the declared image size.
type cocoImage struct {
	width, height int
	segs          []json.RawMessage
}

// parseCOCO reads a COCO instances file into instances per file name (the
// base name of file_name).
func parseCOCO(data []byte) (map[string]*cocoImage, error) {
	var f cocoFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decode COCO JSON: %v", err)
	}
	byID := map[int64]*cocoImage{}
	out := map[string]*cocoImage{}
	for _, im := range f.Images {
		if im.Width <= 0 || im.Height <= 0 || im.Width > 1<<15 || im.Height > 1<<15 {
			return nil, fmt.Errorf("COCO image %d (%s): size %dx%d out of range", im.ID, im.FileName, im.Width, im.Height)
		}
		name := baseName(im.FileName)
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("COCO file name %q listed twice", name)
		}
		ci := &cocoImage{width: im.Width, height: im.Height}
		byID[im.ID], out[name] = ci, ci
	}
	for _, a := range f.Annotations {
		ci, ok := byID[a.ImageID]
		if !ok {
			return nil, fmt.Errorf("COCO annotation %d: image_id %d is not in images", a.ID, a.ImageID)
		}
		if len(ci.segs) >= MaxObjects {
			return nil, fmt.Errorf("COCO image %d: more than %d annotations", a.ImageID, MaxObjects)
		}
		ci.segs = append(ci.segs, a.Segmentation)
	}
	return out, nil
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' || p[i] == '\\' {
			return p[i+1:]
		}
	}
	return p
}

// mask rasterises the instances: annotation k gets id k+1; where instances
// overlap, the later one wins.
func (ci *cocoImage) mask() (*image.Gray, error) {
	m := image.NewGray(image.Rect(0, 0, ci.width, ci.height))
	for k, seg := range ci.segs {
		id := uint8(k + 1)
		seg = bytes.TrimSpace(seg)
		switch {
		case len(seg) > 0 && seg[0] == '[':
			var polys [][]float64
			if err := json.Unmarshal(seg, &polys); err != nil {
				return nil, fmt.Errorf("annotation %d: polygon segmentation: %v", k+1, err)
			}
			if err := fillPolygons(m, polys, id); err != nil {
				return nil, fmt.Errorf("annotation %d: %w", k+1, err)
			}
		case len(seg) > 0 && seg[0] == '{':
			if err := fillRLE(m, seg, id); err != nil {
				return nil, fmt.Errorf("annotation %d: %w", k+1, err)
			}
		default:
			return nil, fmt.Errorf("annotation %d: segmentation must be a polygon list or an RLE object", k+1)
		}
	}
	return m, nil
}

// fillPolygons sets id at every pixel whose centre lies inside any of the
// polygons (even-odd rule), each given as x0, y0, x1, y1, ... in pixels.
func fillPolygons(m *image.Gray, polys [][]float64, id uint8) error {
	w, h := m.Rect.Dx(), m.Rect.Dy()
	for _, p := range polys {
		if len(p) < 6 || len(p)%2 != 0 {
			return fmt.Errorf("polygon with %d coordinates: want an even number, at least 6", len(p))
		}
		for _, v := range p {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("polygon coordinate %v is not finite", v)
			}
		}
		n := len(p) / 2
		var xs []float64
		for y := range h {
			cy := float64(y) + 0.5
			xs = xs[:0]
			for i := range n {
				x0, y0 := p[2*i], p[2*i+1]
				x1, y1 := p[2*((i+1)%n)], p[2*((i+1)%n)+1]
				if (y0 <= cy) != (y1 <= cy) {
					xs = append(xs, x0+(cy-y0)*(x1-x0)/(y1-y0))
				}
			}
			sort.Float64s(xs)
			for i := 0; i+1 < len(xs); i += 2 {
				// Pixels whose centre x+0.5 lies in [xs[i], xs[i+1]).
				a := max(int(math.Ceil(xs[i]-0.5)), 0)
				b := min(int(math.Ceil(xs[i+1]-0.5)), w)
				for x := a; x < b; x++ {
					m.Pix[y*m.Stride+x] = id
				}
			}
		}
	}
	return nil
}

// fillRLE sets id where a COCO run-length encoding is 1. Counts run down
// columns (column-major), alternating 0s and 1s, starting with 0s; they are
// a list of integers or pycocotools' compressed string.
func fillRLE(m *image.Gray, raw json.RawMessage, id uint8) error {
	var rle struct {
		Size   []int           `json:"size"`
		Counts json.RawMessage `json:"counts"`
	}
	if err := json.Unmarshal(raw, &rle); err != nil {
		return fmt.Errorf("RLE segmentation: %v", err)
	}
	w, h := m.Rect.Dx(), m.Rect.Dy()
	if len(rle.Size) != 2 || rle.Size[0] != h || rle.Size[1] != w {
		return fmt.Errorf("RLE size %v does not match the image's [%d %d] (height, width)", rle.Size, h, w)
	}
	var counts []int64
	if c := bytes.TrimSpace(rle.Counts); len(c) > 0 && c[0] == '"' {
		var s string
		if err := json.Unmarshal(c, &s); err != nil {
			return fmt.Errorf("RLE counts: %v", err)
		}
		var err error
		if counts, err = decodeRLEString(s); err != nil {
			return err
		}
	} else if err := json.Unmarshal(c, &counts); err != nil {
		return fmt.Errorf("RLE counts: want a list of integers or a string: %v", err)
	}
	pos, total := int64(0), int64(w)*int64(h)
	for k, c := range counts {
		if c < 0 || pos+c > total {
			return fmt.Errorf("RLE counts run past the %dx%d image at run %d", w, h, k)
		}
		if k%2 == 1 {
			for p := pos; p < pos+c; p++ {
				x, y := int(p/int64(h)), int(p%int64(h))
				m.Pix[y*m.Stride+x] = id
			}
		}
		pos += c
	}
	return nil
}

// decodeRLEString decodes pycocotools' compressed counts: 6-bit groups
// offset by 48, 5 value bits each, bit 5 = more follows, sign from bit 4 of
// the last group; from the third count on, values are deltas from the count
// two before.
func decodeRLEString(s string) ([]int64, error) {
	var counts []int64
	for p := 0; p < len(s); {
		var x int64
		k := 0
		for more := true; more; k++ {
			if p >= len(s) || k > 12 {
				return nil, fmt.Errorf("RLE counts string truncated or malformed at byte %d", p)
			}
			c := int64(s[p]) - 48
			if c < 0 || c > 63 {
				return nil, fmt.Errorf("RLE counts string: byte %q at %d out of range", s[p], p)
			}
			x |= (c & 0x1f) << (5 * k)
			more = c&0x20 != 0
			p++
			if !more && c&0x10 != 0 {
				x |= -1 << (5 * (k + 1))
			}
		}
		if len(counts) > 2 {
			x += counts[len(counts)-2]
		}
		counts = append(counts, x)
	}
	return counts, nil
}
