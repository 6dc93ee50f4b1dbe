package coco

import (
	"cmp"
	"fmt"
	"slices"
)

// Evaluation is the outcome of Evaluate: the summary Stats and what they
// were computed over.
type Evaluation struct {
	Stats Stats
	// Images and Categories count the image and category ids evaluated
	// (those of the ground truth).
	Images, Categories int
	// Detections counts the results evaluated (those whose category is a
	// ground truth category); DetectionsKept counts those left after keeping
	// the 100 best per image and category.
	Detections, DetectionsKept int
	// GroundTruth counts the annotations evaluated; Crowd how many of them
	// are crowd regions.
	GroundTruth, Crowd int

	precision []float64 // [T][R][K][A][M], -1 where undefined
	recall    []float64 // [T][K][A][M]
	dims      [5]int    // T, R, K, A, M
}

// gtObj and dtObj are one (image, category) cell's annotations and
// detections, in file order.
type gtObj struct {
	id    int64
	rle   RLE
	area  float64
	crowd bool
}

type dtObj struct {
	id    int64
	rle   RLE
	area  float64
	score float64
}

// cell holds what COCOeval keeps per (image, category): the ground truth, the
// detections sorted by score (stable) and cut to the largest maxDets, and
// their IoUs ious[d][g].
type cell struct {
	gts  []gtObj
	dts  []dtObj
	ious [][]float64
}

// Evaluate scores results against gt as pycocotools does with
// COCOeval(gt, gt.loadRes(results), "segm"): evaluate(), accumulate(),
// summarize(). Every result's image must be a ground truth image
// (ErrUnknownImage); results whose category is not a ground truth category
// are ignored, as are annotations whose image or category is not listed.
func Evaluate(gt *Dataset, results []Result) (*Evaluation, error) {
	p := DefaultParams()
	imgIDs := make([]int64, 0, len(gt.Images))
	imgSize := make(map[int64][2]int, len(gt.Images))
	for _, im := range gt.Images {
		imgIDs = append(imgIDs, im.ID)
		imgSize[im.ID] = [2]int{im.Height, im.Width}
	}
	slices.Sort(imgIDs)
	imgIDs = slices.Compact(imgIDs)
	catIDs := make([]int64, 0, len(gt.Categories))
	for _, c := range gt.Categories {
		catIDs = append(catIDs, c.ID)
	}
	slices.Sort(catIDs)
	catIDs = slices.Compact(catIDs)
	imgIdx := indexOf(imgIDs)
	catIdx := indexOf(catIDs)

	ev := &Evaluation{Images: len(imgIDs), Categories: len(catIDs)}
	cells := make([]cell, len(imgIDs)*len(catIDs)) // [image][category]
	for _, a := range gt.Annotations {
		i, okI := imgIdx[a.ImageID]
		k, okK := catIdx[a.CategoryID]
		if !okI || !okK {
			continue
		}
		sz := imgSize[a.ImageID]
		r, err := a.Segmentation.ToRLE(sz[0], sz[1])
		if err != nil {
			return nil, fmt.Errorf("evaluate: ground truth annotation id %d: %w", a.ID, err)
		}
		c := &cells[i*len(catIDs)+k]
		c.gts = append(c.gts, gtObj{id: a.ID, rle: r, area: a.Area, crowd: a.IsCrowd != 0})
		ev.GroundTruth++
		if a.IsCrowd != 0 {
			ev.Crowd++
		}
	}
	boxArea := len(results) > 0 && len(results[0].Bbox) > 0
	for n, res := range results {
		i, ok := imgIdx[res.ImageID]
		if !ok {
			return nil, fmt.Errorf("evaluate: result %d: %w: image_id %d", n, ErrUnknownImage, res.ImageID)
		}
		k, ok := catIdx[res.CategoryID]
		if !ok {
			continue
		}
		d, err := detection(res, n, boxArea, imgSize[res.ImageID])
		if err != nil {
			return nil, fmt.Errorf("evaluate: %w", err)
		}
		c := &cells[i*len(catIDs)+k]
		c.dts = append(c.dts, d)
		ev.Detections++
	}
	maxDet := p.MaxDets[len(p.MaxDets)-1]
	for ci := range cells {
		c := &cells[ci]
		if len(c.gts) == 0 && len(c.dts) == 0 {
			continue
		}
		slices.SortStableFunc(c.dts, func(a, b dtObj) int { return cmp.Compare(b.score, a.score) })
		if len(c.dts) > maxDet {
			c.dts = c.dts[:maxDet]
		}
		ev.DetectionsKept += len(c.dts)
		rles := make([]RLE, len(c.dts))
		for j, d := range c.dts {
			rles[j] = d.rle
		}
		g := make([]RLE, len(c.gts))
		crowd := make([]bool, len(c.gts))
		for j, o := range c.gts {
			g[j], crowd[j] = o.rle, o.crowd
		}
		c.ious = IoU(rles, g, crowd)
	}
	ev.accumulate(p, cells, len(imgIDs), len(catIDs))
	ev.Stats = ev.summarize(p)
	return ev, nil
}

// detection converts result n as loadRes does: id n+1, area from the mask
// (or from the box when the file's first result has one).
func detection(res Result, n int, boxArea bool, size [2]int) (dtObj, error) {
	d := dtObj{id: int64(n) + 1, score: res.Score}
	if boxArea {
		if len(res.Bbox) != 4 {
			return dtObj{}, fmt.Errorf("result %d: %w: the first result has a \"bbox\" so every result needs one of 4 numbers (its area is taken from the box, as pycocotools does)", n, ErrBadResults)
		}
		d.area = res.Bbox[2] * res.Bbox[3]
	} else if res.Segmentation.RLE == nil || res.Segmentation.Uncompressed {
		return dtObj{}, fmt.Errorf("result %d: %w: segmentation must be a compressed RLE (counts as a string)", n, ErrBadResults)
	}
	r, err := res.Segmentation.ToRLE(size[0], size[1])
	if err != nil {
		return dtObj{}, fmt.Errorf("result %d: %w", n, err)
	}
	d.rle = r
	if !boxArea {
		d.area = float64(r.Area())
	}
	return d, nil
}

func indexOf(ids []int64) map[int64]int {
	m := make(map[int64]int, len(ids))
	for i, id := range ids {
		m[id] = i
	}
	return m
}

// imgEval is evaluateImg's result for one image, category and area range:
// the kept detections' scores, and per IoU threshold whether each detection
// matched a ground truth with non-zero id and whether it is ignored.
type imgEval struct {
	scores   []float64
	matched  [][]bool // [T][D]
	dtIgnore [][]bool // [T][D]
	gtIgnore []bool
}

// evaluateImg is COCOeval.evaluateImg for one cell and area range; nil when
// the cell has neither ground truth nor detections.
func evaluateImg(c *cell, thrs []float64, rng [2]float64) *imgEval {
	if len(c.gts) == 0 && len(c.dts) == 0 {
		return nil
	}
	// Ground truth outside the range or crowd is ignored and sorted last
	// (stable), and the IoU columns follow that order.
	ign := make([]bool, len(c.gts))
	for j, g := range c.gts {
		ign[j] = g.crowd || g.area < rng[0] || g.area > rng[1]
	}
	order := make([]int, len(c.gts))
	for j := range order {
		order[j] = j
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(b2i(ign[a]), b2i(ign[b])) })
	gts := make([]gtObj, len(order))
	gtIg := make([]bool, len(order))
	for j, o := range order {
		gts[j], gtIg[j] = c.gts[o], ign[o]
	}
	T, D, G := len(thrs), len(c.dts), len(gts)
	e := &imgEval{scores: make([]float64, D), matched: make([][]bool, T), dtIgnore: make([][]bool, T), gtIgnore: gtIg}
	for d, dt := range c.dts {
		e.scores[d] = dt.score
	}
	outside := make([]bool, D)
	for d, dt := range c.dts {
		outside[d] = dt.area < rng[0] || dt.area > rng[1]
	}
	for t, thr := range thrs {
		gtm := make([]int64, G) // matched detection id, 0 if none
		dtm := make([]int64, D) // matched ground truth id, 0 if none
		dtIg := make([]bool, D)
		if len(c.ious) > 0 {
			for d := range c.dts {
				iou := min(thr, 1-1e-10)
				m := -1
				for g := range gts {
					// a matched regular ground truth is taken; a crowd may
					// absorb any number of detections
					if gtm[g] > 0 && !gts[g].crowd {
						continue
					}
					// once matched to a regular one, ignored ones (sorted
					// last) cannot win
					if m > -1 && !gtIg[m] && gtIg[g] {
						break
					}
					if v := c.ious[d][order[g]]; v >= iou {
						iou, m = v, g
					}
				}
				if m == -1 {
					continue
				}
				dtIg[d] = gtIg[m]
				dtm[d] = gts[m].id
				gtm[m] = c.dts[d].id
			}
		}
		e.matched[t] = make([]bool, D)
		for d := range dtm {
			e.matched[t][d] = dtm[d] != 0
			// unmatched detections outside the area range are ignored
			dtIg[d] = dtIg[d] || (dtm[d] == 0 && outside[d])
		}
		e.dtIgnore[t] = dtIg
	}
	return e
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
