package coco

import (
	"errors"
	"fmt"
	"math"
	"testing"
)

// Hand-computed AP vectors. Each case explains how pycocotools arrives at
// its figures. Precision at a true positive is tp/(tp+fp+eps) with
// eps = 2.2e-16, so a "1" is 1-2e-16; the comparisons allow 1e-12. The bit
// level is covered by TestGoldenStats.
//
// Notation: per IoU threshold t, detections in score order give cumulative
// tp and fp; rc = tp/#gt, pr = tp/(tp+fp); pr is made non-increasing from
// the right; the precision at recall point r is pr at the first detection
// whose rc >= r, or 0 past the last one. AP_t is the mean over the 101
// points, AP the mean over the ten t.

const (
	imgH, imgW = 100, 100
	none       = -1.0 // a figure with no ground truth in its range
)

// scene builds ground truth and results on 100x100 images.
type scene struct {
	ds      Dataset
	results []Result
	nextAnn int64
}

func newScene(imageIDs ...int64) *scene {
	s := &scene{nextAnn: 1}
	for _, id := range imageIDs {
		s.ds.Images = append(s.ds.Images, Image{ID: id, Width: imgW, Height: imgH})
	}
	s.ds.Categories = []Category{{ID: 1, Name: "product"}}
	return s
}

// gt adds a ground truth rectangle [x0,x1)x[y0,y1) whose area field is its
// pixel area.
func (s *scene) gt(img int64, x0, y0, x1, y1 int, crowd bool) {
	r, _ := Encode(rectMask(imgH, imgW, x0, y0, x1, y1))
	s.ds.Annotations = append(s.ds.Annotations, Annotation{
		ID: s.nextAnn, ImageID: img, CategoryID: 1, Segmentation: SegmentationOf(r),
		Area: float64(r.Area()), Bbox: r.Bbox(), IsCrowd: b2i(crowd),
	})
	s.nextAnn++
}

// dt adds a detection rectangle with a score.
func (s *scene) dt(img int64, x0, y0, x1, y1 int, score float64) {
	res, _ := NewResult(img, 1, rectMask(imgH, imgW, x0, y0, x1, y1), score)
	s.results = append(s.results, res)
}

func checkStats(t *testing.T, got, want Stats) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("%s = %.15g, want %.15g", StatNames[i], got[i], want[i])
		}
	}
}

func TestHandVectors(t *testing.T) {
	tests := []struct {
		name  string
		build func() *scene
		want  Stats
	}{
		{
			// One small object (20x20 = 400 px <= 32^2) found exactly: every
			// threshold has tp=1 at the first detection, so AP = AR = 1 in
			// "all" and "small". Medium and large have no ground truth: -1.
			name: "perfect",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 10, 10, 30, 30, false)
				s.dt(1, 10, 10, 30, 30, 0.9)
				return s
			},
			want: Stats{1, 1, 1, 1, none, none, 1, 1, 1, 1, none, none},
		},
		{
			// No detections at all (pycocotools itself raises IndexError on
			// an empty results list): the image still has ground truth, so
			// nd=0 gives precision 0 at every recall point and recall 0.
			name: "no detections",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 10, 10, 30, 30, false)
				return s
			},
			want: Stats{0, 0, 0, 0, none, none, 0, 0, 0, 0, none, none},
		},
		{
			// Images without any ground truth: whatever is detected, no
			// category has a non-ignored ground truth object, so every
			// figure is -1.
			name: "empty images",
			build: func() *scene {
				s := newScene(1, 2)
				s.dt(1, 10, 10, 30, 30, 0.9)
				s.dt(2, 0, 0, 50, 50, 0.8)
				return s
			},
			want: Stats{none, none, none, none, none, none, none, none, none, none, none, none},
		},
		{
			// Only a crowd region: crowd ground truth is ignored, so again
			// nothing counts and every figure is -1.
			name: "only crowd",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 60, 60, true)
				s.dt(1, 10, 10, 30, 30, 0.9)
				return s
			},
			want: Stats{none, none, none, none, none, none, none, none, none, none, none, none},
		},
		{
			// Ties within an image keep file order (stable sort). Two medium
			// objects A, B (40x40 = 1600 px); three detections all scored 0.5,
			// in file order: a false positive, A, B. Sequence FP, TP, TP:
			// tp = 0,1,2; fp = 1,1,1; pr = 0, 1/2, 2/3 -> non-increasing
			// 2/3, 2/3, 2/3. Every recall point maps to 2/3: AP = 2/3 at
			// every threshold. Recall reaches 1.
			name: "ties keep file order",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 40, 40, false)
				s.gt(1, 50, 50, 90, 90, false)
				s.dt(1, 45, 0, 55, 10, 0.5) // FP, small
				s.dt(1, 0, 0, 40, 40, 0.5)
				s.dt(1, 50, 50, 90, 90, 0.5)
				return s
			},
			// APs: the FP is small and unmatched, the objects are medium and
			// ignored in "small", so the small range has no ground truth: -1.
			// APm: the FP (small) is outside the medium range and ignored,
			// leaving TP, TP: AP = 1.
			// AR1 keeps only the first detection per image, the FP: 0.
			want: Stats{2.0 / 3, 2.0 / 3, 2.0 / 3, none, 1, none, 0, 1, 1, none, 1, none},
		},
		{
			// The same detections with the false positive last: TP, TP, FP
			// gives pr = 1, 1, 2/3 with rc = 1/2, 1, 1, so every recall point
			// finds pr = 1: AP = 1. AR1 = 1/2 (one detection per image).
			name: "ties, false positive last",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 40, 40, false)
				s.gt(1, 50, 50, 90, 90, false)
				s.dt(1, 0, 0, 40, 40, 0.5)
				s.dt(1, 50, 50, 90, 90, 0.5)
				s.dt(1, 45, 0, 55, 10, 0.5)
				return s
			},
			want: Stats{1, 1, 1, none, 1, none, 0.5, 1, 1, none, 1, none},
		},
		{
			// Ties across images follow image id order, not file order: the
			// true positive (image 20) comes first in the file, the false
			// positive (image 10) second, both scored 0.5. Detections are
			// concatenated image by image in id order, then stably sorted:
			// FP, TP -> pr = 0, 1/2 -> 1/2, 1/2: AP = 1/2.
			name: "ties across images",
			build: func() *scene {
				s := newScene(10, 20)
				s.gt(20, 0, 0, 40, 40, false)
				s.dt(20, 0, 0, 40, 40, 0.5)
				s.dt(10, 0, 0, 40, 40, 0.5)
				return s
			},
			want: Stats{0.5, 0.5, 0.5, none, 0.5, none, 1, 1, 1, none, 1, none},
		},
		{
			// Crowd regions. Object A (30x30 = 900 px, small) and a crowd
			// region C = [50,100)x[50,100). Detections by score:
			//   d1 0.95: 10x10 half inside C (columns 45-54): IoU with a crowd
			//            is |d∩C|/|d| = 50/100 = 0.5 exactly;
			//   d2 0.90: 10x10 inside C: IoU 1 -> ignored at every threshold;
			//   d3 0.80: A exactly -> TP;
			//   d4 0.70: 5x5 false positive elsewhere.
			// t = 0.50: d1 matches C (0.5 >= 0.5) and is ignored; d2 ignored;
			// TP then FP: pr = 1, 1/2 with rc = 1, 1 -> AP = 1.
			// t >= 0.55 (nine thresholds): d1 is a FP, d2 ignored, d3 TP, d4
			// FP: rc = 0, 0, 1, 1; pr = 0, 0, 1/2, 1/3 -> 1/2, 1/2, 1/2, 1/3;
			// every recall point maps to 1/2 -> AP = 1/2.
			// AP = (1 + 9/2)/10 = 0.55, AP50 = 1, AP75 = 0.5; small: the
			// same (all detections are small). AR1: only d1 counts, recall 0.
			name: "crowd regions",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 30, 30, false)
				s.gt(1, 50, 50, 100, 100, true)
				s.dt(1, 45, 60, 55, 70, 0.95)
				s.dt(1, 60, 60, 70, 70, 0.90)
				s.dt(1, 0, 0, 30, 30, 0.80)
				s.dt(1, 35, 0, 40, 5, 0.70)
				return s
			},
			want: Stats{0.55, 1, 0.5, 0.55, none, none, 0, 1, 1, 1, none, none},
		},
		{
			// More than 100 detections on one image: after the stable sort by
			// score only the first 100 are kept. 100 false positives scored
			// 0.9 push the true positive (0.5) out, so nothing is found.
			name: "over 100 detections, true positive cut",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 40, 40, false)
				for i := 0; i < 100; i++ {
					x, y := 45+(i%10)*5, (i/10)*10
					s.dt(1, x, y, x+2, y+2, 0.9)
				}
				s.dt(1, 0, 0, 40, 40, 0.5)
				return s
			},
			// the FPs are small and unmatched: in "medium" they are ignored
			// and nothing else is left, so APm = 0 too (nd = 0 with gt > 0)
			want: Stats{0, 0, 0, none, 0, none, 0, 0, 0, none, 0, none},
		},
		{
			// The same 101 detections with the true positive scored 0.95:
			// it is first, recall 1 at precision 1, so AP = 1; the 100 FPs
			// only come after full recall. AR1 = 1.
			name: "over 100 detections, true positive first",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 40, 40, false)
				for i := 0; i < 100; i++ {
					x, y := 45+(i%10)*5, (i/10)*10
					s.dt(1, x, y, x+2, y+2, 0.9)
				}
				s.dt(1, 0, 0, 40, 40, 0.95)
				return s
			},
			want: Stats{1, 1, 1, none, 1, none, 1, 1, 1, none, 1, none},
		},
		{
			// Greedy matching in score order. One object (10x10 at the
			// origin, small). d1 (0.9) covers 6 of its 10 columns: IoU 0.6;
			// d2 (0.8) is exact: IoU 1.
			// t <= 0.60 (three thresholds): d1 takes the object, d2 is a
			// duplicate FP: TP, FP -> AP = 1.
			// t >= 0.65 (seven): d1 fails, d2 matches: FP, TP -> pr 0, 1/2
			// -> 1/2, 1/2 -> AP = 1/2.
			// AP = (3 + 7/2)/10 = 0.65; AP50 = 1; AP75 = 0.5. AR100 = 1; AR1
			// sees only d1: recall 1 for three thresholds, 0 for seven: 0.3.
			name: "greedy matching",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 10, 10, false)
				s.dt(1, 0, 0, 6, 10, 0.9)
				s.dt(1, 0, 0, 10, 10, 0.8)
				return s
			},
			want: Stats{0.65, 1, 0.5, 0.65, none, none, 0.3, 1, 1, 1, none, none},
		},
		{
			// Recall point 0.35 is 0.35000000000000003 in numpy's linspace.
			// 20 small objects, the first 7 found exactly: recall ends at
			// 7/20 = 0.35 (the double just below 0.35), which reaches recall
			// points 0.00 .. 0.34 (35 points) but not the 36th. AP = 35/101
			// at every threshold; with exact decimals it would be 36/101.
			// AR = 0.35; AR1 = 1/20.
			name: "recall point 0.35",
			build: func() *scene {
				s := newScene(1)
				for i := 0; i < 20; i++ {
					x, y := (i%5)*20, (i/5)*20
					s.gt(1, x, y, x+10, y+10, false)
				}
				for i := 0; i < 7; i++ {
					x, y := (i%5)*20, (i/5)*20
					s.dt(1, x, y, x+10, y+10, 1-float64(i)/100)
				}
				return s
			},
			want: Stats{35.0 / 101, 35.0 / 101, 35.0 / 101, 35.0 / 101, none, none, 0.05, 0.35, 0.35, 0.35, none, none},
		},
		{
			// IoU exactly 0.75: object 20x10 (200 px), detection its left
			// 15 columns (150 px): IoU 150/200 = 0.75 exactly. Matched for t = .50 ... .75 (six
			// thresholds, AP_t = 1), missed above (AP_t = 0): AP = 0.6,
			// AP50 = AP75 = 1, AR = 0.6.
			name: "IoU exactly at a threshold",
			build: func() *scene {
				s := newScene(1)
				s.gt(1, 0, 0, 20, 10, false)
				s.dt(1, 0, 0, 15, 10, 0.9)
				return s
			},
			want: Stats{0.6, 1, 1, 0.6, none, none, 0.6, 0.6, 0.6, 0.6, none, none},
		},
		{
			// Annotation ids from 1: pycocotools records a match as the
			// ground truth id and tests it for non-zero, so a ground truth
			// with id 0 matched exactly still counts as a false positive
			// (and, being matched, cannot be found by anything else).
			name: "ground truth id 0",
			build: func() *scene {
				s := newScene(1)
				s.nextAnn = 0
				s.gt(1, 0, 0, 20, 20, false)
				s.dt(1, 0, 0, 20, 20, 0.9)
				return s
			},
			want: Stats{0, 0, 0, 0, none, none, 0, 0, 0, 0, none, none},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.build()
			ev, err := Evaluate(&s.ds, s.results)
			if err != nil {
				t.Fatal(err)
			}
			checkStats(t, ev.Stats, tc.want)
		})
	}
}

// TestCategoriesWithoutGroundTruth: the ground truth lists categories 1 and
// 2 but only category 1 has objects. A false positive in category 2 leaves
// category 2 at -1, excluded from the mean, so AP stays 1; a result in
// category 3 (not in the ground truth) is ignored altogether.
func TestCategoriesWithoutGroundTruth(t *testing.T) {
	s := newScene(1)
	s.ds.Categories = append(s.ds.Categories, Category{ID: 2, Name: "other"})
	s.gt(1, 0, 0, 40, 40, false)
	s.dt(1, 0, 0, 40, 40, 0.9)
	for _, cat := range []int64{2, 3} {
		res, _ := NewResult(1, cat, rectMask(imgH, imgW, 50, 50, 90, 90), 0.99)
		s.results = append(s.results, res)
	}
	ev, err := Evaluate(&s.ds, s.results)
	if err != nil {
		t.Fatal(err)
	}
	checkStats(t, ev.Stats, Stats{1, 1, 1, none, 1, none, 1, 1, 1, none, 1, none})
	if ev.Categories != 2 || ev.Detections != 2 {
		t.Errorf("categories %d detections %d, want 2 and 2", ev.Categories, ev.Detections)
	}
}

// TestBoxAreaQuirk: when the first result carries a bbox, loadRes takes
// every result's area from its box. A small false positive (10x10) scored
// above a small true positive then counts in the small range without a box
// (APs = 1/2: FP, TP) but is ignored there when its box says 50x50 = 2500,
// a medium area (APs = 1).
func TestBoxAreaQuirk(t *testing.T) {
	for _, withBox := range []bool{false, true} {
		t.Run(fmt.Sprintf("bbox=%v", withBox), func(t *testing.T) {
			s := newScene(1)
			s.gt(1, 0, 0, 20, 20, false)
			s.dt(1, 50, 50, 60, 60, 0.9)
			s.dt(1, 0, 0, 20, 20, 0.5)
			wantAPs := 0.5
			if withBox {
				s.results[0].Bbox = []float64{50, 50, 50, 50}
				s.results[1].Bbox = []float64{0, 0, 20, 20}
				wantAPs = 1
			}
			ev, err := Evaluate(&s.ds, s.results)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(ev.Stats[3]-wantAPs) > 1e-12 {
				t.Errorf("APs = %v, want %v", ev.Stats[3], wantAPs)
			}
		})
	}
}

func TestEvaluateErrors(t *testing.T) {
	s := newScene(1)
	s.gt(1, 0, 0, 20, 20, false)
	s.dt(7, 0, 0, 20, 20, 0.9)
	if _, err := Evaluate(&s.ds, s.results); !errors.Is(err, ErrUnknownImage) {
		t.Errorf("result on image 7: %v, want ErrUnknownImage", err)
	}
	s = newScene(1)
	s.gt(1, 0, 0, 20, 20, false)
	s.results = []Result{{ImageID: 1, CategoryID: 1, Segmentation: Segmentation{Polygons: [][]float64{{0, 0, 5, 0, 5, 5}}}, Score: 1}}
	if _, err := Evaluate(&s.ds, s.results); !errors.Is(err, ErrBadResults) {
		t.Errorf("polygon result: %v, want ErrBadResults", err)
	}
}

func TestStatsLines(t *testing.T) {
	lines := Stats{0.5, 1, 0.25, -1, 0.123456, 1, 0, 0, 0, 0, 0, 0}.Lines()
	want := []string{
		" Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500",
		" Average Precision  (AP) @[ IoU=0.50      | area=   all | maxDets=100 ] = 1.000",
		" Average Precision  (AP) @[ IoU=0.75      | area=   all | maxDets=100 ] = 0.250",
		" Average Precision  (AP) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = -1.000",
		" Average Precision  (AP) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.123",
		" Average Precision  (AP) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 1.000",
		" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=  1 ] = 0.000",
		" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets= 10 ] = 0.000",
		" Average Recall     (AR) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.000",
		" Average Recall     (AR) @[ IoU=0.50:0.95 | area= small | maxDets=100 ] = 0.000",
		" Average Recall     (AR) @[ IoU=0.50:0.95 | area=medium | maxDets=100 ] = 0.000",
		" Average Recall     (AR) @[ IoU=0.50:0.95 | area= large | maxDets=100 ] = 0.000",
	}
	for i := range want {
		if lines[i] != want[i] {
			t.Errorf("line %d:\n got %q\nwant %q", i, lines[i], want[i])
		}
	}
}

func TestLinspaceMatchesNumpy(t *testing.T) {
	p := DefaultParams()
	// values printed by numpy 1.24 for np.linspace(.5, .95, 10) and
	// np.linspace(0, 1, 101)
	if p.IoUThrs[5] != 0.75 || p.IoUThrs[8] != 0.8999999999999999 {
		t.Errorf("iou thresholds %v", p.IoUThrs)
	}
	if p.RecThrs[35] != 0.35000000000000003 || p.RecThrs[70] != 0.7000000000000001 || p.RecThrs[100] != 1 {
		t.Errorf("recall thresholds %v", p.RecThrs)
	}
}
