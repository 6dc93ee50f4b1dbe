package experiments

import (
	"fmt"
	"math"
	"sort"

	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/study"
)

// The content findings the seed reported, scored against the truth cgx
// knows (issue 14 item 6): for exp2, the shelf rule per level on the best
// images of each round; for exp1, whether the trials the discriminator
// calls standing really stand. Run metrics under the round's prefix
// "search/<experiment>/round-<k>/" (docs/DATA.md); the measure names live in
// internal/keys (these aliases keep older readers compiling).
const (
	MeasureShelfTop         = keys.MeasureShelfTop
	MeasureShelfBottom      = keys.MeasureShelfBottom
	MeasureShelfImages      = keys.MeasureShelfImages
	MeasureCalledStanding   = keys.MeasureCalledStanding
	MeasureStandingVertical = keys.MeasureStandingVertical
)

// Rule tolerances, in degrees: standing is a tilt (rot_x) under
// poseTolerance, lying one over 90 - poseTolerance, facing the camera a
// heading (rot_z) within poseTolerance of 0 (the shelf generator turns
// lying items by at most 5 degrees, random ones by up to 25). exp1's
// bottle stands when its axis is within VerticalTolerance of vertical.
const (
	poseTolerance     = 15.0
	VerticalTolerance = 15.0
)

// The best images of a round, on which the shelf rule is scored: the
// BestShare of the round's trials (all samplers and seeds pooled) with the
// lowest loss, at least MinBest; 10 of the default profile's 100 trials.
const (
	BestShare = 0.1
	MinBest   = 5
)

// truthBlocks is how many blocks of trials exp1's truth is also scored in,
// by slot, to show whether the discriminator passes trials from the first
// one on.
const truthBlocks = 10

// contentTruth records the truth metrics of search round k from the
// round's stored search studies (every sampler and seed). Each trial's
// parameters go through the content space to the scene the renderer drew,
// and the rule is read off that scene.
func (r *runner) contentTruth(round int) error {
	c := r.spec.Content
	byName := map[string]StageResult{}
	for _, s := range r.stages {
		byName[s.Name] = s
	}
	var all []study.Result
	for _, smp := range c.Samplers {
		for _, seed := range c.Seeds {
			stageName := keys.SearchStage(c.Experiment, round, smp, seed)
			s, ok := byName[stageName]
			if !ok || len(s.Studies) != 1 {
				continue
			}
			name, err := r.st.GetStudyNameFromID(s.Studies[0])
			if err != nil {
				return fmt.Errorf("%s: %w", stageName, err)
			}
			res, err := study.Results(r.st, name)
			if err != nil {
				return err
			}
			all = append(all, res...)
		}
	}
	if len(all) == 0 {
		return nil
	}
	space, err := scene.NewContentSpace(c.Experiment, r.spec.Datasets.Real.Size, r.datasetSeed("cg"))
	if err != nil {
		return err
	}
	prefix := keys.SearchRound(c.Experiment, round)
	var m map[string]float64
	switch c.Experiment {
	case "exp1":
		m, err = exp1Truth(space, all, prefix)
	case "exp2":
		var rule map[string]float64
		rule, err = shelfRule(space, all)
		m = map[string]float64{}
		for k, v := range rule {
			m[keys.Metric(prefix, k)] = v
		}
	}
	if err != nil {
		return fmt.Errorf("%s: %w", prefix, err)
	}
	for k, v := range m {
		r.metrics[k] = v
	}
	return nil
}

// bottleUp is the vertical component of a bottle's axis (its local z) after
// the rotation the renderer applies: Euler XYZ in degrees, R = Rz·Ry·Rx,
// with blender's sines and cosines and its product order (blender/vec.go).
// 1 is upright, -1 upside down.
func bottleUp(rot scene.Vec3) float64 {
	sx, cx := fmath.Sincos(rot[0] * (math.Pi / 180))
	sy, cy := fmath.Sincos(rot[1] * (math.Pi / 180))
	// Row z of Rz·Ry is (-sy, 0, cy) whatever rot_z; times column z of Rx,
	// (0, -sx, cx).
	return float64(-sy*0) + float64(0*-sx) + float64(cy*cx)
}

// uprightWithin reports whether an axis with vertical component up is
// within tol degrees of vertical.
func uprightWithin(up, tol float64) bool { return up >= fmath.Cos(tol*math.Pi/180) }

// exp1Truth: of the trials called standing (success attribute), the share
// whose bottle axis is within VerticalTolerance of vertical, and the share
// of all trials that are; for the whole round (keys under prefix) and per
// block of trials by slot (keys.TrialBlock).
func exp1Truth(space *scene.ContentSpace, res []study.Result, prefix string) (map[string]float64, error) {
	type tally struct{ trials, called, calledVertical, vertical int }
	slots := 0
	for _, t := range res {
		slots = max(slots, t.Slot+1)
	}
	size := max(1, (slots+truthBlocks-1)/truthBlocks)
	var all tally
	blocks := make([]tally, (slots+size-1)/size)
	for _, t := range res {
		sc, err := space.Scene(t.Params)
		if err != nil {
			return nil, fmt.Errorf("trial %d: %w", t.Slot, err)
		}
		vertical := uprightWithin(bottleUp(sc.Objects[0].Rotation), VerticalTolerance)
		called := t.Attrs[keys.TrialSuccess] == "true"
		for _, x := range []*tally{&all, &blocks[t.Slot/size]} {
			x.trials++
			x.vertical += b2i(vertical)
			x.called += b2i(called)
			x.calledVertical += b2i(called && vertical)
		}
	}
	out := map[string]float64{}
	put := func(stage string, x tally) {
		out[keys.Metric(stage, keys.MeasureTruthTrials)] = float64(x.trials)
		out[keys.Metric(stage, keys.MeasureCalledStanding)] = float64(x.called)
		out[keys.Metric(stage, keys.MeasureVertical)] = float64(x.vertical) / float64(max(1, x.trials))
		if x.called > 0 {
			out[keys.Metric(stage, keys.MeasureStandingVertical)] = float64(x.calledVertical) / float64(x.called)
		}
	}
	put(prefix, all)
	for b, x := range blocks {
		if x.trials > 0 {
			put(keys.TrialBlock(prefix, b*size+1, min((b+1)*size, slots)), x)
		}
	}
	return out, nil
}

// bestCount is k, the number of best images of n trials scored.
func bestCount(n int) int {
	return min(n, max(MinBest, int(math.Ceil(float64(n)*BestShare))))
}

// shelfRule scores the shelf rule per level on the round's best images
// (lowest loss first, ties in study order): objects 1..3 of the scene are
// on the top level, 4..6 on the bottom (blender's exp2 content space).
func shelfRule(space *scene.ContentSpace, res []study.Result) (map[string]float64, error) {
	best := append([]study.Result(nil), res...)
	sort.SliceStable(best, func(i, j int) bool { return best[i].Value < best[j].Value })
	n := bestCount(len(best))
	best = best[:n]
	type level struct{ ok, kind, pose, objects, images int }
	var top, bottom level
	called := 0
	for _, t := range best {
		sc, err := space.Scene(t.Params)
		if err != nil {
			return nil, fmt.Errorf("trial %d: %w", t.Slot, err)
		}
		if len(sc.Objects) != 6 {
			return nil, fmt.Errorf("trial %d: %d objects, want 6", t.Slot, len(sc.Objects))
		}
		called += b2i(t.Attrs[keys.TrialSuccess] == "true")
		topAll, bottomAll := true, true
		for k, o := range sc.Objects {
			p, err := scene.LookupProduct(o.Product)
			if err != nil {
				return nil, fmt.Errorf("trial %d object %d: %w", t.Slot, k+1, err)
			}
			rx, rz := o.Rotation[0], o.Rotation[2]
			var kind, pose bool
			lv, all := &bottom, &bottomAll
			if k < 3 {
				lv, all = &top, &topAll
				kind, pose = p.Small(), rx < poseTolerance
			} else {
				kind, pose = !p.Small(), rx > 90-poseTolerance && math.Abs(rz) <= poseTolerance
			}
			lv.objects++
			lv.kind += b2i(kind)
			lv.pose += b2i(pose)
			lv.ok += b2i(kind && pose)
			*all = *all && kind && pose
		}
		top.images += b2i(topAll)
		bottom.images += b2i(bottomAll)
	}
	share := func(a, n int) float64 { return float64(a) / float64(max(1, n)) }
	return map[string]float64{
		keys.MeasureShelfTopLevel: share(top.images, n), keys.MeasureShelfBottomLevel: share(bottom.images, n),
		keys.MeasureShelfTop: share(top.ok, top.objects), keys.MeasureShelfTopKind: share(top.kind, top.objects),
		keys.MeasureShelfTopPose: share(top.pose, top.objects), keys.MeasureShelfBottom: share(bottom.ok, bottom.objects),
		keys.MeasureShelfBottomKind: share(bottom.kind, bottom.objects), keys.MeasureShelfBottomPose: share(bottom.pose, bottom.objects),
		keys.MeasureShelfImages: float64(n), keys.MeasureShelfCalled: float64(called),
	}, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
