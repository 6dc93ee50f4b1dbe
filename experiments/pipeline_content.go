package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"math"
	"sort"
	"strconv"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/internal/fmath"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/disc"
	"github.com/cgx-dev/cgx/ml/tensorimg"
	"github.com/cgx-dev/cgx/study"
	"github.com/cgx-dev/cgx/tracker"
)

// runContent: both datasets, a discriminator, then per round one search
// study per sampler and seed; between rounds the lowest-loss generated
// images replace as many CG images and the discriminator is retrained
// (experiment 2.1's generate-and-mix loop).
func (r *runner) runContent(ctx context.Context) error {
	c := r.spec.Content
	cg, real, d, err := r.pairStages(ctx, keys.Round(1))
	if err != nil {
		return err
	}
	for round := 1; ; round++ {
		found, err := r.searchRound(ctx, round, d, real)
		if err != nil {
			return err
		}
		if err := r.contentTruth(round); err != nil { // shelf.go (H7)
			return err
		}
		if round > c.MixRounds {
			return nil
		}
		if cg, err = r.mixStage(ctx, round, cg, found); err != nil {
			return err
		}
		if d, err = r.discriminatorStage(ctx, keys.Round(round+1), cg, real); err != nil {
			return err
		}
	}
}

// found is one rendered search result.
type found struct {
	loss  float64
	image tracker.ID
}

// searchRound runs every sampler and seed of the round against d and returns
// all completed trials' results in study order.
func (r *runner) searchRound(ctx context.Context, round int, d *trainedDisc, target *dataset) ([]found, error) {
	c := r.spec.Content
	space, err := scene.NewContentSpace(c.Experiment, target.set.size, r.datasetSeed("cg"))
	if err != nil {
		return nil, err
	}
	var params []study.Param
	for _, p := range space.Params() {
		switch p.Kind {
		case scene.ParamFloat:
			params = append(params, study.Float(p.Name, p.Low, p.High))
		case scene.ParamInt:
			params = append(params, study.Int(p.Name, int(p.Low), int(p.High)))
		case scene.ParamCategorical:
			params = append(params, study.Categorical(p.Name, p.Choices...))
		}
	}
	sspace, err := study.NewSpace(params...)
	if err != nil {
		return nil, err
	}
	dom, err := style.DomainByName(r.spec.Datasets.Real.Domain)
	if err != nil {
		return nil, err
	}
	prefix := keys.SearchRound(c.Experiment, round)
	var all []found
	var best = math.Inf(1)
	var succeeded, trials int
	for _, smp := range c.Samplers {
		for _, seed := range c.Seeds {
			stageName := keys.SearchStage(c.Experiment, round, smp, seed)
			st, err := r.searchStage(ctx, stageName, round, smp, seed, d, space, sspace, dom)
			if err != nil {
				return nil, err
			}
			res, err := study.Results(r.st, mustStudyName(r.st, st.Studies[0]))
			if err != nil {
				return nil, err
			}
			for _, t := range res {
				id, err := tracker.ParseID(t.Attrs[keys.TrialResult])
				if err != nil {
					return nil, fmt.Errorf("%s: trial %d has no result image", stageName, t.Slot)
				}
				all = append(all, found{loss: t.Value, image: id})
				best = math.Min(best, t.Value)
				trials++
				if t.Attrs[keys.TrialSuccess] == "true" {
					succeeded++
				}
			}
		}
	}
	r.metrics[keys.Metric(prefix, keys.MeasureBestLoss)] = best
	r.metrics[keys.Metric(prefix, keys.MeasureSuccessRate)] = float64(succeeded) / float64(max(1, trials))
	r.metrics[keys.Metric(prefix, keys.MeasureTrials)] = float64(trials)
	return all, nil
}

func mustStudyName(st Store, id int) string {
	name, err := st.GetStudyNameFromID(id)
	if err != nil {
		return fmt.Sprintf("study-%d", id)
	}
	return name
}

// searchStage runs (or reuses) one study: every trial renders the scene its
// parameters describe, applies the target set's style domain and scores the
// image with the discriminator; the loss is the cross-entropy against the
// real class.
func (r *runner) searchStage(ctx context.Context, stageName string, round int, sampler string, seed int64,
	d *trainedDisc, space *scene.ContentSpace, sspace study.Space, dom style.Domain) (tracker.Stage, error) {
	c := r.spec.Content
	studySeed := childSeed(r.spec.Seed, fmt.Sprintf("search/round-%d/seed-%d", round, seed))
	inputs := struct {
		Weights    tracker.ID
		Experiment string
		Sampler    string
		Seed       int64
		Trials     int
		BatchSize  int
		Threshold  float64
		Size       int
		SpaceSeed  int64
		Domain     style.Domain
		Backend    string
	}{d.weights, c.Experiment, sampler, studySeed, c.Trials, c.BatchSize, c.Threshold, r.spec.Datasets.Real.Size,
		r.datasetSeed("cg"), dom, r.backend}
	// Every walker of the run runs the search (study.Config.Work): slots are
	// work items, each batch written by one walker in slot order.
	return r.sharedStage(ctx, stageName, inputs, func(ctx context.Context, key string, s *tracker.Stage) error {
		renderer := &blender.Embedded{Workers: 1}
		obj := func(ctx context.Context, in study.TrialInput) (study.Outcome, error) {
			sc, err := space.Scene(in.Params)
			if err != nil {
				return study.Outcome{}, err
			}
			frames, err := renderer.Render(ctx, []scene.Scene{sc})
			if err != nil {
				return study.Outcome{}, err
			}
			img, err := dom.Apply(frames[0].RGB, uint64(in.Seed))
			if err != nil {
				return study.Outcome{}, err
			}
			png, err := imageio.EncodePNG(img)
			if err != nil {
				return study.Outcome{}, err
			}
			id, err := r.st.PutArtifact(ctx, png, tracker.ArtifactMeta{Kind: "image", MediaType: "image/png",
				RunID: r.runID, Stage: stageName, Name: fmt.Sprintf("%s slot %d", stageName, in.Slot)})
			if err != nil {
				return study.Outcome{}, err
			}
			x, err := tensorimg.ToTensor([]image.Image{img})
			if err != nil {
				return study.Outcome{}, err
			}
			probs, err := d.model.Predict(x)
			if err != nil {
				return study.Outcome{}, err
			}
			p := float64(probs[0][disc.ClassReal])
			loss := -fmath.Log(math.Max(p, 1e-30)) // portable: math.Log is assembly on amd64
			return study.Outcome{Value: loss, Attrs: map[string]string{
				keys.TrialSuccess:    strconv.FormatBool(p >= c.Threshold),
				keys.TrialConfidence: strconv.FormatFloat(p, 'g', -1, 64),
				keys.TrialResult:     id.String(),
			}}, nil
		}
		name := r.studyName(stageName)
		r.progress.StartUnits(stageName, c.Trials, "trials")
		sum, err := study.Run(ctx, r.st, study.Config{Study: name, Sampler: sampler, Seed: studySeed, Trials: c.Trials,
			BatchSize: c.BatchSize, Workers: r.workers,
			UserAttrs: map[string]string{keys.AttrRun: strconv.Itoa(r.runID), keys.AttrStage: stageName, keys.AttrKind: keys.KindContent,
				keys.AttrSampler: sampler, keys.AttrSeed: strconv.FormatInt(studySeed, 10), keys.AttrRound: strconv.Itoa(round),
				keys.AttrThreshold: strconv.FormatFloat(c.Threshold, 'g', -1, 64), keys.AttrExperiment: c.Experiment},
			Progress: func(p study.Progress) { r.progress.Set(p.Completed) },
			Work:     stageWork{r: r, prefix: key},
		}, sspace, obj)
		if err != nil {
			return err
		}
		res, err := study.Results(r.st, name)
		if err != nil {
			return err
		}
		var succeeded int
		for _, t := range res {
			if t.Attrs[keys.TrialSuccess] == "true" {
				succeeded++
			}
		}
		r.progress.Finish(fmt.Sprintf("best loss %.4f (confidence %.3f), %d/%d trials reach the threshold",
			sum.Best.Value, math.Exp(-sum.Best.Value), succeeded, len(res)))
		s.Studies = []int{sum.StudyID}
		s.Metrics[keys.Metric(stageName, keys.MeasureBestLoss)] = sum.Best.Value
		s.Metrics[keys.Metric(stageName, keys.MeasureSuccessRate)] = float64(succeeded) / float64(max(1, len(res)))
		s.Metrics[keys.Metric(stageName, keys.MeasureTrials)] = float64(len(res))
		return nil
	})
}

// mixStage makes the CG set of the next round: the mix_images generated
// images with the lowest loss (ties by study order and slot) replace as many
// CG images, taken from the end of the set.
func (r *runner) mixStage(ctx context.Context, round int, cg *dataset, results []found) (*dataset, error) {
	c := r.spec.Content
	stageName := keys.MixStage(round)
	sorted := append([]found(nil), results...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].loss < sorted[j].loss })
	k := min(c.MixImages, len(sorted), cg.set.n-1)
	ids := append([]tracker.ID{}, cg.imageIDs[:cg.set.n-k]...)
	for _, f := range sorted[:k] {
		ids = append(ids, f.image)
	}
	inputs := struct {
		Images string
	}{idsDigest(ids)}
	st, err := r.stage(ctx, stageName, inputs, func(ctx context.Context, s *tracker.Stage) error {
		list := make([]string, len(ids))
		for i, id := range ids {
			list[i] = id.String()
		}
		b, err := json.Marshal(struct {
			Kind   string   `json:"kind"`
			Round  int      `json:"round"`
			Mixed  int      `json:"generated"`
			Images []string `json:"images"`
		}{"mixed-cg-set", round, k, list})
		if err != nil {
			return err
		}
		id, err := r.st.PutArtifact(ctx, b, tracker.ArtifactMeta{Kind: "image-list", MediaType: "application/json",
			RunID: r.runID, Stage: stageName, Name: fmt.Sprintf("CG set of round %d", round+1)})
		if err != nil {
			return err
		}
		s.Outputs["images"] = id
		s.Attrs["generated"] = strconv.Itoa(k)
		s.Attrs["kept"] = strconv.Itoa(len(ids) - k)
		r.progress.Logf("  %s: %d generated images replace as many of the %d CG images", stageName, k, cg.set.n)
		return nil
	})
	if err != nil {
		return nil, err
	}
	set := idsPixelSet(ctx, r.st, ids, cg.set.size) // read on demand, as the dataset stages' sets
	return &dataset{role: fmt.Sprintf("cg-round-%d", round+1), manifest: st.Outputs["images"], set: set,
		imageIDs: ids, domain: cg.domain}, nil
}
