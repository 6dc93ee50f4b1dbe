package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/fit"
	"github.com/cgx-dev/cgx/ml/manip"
	"github.com/cgx-dev/cgx/ml/tensorimg"
	"github.com/cgx-dev/cgx/tracker"
)

// fitOutcome is what later stages read from a fit stage: per fitted image its
// index in the source set and the manipulated image's artifact.
type fitOutcome struct {
	stage   tracker.Stage
	images  []int
	results []tracker.ID
	values  []map[string]float64 // fitted values per image, by parameter name
}

// fitStage fits manipulation name in direction dir for the images of src
// listed in order, one trial per image, against the trained discriminator.
// Images are fitted and stored in chunks of style.batch_size so that an
// interrupted stage resumes after the last stored chunk.
func (r *runner) fitStage(ctx context.Context, name, dir string, src *dataset, order []int, d *trainedDisc, planted planted) (*fitOutcome, error) {
	return r.fitStageRound(ctx, name, dir, 0, src, order, d, planted)
}

// fitStageRound is fitStage for round k of style.rounds (0: not in rounds):
// rounds after the first are stages "fit/<m>/<dir>/round-<k>", and every
// round's study records its round.
func (r *runner) fitStageRound(ctx context.Context, name, dir string, round int, src *dataset, order []int, d *trainedDisc, planted planted) (*fitOutcome, error) {
	sty := r.spec.Style
	stageName := keys.FitStage(name, dir)
	if round > 1 {
		stageName += "/" + keys.Round(round)
	}
	seed := childSeed(r.spec.Seed, stageName)
	opts := manip.Options{}
	if name == "patch-brightness-contrast" {
		opts.GridRows, opts.GridCols = sty.Grid[0], sty.Grid[1]
	}
	m, err := manip.Lookup(name, opts)
	if err != nil {
		return nil, err
	}
	stop := fit.Stop(sty.Stop)
	if !sty.EarlyStop {
		stop = fit.StopNone
	}
	cfg := fit.Config{Direction: fit.Direction(dir), Optimizer: fit.Optimizer(sty.Optimizer), Stop: stop, Steps: sty.Steps,
		Threshold: sty.Threshold, LearningRate: sty.learningRate(name), Penalty: sty.Penalty, BatchSize: sty.BatchSize}
	inputs := struct {
		Weights, Source tracker.ID
		Manipulation    string
		Direction       string
		Images          []int
		Steps           int
		LearningRate    float64
		Optimizer       string
		Stop            string
		Threshold       float64
		EarlyStop       bool
		Penalty         float64
		Grid            []int
		BatchSize       int // OpenBLAS rounds batched products by batch size: results differ in the last bits
		Seed            int64
		Backend         string
	}{d.weights, src.manifest, name, dir, order, sty.Steps, sty.learningRate(name), sty.Optimizer, string(stop), sty.Threshold, sty.EarlyStop,
		sty.Penalty, sty.Grid, sty.BatchSize, seed, r.backend}
	st, err := r.stage(ctx, stageName, inputs, func(ctx context.Context, s *tracker.Stage) error {
		return r.computeFit(ctx, s, m, cfg, src, order, d, seed, planted, round)
	})
	if err != nil {
		return nil, err
	}
	out := &fitOutcome{stage: st}
	if len(st.Studies) != 1 {
		return nil, fmt.Errorf("%s: stored stage has %d studies, want 1; 'cgx check' tests the database", stageName, len(st.Studies))
	}
	trials, err := r.st.GetAllTrials(st.Studies[0])
	if err != nil {
		return nil, err
	}
	for _, t := range trials {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		idx, err1 := strconv.Atoi(t.UserAttrs[keys.TrialImage])
		id, err2 := tracker.ParseID(t.UserAttrs[keys.TrialResult])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s: trial %d lacks image/result attributes", stageName, t.Number)
		}
		out.images = append(out.images, idx)
		out.results = append(out.results, id)
		vals := make(map[string]float64, len(t.InternalParams))
		for k, v := range t.InternalParams {
			vals[k] = v
		}
		out.values = append(out.values, vals)
	}
	return out, nil
}

func (r *runner) computeFit(ctx context.Context, s *tracker.Stage, m manip.Manipulation, cfg fit.Config,
	src *dataset, order []int, d *trainedDisc, seed int64, planted planted, round int) error {
	roundAttr := ""
	if round > 0 {
		roundAttr = strconv.Itoa(round)
	}
	studyID, done, err := r.openStudy(s.Name, map[string]string{
		keys.AttrKind:         keys.KindStyle,
		keys.AttrManipulation: m.Name(),
		keys.AttrDirection:    string(cfg.Direction),
		keys.AttrSeed:         strconv.FormatInt(seed, 10),
		keys.AttrThreshold:    strconv.FormatFloat(cfg.Threshold, 'g', -1, 64),
		keys.AttrGrid:         fmt.Sprintf("%dx%d", r.spec.Style.Grid[0], r.spec.Style.Grid[1]),
		keys.AttrPlanted:      plantedJSON(planted.study, m),
		keys.AttrRound:        roundAttr,
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
	stride := src.set.stride()
	r.progress.StartUnits(s.Name, len(order), "images")
	r.progress.Add(done)
	chunk := max(1, cfg.BatchSize)
	for lo := done; lo < len(order); lo += chunk {
		if err := ctx.Err(); err != nil {
			return err
		}
		idx := order[lo:min(len(order), lo+chunk)]
		im := fit.Images{N: len(idx), H: src.set.size, W: src.set.size, Pix: make([]float32, 0, len(idx)*stride),
			Seeds: make([]int64, len(idx))}
		for j, i := range idx {
			im.Pix = im.Pix[:(j+1)*stride]
			if err := src.set.Load(i, im.Pix[j*stride:]); err != nil {
				return fmt.Errorf("%s: %w", src.role, err)
			}
			im.Seeds[j] = childSeed(seed, "image/"+strconv.Itoa(i))
		}
		// Images of a chunk are fitted together: each trial's duration is
		// its chunk's.
		start := r.now()
		results, err := fit.Fit(ctx, d.model, m, im, cfg)
		if err != nil {
			return err
		}
		trials := make([]goptuna.FrozenTrial, len(results))
		for j, res := range results {
			var own map[string]float64
			if planted.perImage != nil {
				own = planted.perImage(idx[j])
			}
			t, err := r.fitTrial(ctx, s.Name, params, dists, res, src, idx[j], plantedJSON(own, m), start)
			if err != nil {
				return err
			}
			trials[j] = t
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
	var succeeded, steps, n int
	for _, t := range trials {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		n++
		if t.UserAttrs[keys.TrialSuccess] == "true" {
			succeeded++
		}
		k, _ := strconv.Atoi(t.UserAttrs[keys.TrialSteps])
		steps += k
	}
	rate := float64(succeeded) / float64(max(1, n))
	s.Metrics[keys.Metric(s.Name, keys.MeasureSuccessRate)] = rate
	s.Metrics[keys.Metric(s.Name, keys.MeasureImages)] = float64(n)
	s.Metrics[keys.Metric(s.Name, keys.MeasureMeanSteps)] = float64(steps) / float64(max(1, n))
	for k, v := range recoveryMetrics(trials, params, planted.study) {
		s.Metrics[keys.Metric(s.Name, k)] = v
	}
	if planted.before != nil {
		for k, v := range recoveryMetrics(cumulativeTrials(trials, m, planted), params, nil) {
			s.Metrics[keys.Metric(s.Name, keys.Cumulative(k))] = v
		}
	}
	msg := fmt.Sprintf("%d/%d images succeeded (%.0f%%)", succeeded, n, 100*rate)
	if b := s.Metrics[keys.Metric(s.Name, keys.MeasureAtBound)]; b > 0 {
		msg += fmt.Sprintf(", %.0f%% with a parameter at a bound", 100*b)
	}
	r.progress.Finish(msg)
	return nil
}

// fitTrial turns one image's fit into a finished trial and stores its
// manipulated image.
func (r *runner) fitTrial(ctx context.Context, stage string, params []manip.Param, dists map[string]interface{},
	res fit.Result, src *dataset, index int, planted string, start time.Time) (goptuna.FrozenTrial, error) {
	img, err := tensorimg.ToImage(res.Image, src.set.size, src.set.size)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	png, err := blender.EncodePNG(img)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	rid, err := r.st.PutArtifact(ctx, png, tracker.ArtifactMeta{Kind: "image", MediaType: "image/png",
		RunID: r.runID, Stage: stage, Name: fmt.Sprintf("%s image %d", stage, index)})
	if err != nil {
		return goptuna.FrozenTrial{}, fmt.Errorf("store image %d: %w", index, err)
	}
	t := goptuna.FrozenTrial{
		State:              goptuna.TrialStateComplete,
		Value:              res.Losses[len(res.Losses)-1],
		IntermediateValues: make(map[int]float64, len(res.Losses)),
		Params:             make(map[string]interface{}, len(params)),
		InternalParams:     make(map[string]float64, len(params)),
		Distributions:      make(map[string]interface{}, len(params)),
		UserAttrs: map[string]string{
			keys.TrialSuccess:     strconv.FormatBool(res.Success),
			keys.TrialConfidence:  strconv.FormatFloat(res.Confidence, 'g', -1, 64),
			keys.TrialSteps:       strconv.Itoa(res.Steps),
			keys.TrialSource:      src.imageIDs[index].String(),
			keys.TrialResult:      rid.String(),
			keys.TrialImage:       strconv.Itoa(index),
			keys.TrialEvaluations: strconv.Itoa(res.Evaluations),
			keys.TrialAtBound:     atBoundList(params, res.AtBound),
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
		t.Params[p.Name] = res.Values[k]
		t.InternalParams[p.Name] = res.Values[k]
		t.Distributions[p.Name] = dists[p.Name]
	}
	return t, nil
}

// openStudy returns the study named after stage in this run, creating it with
// attrs (plus cgx.run and cgx.stage) when new, and how many trials it holds
// complete already (a resumed stage continues after them).
func (r *runner) openStudy(stage string, attrs map[string]string) (id, complete int, err error) {
	name := r.studyName(stage)
	id, err = r.st.GetStudyIDFromName(name)
	if err == nil {
		trials, err := r.st.GetAllTrials(id)
		if err != nil {
			return 0, 0, err
		}
		for _, t := range trials {
			if t.State == goptuna.TrialStateComplete {
				complete++
			}
		}
		return id, complete, nil
	}
	if id, err = r.st.CreateNewStudy(name); err != nil {
		return 0, 0, fmt.Errorf("create study %s: %w", name, err)
	}
	if err := r.st.SetStudyDirection(id, goptuna.StudyDirectionMinimize); err != nil {
		return 0, 0, err
	}
	all := map[string]string{keys.AttrRun: strconv.Itoa(r.runID), keys.AttrStage: stage}
	for k, v := range attrs {
		if v != "" {
			all[k] = v
		}
	}
	for _, k := range sortedKeys(all) {
		if err := r.st.SetStudyUserAttr(id, k, all[k]); err != nil {
			return 0, 0, err
		}
	}
	return id, 0, nil
}

// plantedJSON returns the planted gap restricted to m's parameter names as
// a JSON object ("" when there is none).
func plantedJSON(planted map[string]float64, m manip.Manipulation) string {
	out := map[string]float64{}
	for _, p := range m.Params() {
		if v, ok := planted[p.Name]; ok {
			out[p.Name] = v
		}
	}
	if len(out) == 0 {
		return ""
	}
	b, err := json.Marshal(out)
	if err != nil {
		return ""
	}
	return string(b)
}

// atBoundList names the parameters flagged at a bound, comma-separated in
// parameter order.
func atBoundList(params []manip.Param, at []bool) string {
	var names []string
	for j, b := range at {
		if b && j < len(params) {
			names = append(names, params[j].Name)
		}
	}
	return strings.Join(names, ",")
}
