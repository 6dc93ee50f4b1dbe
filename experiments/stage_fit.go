package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/blender/imageio"
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
	st, err := r.itemStage(ctx, stageName, inputs, r.fitWork(stageName, m, cfg, src, order, d, seed, planted, round))
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

// WorkFitChunk is the work item kind of a fit stage: the images
// order[i*chunk:(i+1)*chunk] of the stage, chunk being style.batch_size.
const WorkFitChunk = "fit-chunk"

// fitImage is one fitted image in a fit-chunk item's output: everything its
// trial holds except times, floats as their IEEE bits, so that any worker
// (or a second try) stores the same bytes.
type fitImage struct {
	Index       int      `json:"index"`  // in the source set
	Result      string   `json:"result"` // artifact id of the fitted image
	Losses      []uint64 `json:"losses"`
	Values      []uint64 `json:"values"` // per parameter, in m.Params() order
	AtBound     []bool   `json:"at_bound"`
	Success     bool     `json:"success"`
	Confidence  uint64   `json:"confidence"`
	Steps       int      `json:"steps"`
	Evaluations int      `json:"evaluations"`
}

// fitWork is a fit stage as work items: each chunk of style.batch_size
// images (fitted together, as one process always did) is an item any
// worker computes, storing the fitted images; the reduce writes one trial
// per image in order and the stage's metrics.
func (r *runner) fitWork(stage string, m manip.Manipulation, cfg fit.Config, src *dataset, order []int,
	d *trainedDisc, seed int64, planted planted, round int) itemWork {
	chunk := max(1, cfg.BatchSize)
	images := func(i int) []int { return order[i*chunk : min(len(order), (i+1)*chunk)] }
	// When this process fitted a chunk (trial times only: they are not
	// results, so they stay out of the items' bytes).
	var mu sync.Mutex
	times := map[int][2]time.Time{}
	var startProgress sync.Once
	return itemWork{
		Kind: WorkFitChunk,
		N:    (len(order) + chunk - 1) / chunk,
		Payload: func(i int) []byte {
			b, _ := json.Marshal(struct {
				Images []int `json:"images"`
			}{images(i)})
			return b
		},
		Compute: func(ctx context.Context, i int) ([]byte, error) {
			startProgress.Do(func() { r.progress.StartUnits(stage, len(order), "images") })
			start := r.now()
			out, err := r.fitChunk(ctx, stage, m, cfg, src, images(i), d, seed)
			if err != nil {
				return nil, err
			}
			mu.Lock()
			times[i] = [2]time.Time{start, r.now()}
			mu.Unlock()
			r.progress.Add(len(images(i)))
			return out, nil
		},
		Reduce: func(ctx context.Context, s *tracker.Stage, outs [][]byte) error {
			mu.Lock()
			defer mu.Unlock()
			return r.reduceFit(ctx, s, m, cfg, src, outs, times, seed, planted, round)
		},
	}
}

// fitChunk fits images idx of src together and stores each fitted image;
// the output lists them (fitImage) in idx order.
func (r *runner) fitChunk(ctx context.Context, stage string, m manip.Manipulation, cfg fit.Config, src *dataset, idx []int,
	d *trainedDisc, seed int64) ([]byte, error) {
	stride := src.set.stride()
	im := fit.Images{N: len(idx), H: src.set.size, W: src.set.size, Pix: make([]float32, len(idx)*stride),
		Seeds: make([]int64, len(idx))}
	for j, i := range idx {
		if err := src.set.Load(i, im.Pix[j*stride:(j+1)*stride]); err != nil {
			return nil, fmt.Errorf("%s: %w", src.role, err)
		}
		im.Seeds[j] = childSeed(seed, "image/"+strconv.Itoa(i))
	}
	results, err := fit.Fit(ctx, d.model, m, im, cfg)
	if err != nil {
		return nil, err
	}
	out := make([]fitImage, len(results))
	for j, res := range results {
		img, err := tensorimg.ToImage(res.Image, src.set.size, src.set.size)
		if err != nil {
			return nil, err
		}
		png, err := imageio.EncodePNG(img)
		if err != nil {
			return nil, err
		}
		rid, err := r.st.PutArtifact(ctx, png, tracker.ArtifactMeta{Kind: "image", MediaType: "image/png",
			RunID: r.runID, Stage: stage, Name: fmt.Sprintf("%s image %d", stage, idx[j])})
		if err != nil {
			return nil, fmt.Errorf("store image %d: %w", idx[j], err)
		}
		out[j] = fitImage{Index: idx[j], Result: rid.String(), Losses: floatBits(res.Losses), Values: floatBits(res.Values),
			AtBound: res.AtBound, Success: res.Success, Confidence: math.Float64bits(res.Confidence), Steps: res.Steps,
			Evaluations: res.Evaluations}
	}
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode fit results: %w", err)
	}
	return b, nil
}

func floatBits(v []float64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = math.Float64bits(x)
	}
	return out
}

func bitsFloat(v []uint64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = math.Float64frombits(x)
	}
	return out
}

// reduceFit writes the stage's study: one finished trial per fitted image,
// in order (after those a dead reducer already wrote), then its metrics.
// times holds when this process fitted each chunk; chunks another worker
// fitted are timed by the stage (its start to now).
func (r *runner) reduceFit(ctx context.Context, s *tracker.Stage, m manip.Manipulation, cfg fit.Config,
	src *dataset, outs [][]byte, times map[int][2]time.Time, seed int64, planted planted, round int) error {
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
	var trials []goptuna.FrozenTrial
	n := 0
	for i, b := range outs {
		var imgs []fitImage
		if err := json.Unmarshal(b, &imgs); err != nil {
			return fmt.Errorf("decode fit chunk %d: %w", i, err)
		}
		span, ok := times[i]
		if !ok {
			span = [2]time.Time{s.Started, r.now()}
		}
		for _, fi := range imgs {
			n++
			if n <= done {
				continue // written by a reducer that died
			}
			var own map[string]float64
			if planted.perImage != nil {
				own = planted.perImage(fi.Index)
			}
			t, err := fitTrial(params, dists, fi, src, plantedJSON(own, m), span)
			if err != nil {
				return fmt.Errorf("fit chunk %d: %w", i, err)
			}
			trials = append(trials, t)
		}
	}
	if len(trials) > 0 {
		if _, err := r.st.AddFinishedTrials(studyID, trials); err != nil {
			return fmt.Errorf("store trials: %w", err)
		}
	}
	return r.fitMetrics(s, studyID, m, params, planted)
}

// fitMetrics sets the fit stage's metrics from its stored trials.
func (r *runner) fitMetrics(s *tracker.Stage, studyID int, m manip.Manipulation, params []manip.Param, planted planted) error {
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

// fitTrial turns one fitted image into a finished trial timed by span
// (when its chunk was fitted).
func fitTrial(params []manip.Param, dists map[string]interface{}, fi fitImage, src *dataset, planted string,
	span [2]time.Time) (goptuna.FrozenTrial, error) {
	losses, values := bitsFloat(fi.Losses), bitsFloat(fi.Values)
	if len(losses) == 0 || len(values) != len(params) || fi.Index < 0 || fi.Index >= len(src.imageIDs) {
		return goptuna.FrozenTrial{}, fmt.Errorf("image %d: %d losses, %d values for %d parameters", fi.Index, len(losses), len(values), len(params))
	}
	t := goptuna.FrozenTrial{
		State:              goptuna.TrialStateComplete,
		Value:              losses[len(losses)-1],
		IntermediateValues: make(map[int]float64, len(losses)),
		Params:             make(map[string]interface{}, len(params)),
		InternalParams:     make(map[string]float64, len(params)),
		Distributions:      make(map[string]interface{}, len(params)),
		UserAttrs: map[string]string{
			keys.TrialSuccess:     strconv.FormatBool(fi.Success),
			keys.TrialConfidence:  strconv.FormatFloat(math.Float64frombits(fi.Confidence), 'g', -1, 64),
			keys.TrialSteps:       strconv.Itoa(fi.Steps),
			keys.TrialSource:      src.imageIDs[fi.Index].String(),
			keys.TrialResult:      fi.Result,
			keys.TrialImage:       strconv.Itoa(fi.Index),
			keys.TrialEvaluations: strconv.Itoa(fi.Evaluations),
			keys.TrialAtBound:     atBoundList(params, fi.AtBound),
		},
		SystemAttrs:      map[string]string{},
		DatetimeStart:    span[0],
		DatetimeComplete: span[1],
	}
	if planted != "" {
		t.UserAttrs[keys.TrialPlanted] = planted
	}
	for k, v := range losses {
		t.IntermediateValues[k] = v
	}
	for k, p := range params {
		t.Params[p.Name] = values[k]
		t.InternalParams[p.Name] = values[k]
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
