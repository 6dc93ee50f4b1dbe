package seg

import (
	"fmt"

	"github.com/cgx-dev/cgx/ml/coco"
)

// Instance is one predicted object: its mask and its score, the mean
// foreground probability over its pixels.
type Instance struct {
	Mask  coco.Mask
	Score float64
}

// extract turns one image's foreground and interior probability maps (h x w,
// row-major) into instances:
//
//  1. seeds are the 4-connected components of the pixels whose interior and
//     foreground probabilities both exceed their thresholds, numbered in
//     raster order of their first pixel;
//  2. the seeds grow back over the foreground pixels by a breadth-first
//     search from all seed pixels at once (queue seeded in raster order,
//     neighbours visited up, left, right, down), so each foreground pixel
//     joins the seed that reaches it first;
//  3. foreground components no seed reached become instances of their own,
//     numbered after the seeds in raster order;
//  4. instances smaller than MinArea are dropped; each remaining one is
//     scored by its mean foreground probability.
//
// Every step is a fixed sequential order, so the result depends only on the
// maps.
func extract(fg, interior []float32, h, w int, cfg Config) []Instance {
	n := h * w
	fgTh, inTh := float32(cfg.ForegroundThreshold), float32(cfg.InteriorThreshold)
	label := make([]int32, n) // 0 unassigned, k > 0 instance k
	queue := make([]int, 0, n)
	var next int32
	// 1. seeds
	for p := 0; p < n; p++ {
		if label[p] != 0 || !(interior[p] > inTh && fg[p] > fgTh) {
			continue
		}
		next++
		queue = flood(queue[:0], label, p, next, w, h, func(q int) bool { return interior[q] > inTh && fg[q] > fgTh })
	}
	// 2. grow all seeds at once over the foreground
	queue = queue[:0]
	for p := 0; p < n; p++ {
		if label[p] != 0 {
			queue = append(queue, p)
		}
	}
	for i := 0; i < len(queue); i++ {
		p := queue[i]
		for _, q := range neighbours(p, w, h) {
			if q >= 0 && label[q] == 0 && fg[q] > fgTh {
				label[q] = label[p]
				queue = append(queue, q)
			}
		}
	}
	// 3. unseeded foreground components
	for p := 0; p < n; p++ {
		if label[p] == 0 && fg[p] > fgTh {
			next++
			queue = flood(queue[:0], label, p, next, w, h, func(q int) bool { return fg[q] > fgTh })
		}
	}
	// 4. masks and scores
	area := make([]int, next+1)
	sum := make([]float64, next+1)
	for p, l := range label {
		if l > 0 {
			area[l]++
			sum[l] += float64(fg[p])
		}
	}
	var out []Instance
	index := make([]int, next+1)
	for l := int32(1); l <= next; l++ {
		index[l] = -1
		if area[l] >= cfg.MinArea {
			index[l] = len(out)
			out = append(out, Instance{Mask: coco.NewMask(h, w), Score: sum[l] / float64(area[l])})
		}
	}
	for p, l := range label {
		if l > 0 && index[l] >= 0 {
			out[index[l]].Mask.Pix[p] = true
		}
	}
	return out
}

// flood labels the 4-connected component of start whose pixels satisfy in,
// using queue as scratch, and returns the queue for reuse.
func flood(queue []int, label []int32, start int, id int32, w, h int, in func(int) bool) []int {
	label[start] = id
	queue = append(queue, start)
	for i := 0; i < len(queue); i++ {
		for _, q := range neighbours(queue[i], w, h) {
			if q >= 0 && label[q] == 0 && in(q) {
				label[q] = id
				queue = append(queue, q)
			}
		}
	}
	return queue
}

// neighbours returns the 4-neighbours of pixel p (up, left, right, down),
// -1 where outside the image.
func neighbours(p, w, h int) [4]int {
	x, y := p%w, p/w
	nb := [4]int{-1, -1, -1, -1}
	if y > 0 {
		nb[0] = p - w
	}
	if x > 0 {
		nb[1] = p - 1
	}
	if x+1 < w {
		nb[2] = p + 1
	}
	if y+1 < h {
		nb[3] = p + w
	}
	return nb
}

// Results converts predicted instances to COCO results: the instances of
// image i get image id imageIDs[i], category CategoryID, a compressed RLE
// mask and their score, in the order given.
func Results(imageIDs []int64, instances [][]Instance) ([]coco.Result, error) {
	if len(imageIDs) != len(instances) {
		return nil, fmt.Errorf("coco results: %w: %d image ids for %d images", ErrInput, len(imageIDs), len(instances))
	}
	var out []coco.Result
	for i, insts := range instances {
		for _, in := range insts {
			r, err := coco.NewResult(imageIDs[i], CategoryID, in.Mask, in.Score)
			if err != nil {
				return nil, fmt.Errorf("coco results: image %d: %w", imageIDs[i], err)
			}
			out = append(out, r)
		}
	}
	return out, nil
}
