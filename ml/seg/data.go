package seg

import (
	"fmt"
	"slices"

	"github.com/cgx-dev/cgx/ml/coco"
)

// InputChannels is the number of image channels the network reads (RGB).
const InputChannels = 3

// Images is a read-only, indexed set of same-size RGB images; the method set
// is the discriminator's (ml/disc.Images), so one adapter serves both.
type Images interface {
	// Len returns the number of images.
	Len() int
	// Size returns the images' height and width in pixels.
	Size() (height, width int)
	// Load writes image i as 3·height·width float32 values in [0, 1],
	// channel-major (R plane, G plane, B plane; rows top to bottom) into dst,
	// which has exactly that length. It must be safe for concurrent use and
	// give the same values every time.
	Load(i int, dst []float32) error
}

// InstanceMaps is a read-only, indexed set of instance id maps, one per
// image: 0 is background, every other value names one object instance of
// the single class.
type InstanceMaps interface {
	// Len returns the number of maps.
	Len() int
	// Size returns the maps' height and width in pixels.
	Size() (height, width int)
	// Load writes map i as height·width ids, row-major, into dst.
	Load(i int, dst []int32) error
}

// LabelMaps is an in-memory InstanceMaps.
type LabelMaps struct {
	H, W int
	Maps [][]int32 // each H·W, row-major
}

// Len implements InstanceMaps.
func (l *LabelMaps) Len() int { return len(l.Maps) }

// Size implements InstanceMaps.
func (l *LabelMaps) Size() (int, int) { return l.H, l.W }

// Load implements InstanceMaps.
func (l *LabelMaps) Load(i int, dst []int32) error {
	if i < 0 || i >= len(l.Maps) || len(l.Maps[i]) != l.H*l.W || len(dst) != l.H*l.W {
		return fmt.Errorf("load instance map %d: %w: index or size out of range", i, ErrInput)
	}
	copy(dst, l.Maps[i])
	return nil
}

// Pixels is an in-memory Images.
type Pixels struct {
	H, W   int
	Images [][]float32 // each 3·H·W, channel-major, in [0, 1]
}

// Len implements Images.
func (p *Pixels) Len() int { return len(p.Images) }

// Size implements Images.
func (p *Pixels) Size() (int, int) { return p.H, p.W }

// Load implements Images.
func (p *Pixels) Load(i int, dst []float32) error {
	if i < 0 || i >= len(p.Images) || len(p.Images[i]) != InputChannels*p.H*p.W || len(dst) != len(p.Images[i]) {
		return fmt.Errorf("load image %d: %w: index or size out of range", i, ErrInput)
	}
	copy(dst, p.Images[i])
	return nil
}

var (
	_ Images       = (*Pixels)(nil)
	_ InstanceMaps = (*LabelMaps)(nil)
)

// GroundTruth returns the COCO ground truth of maps: image i gets id
// imageIDs[i], each instance id present in its map (in increasing order)
// one annotation of category 1 ("product") with a compressed RLE mask, its
// pixel area and box, iscrowd 0. Annotation ids run from 1.
func GroundTruth(maps InstanceMaps, imageIDs []int64) (*coco.Dataset, error) {
	if maps.Len() != len(imageIDs) {
		return nil, fmt.Errorf("ground truth: %w: %d maps, %d image ids", ErrInput, maps.Len(), len(imageIDs))
	}
	h, w := maps.Size()
	ds := &coco.Dataset{Categories: []coco.Category{{ID: CategoryID, Name: CategoryName}}}
	labels := make([]int32, h*w)
	annID := int64(1)
	for i, id := range imageIDs {
		if err := maps.Load(i, labels); err != nil {
			return nil, fmt.Errorf("ground truth: %w", err)
		}
		ds.Images = append(ds.Images, coco.Image{ID: id, Width: w, Height: h})
		for _, m := range splitLabels(labels, h, w) {
			r, err := coco.Encode(m)
			if err != nil {
				return nil, fmt.Errorf("ground truth: %w", err)
			}
			ds.Annotations = append(ds.Annotations, coco.Annotation{
				ID: annID, ImageID: id, CategoryID: CategoryID, Segmentation: coco.SegmentationOf(r),
				Area: float64(r.Area()), Bbox: r.Bbox(),
			})
			annID++
		}
	}
	return ds, nil
}

// CategoryID and CategoryName name the single class in COCO files.
const (
	CategoryID   = 1
	CategoryName = "product"
)

// splitLabels returns one mask per positive id in labels, ids ascending.
func splitLabels(labels []int32, h, w int) []coco.Mask {
	idx := map[int32]int{}
	var ids []int32
	for _, v := range labels {
		if v > 0 {
			if _, ok := idx[v]; !ok {
				idx[v] = 0
				ids = append(ids, v)
			}
		}
	}
	slices.Sort(ids)
	masks := make([]coco.Mask, len(ids))
	for k, v := range ids {
		idx[v] = k
		masks[k] = coco.NewMask(h, w)
	}
	for p, v := range labels {
		if v > 0 {
			masks[idx[v]].Pix[p] = true
		}
	}
	return masks
}
