package datasets

import (
	"encoding/json"
	"fmt"
	"image"
	"strings"

	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/internal/jsonpos"
	"github.com/cgx-dev/cgx/ml/coco"
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
// file order (with the annotation ids, for messages), with the declared
// image size.
type cocoImage struct {
	width, height int
	ids           []int64
	segs          []json.RawMessage
}

// parseCOCO reads a COCO instances file into instances per file name (the
// base name of file_name). JSON errors give their line and column.
func parseCOCO(data []byte) (map[string]*cocoImage, error) {
	var f cocoFile
	if err := json.Unmarshal(data, &f); err != nil {
		// jsonErrorAt (scene.go) prefixes the line and column; the cause
		// stays wrapped.
		at := strings.TrimSuffix(jsonpos.ErrorAt(data, err), err.Error())
		return nil, fmt.Errorf("decode COCO JSON: %s%w", at, err)
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
		if len(ci.segs) >= scene.MaxObjects {
			return nil, fmt.Errorf("COCO image %d: more than %d annotations", a.ImageID, scene.MaxObjects)
		}
		ci.ids = append(ci.ids, a.ID)
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

// mask rasterises the instances exactly as pycocotools' annToRLE and
// decode do (ml/coco), so an imported mask is the mask COCO mask AP scores:
// annotation k gets id k+1; where instances overlap, the later one wins.
func (ci *cocoImage) mask() (*image.Gray, error) {
	m := image.NewGray(image.Rect(0, 0, ci.width, ci.height))
	for k, raw := range ci.segs {
		id := uint8(k + 1)
		what := fmt.Sprintf("annotation %d", k+1)
		if k < len(ci.ids) {
			what = fmt.Sprintf("annotation id %d", ci.ids[k])
		}
		var seg coco.Segmentation
		if err := seg.UnmarshalJSON(raw); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if seg.RLE != nil && (seg.RLE.H != ci.height || seg.RLE.W != ci.width) {
			return nil, fmt.Errorf("%s: RLE size [%d %d] does not match the image's [%d %d] (height, width)", what, seg.RLE.H, seg.RLE.W, ci.height, ci.width)
		}
		rle, err := seg.ToRLE(ci.height, ci.width)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		for i, on := range rle.Decode().Pix {
			if on {
				m.Pix[i] = id
			}
		}
	}
	return m, nil
}
