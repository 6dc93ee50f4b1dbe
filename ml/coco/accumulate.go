package coco

import (
	"cmp"
	"slices"
)

// eps is numpy's np.spacing(1), added to precision denominators.
const eps = 2.220446049250313e-16

// accumulate is COCOeval.evaluate's per-image loop followed by
// COCOeval.accumulate: precision at each recall point and final recall for
// every IoU threshold, category, area range and detection limit.
func (ev *Evaluation) accumulate(p Params, cells []cell, nImg, nCat int) {
	T, R, K, A, M := len(p.IoUThrs), len(p.RecThrs), nCat, len(p.AreaRng), len(p.MaxDets)
	ev.dims = [5]int{T, R, K, A, M}
	ev.precision = make([]float64, T*R*K*A*M)
	ev.recall = make([]float64, T*K*A*M)
	for i := range ev.precision {
		ev.precision[i] = -1
	}
	for i := range ev.recall {
		ev.recall[i] = -1
	}
	for k := 0; k < K; k++ {
		for a, rng := range p.AreaRng {
			// evalImgs for this category and range, images in id order,
			// dropping cells with neither ground truth nor detections
			var E []*imgEval
			for i := 0; i < nImg; i++ {
				if e := evaluateImg(&cells[i*nCat+k], p.IoUThrs, rng); e != nil {
					E = append(E, e)
				}
			}
			if len(E) == 0 {
				continue
			}
			for m, maxDet := range p.MaxDets {
				ev.accumulateOne(p, E, maxDet, k, a, m)
			}
		}
	}
}

// accumulateOne fills precision[:, :, k, a, m] and recall[:, k, a, m].
func (ev *Evaluation) accumulateOne(p Params, E []*imgEval, maxDet, k, a, m int) {
	T, R, K, A, M := ev.dims[0], ev.dims[1], ev.dims[2], ev.dims[3], ev.dims[4]
	type det struct {
		score   float64
		img, ix int
	}
	var dets []det
	npig := 0
	for i, e := range E {
		for d := 0; d < len(e.scores) && d < maxDet; d++ {
			dets = append(dets, det{e.scores[d], i, d})
		}
		for _, ig := range e.gtIgnore {
			if !ig {
				npig++
			}
		}
	}
	if npig == 0 {
		return
	}
	// np.argsort(-dtScores, kind='mergesort'): stable, highest score first
	slices.SortStableFunc(dets, func(x, y det) int { return cmp.Compare(y.score, x.score) })
	nd := len(dets)
	rc := make([]float64, nd)
	pr := make([]float64, nd)
	for t := 0; t < T; t++ {
		var tp, fp float64
		for j, d := range dets {
			e := E[d.img]
			if !e.dtIgnore[t][d.ix] {
				if e.matched[t][d.ix] {
					tp++
				} else {
					fp++
				}
			}
			rc[j] = tp / float64(npig)
			pr[j] = tp / (fp + tp + eps)
		}
		rec := 0.0
		if nd > 0 {
			rec = rc[nd-1]
		}
		ev.recall[((t*K+k)*A+a)*M+m] = rec
		// make precision monotonically non-increasing (interpolated)
		for i := nd - 1; i > 0; i-- {
			if pr[i] > pr[i-1] {
				pr[i-1] = pr[i]
			}
		}
		for r, thr := range p.RecThrs {
			// np.searchsorted(rc, thr, side='left')
			pi, _ := slices.BinarySearchFunc(rc, thr, func(x, y float64) int {
				if x < y {
					return -1
				}
				return 1
			})
			if pi >= nd {
				// pycocotools stops at the first recall point beyond
				// the reached recall; the rest stay 0
				for ; r < R; r++ {
					ev.precision[(((t*R+r)*K+k)*A+a)*M+m] = 0
				}
				break
			}
			ev.precision[(((t*R+r)*K+k)*A+a)*M+m] = pr[pi]
		}
	}
}
