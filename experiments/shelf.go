package experiments

import (
	"fmt"
	"math"
	"sort"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/study"
)

// The content findings the seed reported, scored against the truth cgx
// knows (issue 14 item 6): for exp2, the shelf rule per level on the best
// images of each round; for exp1, whether the trials the discriminator
// calls standing really stand. Run metrics under the round's prefix
// "search/<experiment>/round-<k>/" (docs/DATA.md).
const (
	// exp2: share of the objects on the best images that obey the rule on
	// their level (top: under 1 L and standing; bottom: 1 L or more, lying
	// facing the camera), and its two halves, kind and pose.
	MeasureShelfTop        = "shelf_top"
	MeasureShelfTopKind    = "shelf_top_kind"
	MeasureShelfTopPose    = "shelf_top_pose"
	MeasureShelfBottom     = "shelf_bottom"
	MeasureShelfBottomKind = "shelf_bottom_kind"
	MeasureShelfBottomPose = "shelf_bottom_pose"
	MeasureShelfImages     = "shelf_images" // best images scored
	// exp1: trials whose target confidence reached the threshold (called
	// standing), and the share of them whose bottle axis is within
	// VerticalTolerance degrees of vertical; the share among all trials.
	MeasureCalledStanding   = "called_standing"
	MeasureStandingVertical = "called_standing_vertical"
	MeasureVertical         = "vertical"
)

// Rule tolerances, in degrees: standing is a tilt (rot_x) under
// poseTolerance, lying one over 90 - poseTolerance, facing the camera a
// heading (rot_z) within poseTolerance of 0 (the shelf generator turns
// lying items by at most 5 degrees, random ones by up to 25).
const (
	poseTolerance     = 15.0
	VerticalTolerance = 15.0
)

// bestShare is the share of a round's trials, lowest loss first, whose
// images the shelf rule is scored on (at least minBest).
const (
	bestShare = 0.1
	minBest   = 5
)

// contentTruth records the truth metrics of search round k from the
// round's stored search studies (every sampler and seed).
func (r *runner) contentTruth(round int) error {
	c := r.spec.Content
	var all []study.Result
	for _, s := range r.stages {
		exp, k, ok := keys.ParseSearchStage(s.Name)
		if !ok || exp != c.Experiment || k != round || s.Name == keys.SearchRound(exp, k) || len(s.Studies) != 1 {
			continue
		}
		name, err := r.st.GetStudyNameFromID(s.Studies[0])
		if err != nil {
			return fmt.Errorf("%s: %w", s.Name, err)
		}
		res, err := study.Results(r.st, name)
		if err != nil {
			return err
		}
		all = append(all, res...)
	}
	if len(all) == 0 {
		return nil
	}
	prefix := keys.SearchRound(c.Experiment, round)
	var m map[string]float64
	var err error
	switch c.Experiment {
	case "exp1":
		m, err = exp1Truth(all)
	case "exp2":
		m, err = shelfRule(all)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	for k, v := range m {
		r.metrics[keys.Metric(prefix, k)] = v
	}
	return nil
}

// exp1Truth: of the trials called standing, the share whose bottle axis is
// within VerticalTolerance of vertical. The axis is the bottle's z axis
// after Euler XYZ rotation; its vertical component is cos(rot_x)cos(rot_y)
// whatever the order, so its tilt is acos of that (upside down is 180).
func exp1Truth(res []study.Result) (map[string]float64, error) {
	called, calledVertical, vertical := 0, 0, 0
	for _, t := range res {
		rx, ok1 := t.Params["rot_x"].(float64)
		ry, ok2 := t.Params["rot_y"].(float64)
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("trial %d lacks rot_x/rot_y", t.Slot)
		}
		up := float64(fmath.Cos(rx*math.Pi/180) * fmath.Cos(ry*math.Pi/180))
		isVertical := up >= fmath.Cos(VerticalTolerance*math.Pi/180)
		if isVertical {
			vertical++
		}
		if t.Attrs[keys.TrialSuccess] == "true" {
			called++
			if isVertical {
				calledVertical++
			}
		}
	}
	out := map[string]float64{
		MeasureCalledStanding: float64(called),
		MeasureVertical:       float64(vertical) / float64(len(res)),
	}
	if called > 0 {
		out[MeasureStandingVertical] = float64(calledVertical) / float64(called)
	}
	return out, nil
}

// shelfRule scores the shelf rule per level on the round's best images:
// objects 1..3 are on the top level, 4..6 on the bottom (blender's exp2
// content space).
func shelfRule(res []study.Result) (map[string]float64, error) {
	best := append([]study.Result(nil), res...)
	sort.SliceStable(best, func(i, j int) bool { return best[i].Value < best[j].Value })
	n := min(len(best), max(minBest, int(math.Ceil(float64(len(best))*bestShare))))
	best = best[:n]
	var top, topKind, topPose, bottom, bottomKind, bottomPose, nTop, nBottom int
	for _, t := range best {
		for k := 1; k <= 6; k++ {
			name, _ := t.Params[fmt.Sprintf("o%d_product", k)].(string)
			rx, ok1 := t.Params[fmt.Sprintf("o%d_rot_x", k)].(float64)
			rz, ok2 := t.Params[fmt.Sprintf("o%d_rot_z", k)].(float64)
			p, err := blender.LookupProduct(name)
			if err != nil || !ok1 || !ok2 {
				return nil, fmt.Errorf("trial %d: object %d lacks its product or rotations", t.Slot, k)
			}
			if k <= 3 {
				nTop++
				kind, pose := p.Small(), rx < poseTolerance
				topKind += b2i(kind)
				topPose += b2i(pose)
				top += b2i(kind && pose)
			} else {
				nBottom++
				kind, pose := !p.Small(), rx > 90-poseTolerance && math.Abs(rz) <= poseTolerance
				bottomKind += b2i(kind)
				bottomPose += b2i(pose)
				bottom += b2i(kind && pose)
			}
		}
	}
	share := func(a, n int) float64 { return float64(a) / float64(max(1, n)) }
	return map[string]float64{
		MeasureShelfTop: share(top, nTop), MeasureShelfTopKind: share(topKind, nTop), MeasureShelfTopPose: share(topPose, nTop),
		MeasureShelfBottom: share(bottom, nBottom), MeasureShelfBottomKind: share(bottomKind, nBottom),
		MeasureShelfBottomPose: share(bottomPose, nBottom), MeasureShelfImages: float64(n),
	}, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
