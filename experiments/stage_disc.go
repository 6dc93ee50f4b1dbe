package experiments

import (
	"context"
	"fmt"
	"strconv"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/disc"
	"github.com/cgx-dev/cgx/tracker"
)

// trainedDisc is a discriminator stage's outcome: the model and the splits
// of its two sets.
type trainedDisc struct {
	model     *disc.Model
	weights   tracker.ID
	cg, real  split
	accuracy  float64
	stageName string
}

func (r *runner) discConfig(size int) disc.Config {
	d := r.spec.Discriminator
	ch := make([]int, d.Depth)
	for i := range ch {
		ch[i] = d.Width * 2
	}
	ch[0] = d.Width
	return disc.Config{Size: size, Channels: ch, Kernel: 3}
}

// pairStages runs the stages every experiment starts from: the CG and real
// datasets, and the discriminator (stage name disc) trained on them.
func (r *runner) pairStages(ctx context.Context, disc string) (cg, real *dataset, d *trainedDisc, err error) {
	if cg, err = r.datasetStage(ctx, "cg", r.spec.Datasets.CG); err != nil {
		return nil, nil, nil, err
	}
	if real, err = r.datasetStage(ctx, "real", r.spec.Datasets.Real); err != nil {
		return nil, nil, nil, err
	}
	if d, err = r.discriminatorStage(ctx, disc, cg, real); err != nil {
		return nil, nil, nil, err
	}
	return cg, real, d, nil
}

// discriminatorStage trains (or reuses) a CG-vs-real discriminator on cg and
// real, holding out spec.Discriminator.TestFraction of each for accuracy.
func (r *runner) discriminatorStage(ctx context.Context, name string, cg, real *dataset) (*trainedDisc, error) {
	d := r.spec.Discriminator
	stageName := keys.DiscriminatorStage(name)
	seed := childSeed(r.spec.Seed, stageName)
	out := &trainedDisc{stageName: stageName,
		cg:   newSplit(cg.set.n, d.TestFraction, childSeed(seed, "split/cg")),
		real: newSplit(real.set.n, d.TestFraction, childSeed(seed, "split/real"))}
	inputs := struct {
		CG, Real tracker.ID
		Config   Discriminator
		Seed     int64
		Backend  string
	}{cg.manifest, real.manifest, d, seed, r.backend}
	cfg := r.discConfig(cg.set.size)
	st, err := r.stage(ctx, stageName, inputs, func(ctx context.Context, s *tracker.Stage) error {
		m, err := disc.New(cfg, childSeed(seed, "init"), r.discOptions()...)
		if err != nil {
			return err
		}
		steps := 0
		r.progress.Start(fmt.Sprintf("%s: training (%d+%d images, %d epochs)", stageName,
			len(out.cg.Train), len(out.real.Train), d.Epochs), 1)
		// Per-epoch curves (keys.StageAttrEpochs): the held-out images are
		// evaluated after every epoch, which reads the weights only.
		var curves keys.EpochCurves
		rep, err := m.Train(ctx, disc.TrainConfig{Epochs: d.Epochs, BatchSize: d.BatchSize, LR: d.LearningRate,
			Seed: childSeed(seed, "shuffle"), Progress: func(p disc.Progress) {
				if steps == 0 {
					r.progress.StartUnits(fmt.Sprintf("%s: training", stageName), p.Steps*p.Epochs, "steps")
				}
				steps++
				r.progress.Add(1)
			}, EpochEnd: func(er disc.EpochReport) error {
				ev, err := m.Evaluate(ctx, subset{cg.set, out.cg.Test}, subset{real.set, out.real.Test})
				if err != nil {
					return fmt.Errorf("evaluate held-out images: %w", err)
				}
				curves.TrainLoss = append(curves.TrainLoss, er.MeanLoss)
				curves.TrainAccuracy = append(curves.TrainAccuracy, er.Accuracy)
				curves.TestLoss = append(curves.TestLoss, ev.Loss)
				curves.TestAccuracy = append(curves.TestAccuracy, ev.Accuracy)
				return nil
			}},
			subset{cg.set, out.cg.Train}, subset{real.set, out.real.Train})
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		s.Attrs[keys.StageAttrEpochs] = keys.FormatEpochCurves(curves)
		ev, err := m.Evaluate(ctx, subset{cg.set, out.cg.Test}, subset{real.set, out.real.Test})
		if err != nil {
			return fmt.Errorf("evaluate: %w", err)
		}
		r.progress.Finish(fmt.Sprintf("held-out accuracy %.4f (%d+%d images)", ev.Accuracy, ev.CG, ev.Real))
		blob, err := m.MarshalBinary()
		if err != nil {
			return err
		}
		id, err := r.st.PutArtifact(ctx, blob, tracker.ArtifactMeta{Kind: "weights", MediaType: "application/octet-stream",
			RunID: r.runID, Stage: stageName, Name: "discriminator " + name})
		if err != nil {
			return fmt.Errorf("store weights: %w", err)
		}
		s.Outputs["weights"] = id
		s.Metrics[keys.Metric(stageName, keys.MeasureAccuracy)] = ev.Accuracy
		s.Metrics[keys.Metric(stageName, keys.MeasureCGAccuracy)] = ev.CGAccuracy
		s.Metrics[keys.Metric(stageName, keys.MeasureRealAccuracy)] = ev.RealAccuracy
		s.Metrics[keys.Metric(stageName, keys.MeasureTestLoss)] = ev.Loss
		if n := len(rep.Losses); n > 0 {
			s.Metrics[keys.Metric(stageName, keys.MeasureFinalTrainLoss)] = float64(rep.Losses[n-1])
		}
		s.Attrs["train_images"] = strconv.Itoa(len(out.cg.Train) + len(out.real.Train))
		s.Attrs["test_images"] = strconv.Itoa(ev.CG + ev.Real)
		s.Attrs["blas"] = r.backend
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.weights = st.Outputs["weights"]
	out.accuracy = st.Metrics[keys.Metric(stageName, keys.MeasureAccuracy)]
	blob, _, err := r.st.GetArtifact(ctx, out.weights)
	if err != nil {
		return nil, fmt.Errorf("%s: read weights: %w", stageName, err)
	}
	if out.model, err = disc.Load(blob, r.discOptions()...); err != nil {
		return nil, fmt.Errorf("%s: load weights %s: %w", stageName, out.weights, err)
	}
	return out, nil
}
