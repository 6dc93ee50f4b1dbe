package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/fit"
	"github.com/cgx-dev/cgx/ml/manip"
	"github.com/cgx-dev/cgx/ml/tensorimg"
	"github.com/cgx-dev/cgx/tracker"
)

// Stochastic manipulation (issue 14 item 4): per image a distribution over a
// manipulation's parameters (ml/fit.FitDistribution), stored one trial per
// image in a stage of its own (keys.FitDistributionStage; names of its
// attributes and measures in internal/keys/distribution.go), and sampled
// every epoch to augment a segmentation training set.
const (
	// StochasticSuffix marks a segmentation training set sampled from
	// fitted distributions: "<manipulation>/stochastic".
	StochasticSuffix = "/stochastic"
	// RoundsSuffix marks a segmentation training set made by style.rounds:
	// "<manipulation>/rounds", the images the last round left.
	RoundsSuffix = "/rounds"
)

// distOutcome is what a segmentation set reads from a distribution fit: per
// fitted image (in the order fitted) its mean and spread.
type distOutcome struct {
	m            manip.Manipulation
	stage        tracker.Stage
	mean, spread [][]float64
}

// distConfig is the distribution fit the runner uses (ml/fit's defaults,
// batch size from style.batch_size).
func (r *runner) distConfig() fit.DistConfig {
	return fit.DistConfig{Direction: fit.CGToReal, Threshold: r.spec.Style.Threshold, BatchSize: r.spec.Style.BatchSize}
}

// fitDistributionStage fits a distribution per image of src listed in
// order (cg-to-real) against d and returns the means and spreads in that
// order.
func (r *runner) fitDistributionStage(ctx context.Context, name string, src *dataset, order []int, d *trainedDisc, pl planted) (*distOutcome, error) {
	stageName := keys.FitDistributionStage(name, keys.DirectionCGToReal)
	seed := childSeed(r.spec.Seed, stageName)
	m, err := manip.Lookup(name, manip.Options{GridRows: r.spec.Style.Grid[0], GridCols: r.spec.Style.Grid[1]})
	if err != nil {
		return nil, err
	}
	cfg := r.distConfig()
	inputs := struct {
		Weights, Source tracker.ID
		Manipulation    string
		Images          []int
		Config          fit.DistConfig
		Grid            []int
		Seed            int64
		Backend         string
	}{d.weights, src.manifest, name, order, cfg, r.spec.Style.Grid, seed, r.backend}
	st, err := r.stage(ctx, stageName, inputs, func(ctx context.Context, s *tracker.Stage) error {
		return r.computeDistribution(ctx, s, m, cfg, src, order, d, seed, pl)
	})
	if err != nil {
		return nil, err
	}
	if len(st.Studies) != 1 {
		return nil, fmt.Errorf("%s: stored stage has %d studies, want 1; 'cgx check' tests the database", stageName, len(st.Studies))
	}
	trials, err := r.st.GetAllTrials(st.Studies[0])
	if err != nil {
		return nil, err
	}
	byImage := map[int]goptuna.FrozenTrial{}
	for _, t := range trials {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		idx, err := strconv.Atoi(t.UserAttrs[keys.TrialImage])
		if err != nil {
			return nil, fmt.Errorf("%s: trial %d lacks its image attribute", stageName, t.Number)
		}
		byImage[idx] = t
	}
	out := &distOutcome{m: m, stage: st}
	params := m.Params()
	for _, idx := range order {
		t, ok := byImage[idx]
		if !ok {
			return nil, fmt.Errorf("%s: no trial for image %d; rerun with --force", stageName, idx)
		}
		spreads := map[string]float64{}
		if err := json.Unmarshal([]byte(t.UserAttrs[keys.TrialSpread]), &spreads); err != nil {
			return nil, fmt.Errorf("%s: trial %d: %s: %w", stageName, t.Number, keys.TrialSpread, err)
		}
		mean, spread := make([]float64, len(params)), make([]float64, len(params))
		for j, p := range params {
			mean[j], spread[j] = t.InternalParams[p.Name], spreads[p.Name]
		}
		out.mean, out.spread = append(out.mean, mean), append(out.spread, spread)
	}
	return out, nil
}

func (r *runner) computeDistribution(ctx context.Context, s *tracker.Stage, m manip.Manipulation, cfg fit.DistConfig,
	src *dataset, order []int, d *trainedDisc, seed int64, pl planted) error {
	studyID, done, err := r.openStudy(s.Name, map[string]string{
		keys.AttrKind:         keys.KindStyle,
		keys.AttrManipulation: m.Name(),
		keys.AttrDirection:    keys.DirectionCGToReal,
		keys.AttrSeed:         strconv.FormatInt(seed, 10),
		keys.AttrThreshold:    strconv.FormatFloat(r.spec.Style.Threshold, 'g', -1, 64),
		keys.AttrPlanted:      plantedJSON(pl.study, m),
	})
	if err != nil {
		return err
	}
	s.Studies = []int{studyID}
	params := m.Params()
	dists := make(map[string]interface{}, len(params))
	for _, p := range params {
		dists[p.Name] = goptuna.UniformDistribution{Low: p.Low, High: p.High}
	}
	r.progress.StartUnits(s.Name, len(order), "images")
	r.progress.Add(done)
	chunk := max(1, r.spec.Style.BatchSize)
	for lo := done; lo < len(order); lo += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		idx := order[lo:min(len(order), lo+chunk)]
		stride := src.set.stride()
		im := fit.Images{N: len(idx), H: src.set.size, W: src.set.size, Pix: make([]float32, len(idx)*stride), Seeds: make([]int64, len(idx))}
		for j, i := range idx {
			if err := src.set.Load(i, im.Pix[j*stride:(j+1)*stride]); err != nil {
				return err
			}
			im.Seeds[j] = childSeed(seed, "image/"+strconv.Itoa(i))
		}
		start := r.now()
		results, err := fit.FitDistribution(ctx, d.model, m, im, cfg)
		if err != nil {
			return err
		}
		trials := make([]goptuna.FrozenTrial, len(results))
		for j, res := range results {
			var own map[string]float64
			if pl.perImage != nil {
				own = pl.perImage(idx[j])
			}
			if trials[j], err = r.distTrial(ctx, s.Name, params, dists, res, src, idx[j], plantedJSON(own, m), start); err != nil {
				return err
			}
		}
		if _, err := r.st.AddFinishedTrials(studyID, trials); err != nil {
			return fmt.Errorf("store trials: %w", err)
		}
		r.progress.Add(len(idx))
	}
	trials, err := r.st.GetAllTrials(studyID)
	if err != nil {
		return err
	}
	var n, succeeded int
	var sampleSum float64
	spreads := map[string][]float64{}
	for _, t := range trials {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		n++
		if t.UserAttrs[keys.TrialSuccess] == "true" {
			succeeded++
		}
		v, _ := strconv.ParseFloat(t.UserAttrs[keys.TrialSampleSuccess], 64)
		sampleSum += v
		sp := map[string]float64{}
		_ = json.Unmarshal([]byte(t.UserAttrs[keys.TrialSpread]), &sp)
		for k, x := range sp {
			spreads[k] = append(spreads[k], x)
		}
	}
	rate := float64(succeeded) / float64(max(1, n))
	s.Metrics[keys.Metric(s.Name, keys.MeasureSuccessRate)] = rate
	s.Metrics[keys.Metric(s.Name, keys.MeasureSampleSuccess)] = sampleSum / float64(max(1, n))
	s.Metrics[keys.Metric(s.Name, keys.MeasureImages)] = float64(n)
	for k, v := range recoveryMetrics(trials, params, pl.study) {
		s.Metrics[keys.Metric(s.Name, k)] = v
	}
	for _, p := range params {
		if v := spreads[p.Name]; len(v) > 0 {
			s.Metrics[keys.Metric(s.Name, keys.RecoveryMeasure(keys.StatSpreadMedian, p.Name))] = medianOf(v)
		}
	}
	r.progress.Finish(fmt.Sprintf("%d/%d means fool the discriminator (%.0f%%), %.0f%% of late draws",
		succeeded, n, 100*rate, 100*s.Metrics[keys.Metric(s.Name, keys.MeasureSampleSuccess)]))
	return nil
}

// distTrial turns one image's distribution fit into a finished trial: the
// means as params, the spreads and draw success as attributes, the image at
// the mean as its result.
func (r *runner) distTrial(ctx context.Context, stage string, params []manip.Param, dists map[string]interface{},
	res fit.DistResult, src *dataset, index int, planted string, start time.Time) (goptuna.FrozenTrial, error) {
	img, err := tensorimg.ToImage(res.Image, src.set.size, src.set.size)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	png, err := imageio.EncodePNG(img)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	rid, err := r.st.PutArtifact(ctx, png, tracker.ArtifactMeta{Kind: "image", MediaType: "image/png",
		RunID: r.runID, Stage: stage, Name: fmt.Sprintf("%s image %d", stage, index)})
	if err != nil {
		return goptuna.FrozenTrial{}, fmt.Errorf("store image %d: %w", index, err)
	}
	spreads := make(map[string]float64, len(params))
	for j, p := range params {
		spreads[p.Name] = res.Spread[j]
	}
	sp, err := json.Marshal(spreads)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	t := goptuna.FrozenTrial{
		State:              goptuna.TrialStateComplete,
		Value:              res.Losses[len(res.Losses)-1],
		IntermediateValues: make(map[int]float64, len(res.Losses)),
		Params:             make(map[string]interface{}, len(params)),
		InternalParams:     make(map[string]float64, len(params)),
		Distributions:      make(map[string]interface{}, len(params)),
		UserAttrs: map[string]string{
			keys.TrialSuccess:       strconv.FormatBool(res.Success),
			keys.TrialConfidence:    strconv.FormatFloat(res.Confidence, 'g', -1, 64),
			keys.TrialSteps:         strconv.Itoa(len(res.Losses) - 1),
			keys.TrialSource:        src.imageIDs[index].String(),
			keys.TrialResult:        rid.String(),
			keys.TrialImage:         strconv.Itoa(index),
			keys.TrialAtBound:       atBoundList(params, res.AtBound),
			keys.TrialSpread:        string(sp),
			keys.TrialSampleSuccess: strconv.FormatFloat(res.SampleSuccess, 'g', -1, 64),
			keys.TrialKL:            strconv.FormatFloat(res.KL, 'g', -1, 64),
		},
		SystemAttrs:      map[string]string{},
		DatetimeStart:    start,
		DatetimeComplete: r.now(),
	}
	if planted != "" {
		t.UserAttrs[keys.TrialPlanted] = planted
	}
	for k, v := range res.Losses {
		t.IntermediateValues[k] = v
	}
	for k, p := range params {
		t.Params[p.Name] = res.Mean[k]
		t.InternalParams[p.Name] = res.Mean[k]
		t.Distributions[p.Name] = dists[p.Name]
	}
	return t, nil
}

// stochasticAugmenter draws, every epoch, each training image's parameters
// from its fitted distribution and applies them: training image k (its
// index in the training list) of epoch e draws with fit.SampleValues from
// seed and "epoch-<e>/image-<k>".
func stochasticAugmenter(do *distOutcome, seed int64, size int) augmenter {
	params := do.m.Params()
	return func(epoch, index int, img []float32) error {
		if index < 0 || index >= len(do.mean) {
			return fmt.Errorf("stochastic augmentation: image %d of %d fitted", index, len(do.mean))
		}
		name := "epoch-" + strconv.Itoa(epoch) + "/image-" + strconv.Itoa(index)
		v, err := fit.SampleValues(params, do.mean[index], do.spread[index], seed, name)
		if err != nil {
			return err
		}
		src := append([]float32(nil), img...)
		return do.m.Apply(img, src, size, size, v, childSeed(seed, name))
	}
}
