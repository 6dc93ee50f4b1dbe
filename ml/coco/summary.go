package coco

import "fmt"

// Stats are COCOeval.stats for iouType "segm", in summarize order:
//
//	0 AP     IoU=0.50:0.95 area=all    maxDets=100
//	1 AP50   IoU=0.50      area=all    maxDets=100
//	2 AP75   IoU=0.75      area=all    maxDets=100
//	3 APs    IoU=0.50:0.95 area=small  maxDets=100
//	4 APm    IoU=0.50:0.95 area=medium maxDets=100
//	5 APl    IoU=0.50:0.95 area=large  maxDets=100
//	6 AR1    IoU=0.50:0.95 area=all    maxDets=1
//	7 AR10   IoU=0.50:0.95 area=all    maxDets=10
//	8 AR100  IoU=0.50:0.95 area=all    maxDets=100
//	9 ARs    IoU=0.50:0.95 area=small  maxDets=100
//	10 ARm   IoU=0.50:0.95 area=medium maxDets=100
//	11 ARl   IoU=0.50:0.95 area=large  maxDets=100
//
// A figure with nothing to average (no ground truth in its range) is -1.
type Stats [12]float64

// StatNames are the short names of Stats, in order; they are also the keys
// of `cgx eval ap --json`.
var StatNames = [12]string{"AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"}

// statSpec is one summarize() call: AP or AR, IoU threshold (-1 for all),
// area label index, detection limit index.
type statSpec struct {
	ap     bool
	iouThr float64
	area   int
	maxDet int
}

var statSpecs = [12]statSpec{
	{true, -1, 0, 2}, {true, .5, 0, 2}, {true, .75, 0, 2},
	{true, -1, 1, 2}, {true, -1, 2, 2}, {true, -1, 3, 2},
	{false, -1, 0, 0}, {false, -1, 0, 1}, {false, -1, 0, 2},
	{false, -1, 1, 2}, {false, -1, 2, 2}, {false, -1, 3, 2},
}

// Lines returns the twelve lines COCOeval.summarize prints, e.g.
// " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.123".
func (s Stats) Lines() []string {
	p := DefaultParams()
	out := make([]string, len(s))
	for i, sp := range statSpecs {
		title, typ := "Average Precision", "(AP)"
		if !sp.ap {
			title, typ = "Average Recall", "(AR)"
		}
		iou := fmt.Sprintf("%0.2f:%0.2f", p.IoUThrs[0], p.IoUThrs[len(p.IoUThrs)-1])
		if sp.iouThr >= 0 {
			iou = fmt.Sprintf("%0.2f", sp.iouThr)
		}
		out[i] = fmt.Sprintf(" %-18s %s @[ IoU=%-9s | area=%6s | maxDets=%3d ] = %0.3f",
			title, typ, iou, p.AreaLbl[sp.area], p.MaxDets[sp.maxDet], s[i])
	}
	return out
}

// summarize is COCOeval.summarize's _summarizeDets: each figure is the mean
// of the defined (> -1) precision or recall values it selects, taken in
// numpy's C order and summed as numpy sums.
func (ev *Evaluation) summarize(p Params) Stats {
	var s Stats
	T, R, K, A, M := ev.dims[0], ev.dims[1], ev.dims[2], ev.dims[3], ev.dims[4]
	for i, sp := range statSpecs {
		ts := make([]int, 0, T)
		for t, thr := range p.IoUThrs {
			// np.where(iouThr == p.iouThrs): exact float comparison
			if sp.iouThr < 0 || thr == sp.iouThr {
				ts = append(ts, t)
			}
		}
		var vals []float64
		a, m := sp.area, sp.maxDet
		for _, t := range ts {
			if sp.ap {
				for r := 0; r < R; r++ {
					for k := 0; k < K; k++ {
						if v := ev.precision[(((t*R+r)*K+k)*A+a)*M+m]; v > -1 {
							vals = append(vals, v)
						}
					}
				}
			} else {
				for k := 0; k < K; k++ {
					if v := ev.recall[((t*K+k)*A+a)*M+m]; v > -1 {
						vals = append(vals, v)
					}
				}
			}
		}
		if len(vals) == 0 {
			s[i] = -1
			continue
		}
		s[i] = (0 + pairwiseSum(vals)) / float64(len(vals))
	}
	return s
}

// pairwiseSum adds xs as numpy's pairwise_sum for float64 does (the inner
// loop of np.add.reduce over a contiguous array): fewer than 8 values are
// added in order; up to 128 are added in 8 interleaved partial sums combined
// as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder in order; longer
// arrays are split at a multiple of 8 near the middle and the halves summed
// recursively.
func pairwiseSum(xs []float64) float64 {
	n := len(xs)
	switch {
	case n < 8:
		res := 0.0
		for _, x := range xs {
			res += x
		}
		return res
	case n <= 128:
		var r [8]float64
		copy(r[:], xs[:8])
		i := 8
		for ; i < n-n%8; i += 8 {
			for j := range r {
				r[j] += xs[i+j]
			}
		}
		res := ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
		for ; i < n; i++ {
			res += xs[i]
		}
		return res
	default:
		n2 := n / 2
		n2 -= n2 % 8
		return pairwiseSum(xs[:n2]) + pairwiseSum(xs[n2:])
	}
}
