package experiments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image/png"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/coco"
	"github.com/cgx-dev/cgx/ml/seg"
	"github.com/cgx-dev/cgx/tracker"
)

// Kinds of segmentation training set (Segmentation.TrainingSets).
const (
	setBaseline   = iota // original CG
	setAugment           // original CG, randomly augmented every epoch
	setFitted            // CG after the fitted manipulation, one vector per image
	setRounds            // CG as style.rounds of the manipulation left it
	setStochastic        // CG, manipulated every epoch by a draw from its fitted distribution
)

// parseTrainingSet returns a training set's kind and its manipulation.
func parseTrainingSet(set string) (kind int, manipulation string) {
	switch {
	case set == keys.BaselineSet:
		return setBaseline, ""
	case set == AugmentSet:
		return setAugment, ""
	case strings.HasSuffix(set, RoundsSuffix):
		return setRounds, strings.TrimSuffix(set, RoundsSuffix)
	case strings.HasSuffix(set, StochasticSuffix):
		return setStochastic, strings.TrimSuffix(set, StochasticSuffix)
	}
	return setFitted, set
}

// trainingSet is one segmentation training set: its images (artifact ids,
// one per CG image of the segmentation order) and, for the augmented sets,
// how each image changes every epoch (augment makes the augmenter of one
// training seed; augmentKey describes it in stage keys).
type trainingSet struct {
	name       string
	images     []tracker.ID
	augment    func(seed int64) (augmenter, error)
	augmentKey string
}

// runSegmentation: datasets (CG and eval with instance masks), the
// discriminator, the fits each training set needs (point fits, style.rounds,
// distribution fits), then segmentation.seeds trainings per training set,
// each scored on eval. Training seed k is the same for every set (the same
// initial weights and shuffle), so sets can be compared seed by seed.
func (r *runner) runSegmentation(ctx context.Context) error {
	cg, err := r.datasetStage(ctx, "cg", r.spec.Datasets.CG)
	if err != nil {
		return err
	}
	real, err := r.datasetStage(ctx, "real", r.spec.Datasets.Real)
	if err != nil {
		return err
	}
	eval, err := r.datasetStage(ctx, "eval", r.spec.Datasets.Eval)
	if err != nil {
		return err
	}
	d, err := r.discriminatorStage(ctx, keys.DiscriminatorMain, cg, real)
	if err != nil {
		return err
	}
	order := d.cg.order()
	order = order[:min(len(order), r.spec.Segmentation.Images)]
	base := make([]tracker.ID, len(order))
	for i, idx := range order {
		base[i] = cg.imageIDs[idx]
	}
	sets := make([]trainingSet, 0, len(r.spec.Segmentation.TrainingSets))
	rounds := map[string]*roundsOutput{}
	for _, name := range r.spec.Segmentation.TrainingSets {
		ts, err := r.makeTrainingSet(ctx, name, cg, real, d, order, base, rounds)
		if err != nil {
			return err
		}
		sets = append(sets, ts)
	}
	var jobs []stageJob
	// Trainings run side by side with several workers: each then logs one
	// line when done, and one bar counts the steps of all of them.
	var shared *sharedSteps
	if n := len(sets) * r.spec.Segmentation.Seeds; r.workers > 1 && n > 1 {
		shared = &sharedSteps{jobs: n}
	}
	for _, ts := range sets {
		for k := 1; k <= r.spec.Segmentation.Seeds; k++ {
			jobs = append(jobs, r.segmentationJob(ts, k, cg, order, eval, shared))
		}
	}
	err = r.stageJobs(ctx, jobs)
	if shared != nil && shared.started.Load() {
		r.progress.Finish("")
	}
	if err != nil {
		return err
	}
	r.logSegmentationSummary(sets)
	return nil
}

// makeTrainingSet runs the fits a training set needs and returns it.
func (r *runner) makeTrainingSet(ctx context.Context, name string, cg, real *dataset, d *trainedDisc, order []int, base []tracker.ID, rounds map[string]*roundsOutput) (trainingSet, error) {
	ts := trainingSet{name: name, images: base}
	kind, m := parseTrainingSet(name)
	size := cg.set.size
	switch kind {
	case setAugment:
		ts.augmentKey = augmentKey()
		ts.augment = func(seed int64) (augmenter, error) { return randomAugmenter(seed, size) }
	case setFitted, setRounds:
		var images map[int]tracker.ID
		if kind == setRounds || slices.Contains(r.spec.Segmentation.TrainingSets, m+RoundsSuffix) {
			// style.rounds fits every CG image in round 1 under the point
			// fit's stage name, so the point set takes round 1 from there.
			ro, err := r.roundsFor(ctx, m, cg, real, d, rounds)
			if err != nil {
				return ts, err
			}
			images = ro.last
			if kind == setFitted {
				images = ro.first
			}
		} else {
			fo, err := r.fitStage(ctx, m, keys.DirectionCGToReal, cg, order, d, r.plantedGap(cg, real))
			if err != nil {
				return ts, err
			}
			images = make(map[int]tracker.ID, len(fo.images))
			for j, i := range fo.images {
				images[i] = fo.results[j]
			}
		}
		ts.images = make([]tracker.ID, len(order))
		for i, idx := range order {
			id, ok := images[idx]
			if !ok {
				return ts, fmt.Errorf("training set %s: CG image %d was not fitted; rerun with --force", name, idx)
			}
			ts.images[i] = id
		}
	case setStochastic:
		do, err := r.fitDistributionStage(ctx, m, cg, order, d, r.plantedGap(cg, real))
		if err != nil {
			return ts, err
		}
		ts.augmentKey = "stochastic " + do.stage.Key
		ts.augment = func(seed int64) (augmenter, error) { return stochasticAugmenter(do, seed, size), nil }
	}
	return ts, nil
}

// roundsOutput is what style.rounds of one manipulation left, per CG
// image index: the first round's fitted images and the last round's.
type roundsOutput struct {
	first, last map[int]tracker.ID
}

// roundsFor runs style.rounds for manipulation m once per run (stages are
// reused when stored) and reads the first and last round's images from the
// fit stages it recorded.
func (r *runner) roundsFor(ctx context.Context, m string, cg, real *dataset, d *trainedDisc, memo map[string]*roundsOutput) (*roundsOutput, error) {
	if ro, ok := memo[m]; ok {
		return ro, nil
	}
	from := len(r.stages)
	if err := r.styleRounds(ctx, m, cg, real, d, r.plantedGap(cg, real)); err != nil {
		return nil, err
	}
	firstStudy, lastStudy, lastRound := -1, -1, 0
	for _, s := range r.stages[from:] {
		mm, dir, k, ok := keys.ParseFitRoundStage(s.Name)
		if !ok || mm != m || dir != keys.DirectionCGToReal || len(s.Studies) != 1 {
			continue
		}
		if k == 1 {
			firstStudy = s.Studies[0]
		}
		if k > lastRound {
			lastRound, lastStudy = k, s.Studies[0]
		}
	}
	if firstStudy < 0 || lastStudy < 0 {
		return nil, fmt.Errorf("style.rounds of %s recorded no fit stage", m)
	}
	first, err := r.studyResults(firstStudy)
	if err != nil {
		return nil, err
	}
	last, err := r.studyResults(lastStudy)
	if err != nil {
		return nil, err
	}
	r.progress.Logf("  %s%s: the images round %d left", m, RoundsSuffix, lastRound)
	ro := &roundsOutput{first: first, last: last}
	memo[m] = ro
	return ro, nil
}

// studyResults maps each fitted image's index to its result artifact.
func (r *runner) studyResults(study int) (map[int]tracker.ID, error) {
	trials, err := r.st.GetAllTrials(study)
	if err != nil {
		return nil, err
	}
	out := make(map[int]tracker.ID, len(trials))
	for _, t := range trials {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		idx, err1 := strconv.Atoi(t.UserAttrs[keys.TrialImage])
		id, err2 := tracker.ParseID(t.UserAttrs[keys.TrialResult])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("study %d: trial %d lacks image/result attributes", study, t.Number)
		}
		out[idx] = id
	}
	return out, nil
}

// segmentationJob is the stage that trains the segmentation network with
// training seed k on ts's images (artifact ids) with the masks of cg's
// images order, and scores mask AP on eval.
// sharedSteps is the one progress bar of trainings that run side by side:
// started by the first step of any of them, over all of their steps.
type sharedSteps struct {
	jobs    int
	once    sync.Once
	started atomic.Bool
}

func (r *runner) segmentationJob(ts trainingSet, k int, cg *dataset, order []int, eval *dataset, shared *sharedSteps) stageJob {
	quiet := shared != nil
	g := r.spec.Segmentation
	stageName := keys.SegmentationSeedStage(ts.name, k)
	// Shared by every set: seed k starts from the same weights and shuffles alike.
	seed := childSeed(r.spec.Seed, "segmentation/seed-"+strconv.Itoa(k))
	augSeed := childSeed(r.spec.Seed, stageName+"/augment")
	images := ts.images
	masks := make([]tracker.ID, len(order))
	for i, idx := range order {
		masks[i] = cg.maskIDs[idx]
	}
	cfg := seg.DefaultConfig()
	cfg.Size = cg.set.size
	cfg.Channels = slices.Clone(g.Channels)
	inputs := struct {
		Images, Masks string
		Eval          tracker.ID
		Config        Segmentation
		Net           seg.Config
		Seed          int64
		Augment       string `json:",omitempty"`
		AugmentSeed   int64  `json:",omitempty"`
		Backend       string
	}{idsDigest(images), idsDigest(masks), eval.manifest, g, cfg, seed, ts.augmentKey, 0, r.backend}
	if ts.augment != nil {
		inputs.AugmentSeed = augSeed
	}
	// Every seed's stage is keyed by its own training, not by how many
	// seeds or which other sets the spec lists.
	inputs.Config.TrainingSets, inputs.Config.Seeds, inputs.Config.Channels = nil, 0, nil // Channels: in Net
	return stageJob{name: stageName, inputs: inputs, compute: func(ctx context.Context, s *tracker.Stage) error {
		var aug augmenter
		if ts.augment != nil {
			var err error
			if aug, err = ts.augment(augSeed); err != nil {
				return err
			}
		}
		// Read on demand through the bounded image cache: trainings of
		// several sets run at once, and a whole decoded set each is what
		// took the default profile to 6.9 GB.
		train := idsPixelSet(ctx, r.st, images, cg.set.size)
		trainMaps, err := newMaskSet(ctx, r.st, masks, cg.set.size)
		if err != nil {
			return err
		}
		evalMaps, err := r.decodeMasks(ctx, eval.maskIDs, eval.set.size)
		if err != nil {
			return err
		}
		m, err := seg.New(cfg, childSeed(seed, "init"))
		if err != nil {
			return err
		}
		steps := 0
		// The held-out loss per epoch is scored on the first heldOutImages
		// real evaluation images (a curve to watch, never used to choose).
		k := min(heldOutImages, eval.set.Len())
		tc := seg.TrainConfig{Epochs: g.Epochs, BatchSize: g.BatchSize, LR: g.LearningRate,
			Seed: childSeed(seed, "shuffle"), Augment: aug,
			HeldOutImages: firstImages{eval.set, k}, HeldOutMasks: firstMaps{evalMaps, k}}
		if !quiet {
			r.progress.Start(stageName+": training", 1)
			tc.Progress = func(p seg.Progress) {
				if steps == 0 {
					r.progress.StartUnits(fmt.Sprintf("%s: training on %d images", stageName, len(images)), p.Steps*p.Epochs, "steps")
				}
				steps++
				r.progress.Add(1)
			}
		} else {
			tc.Progress = func(p seg.Progress) {
				shared.once.Do(func() {
					r.progress.StartUnits(fmt.Sprintf("segmentation: %d trainings side by side, %d images each", shared.jobs, len(images)),
						shared.jobs*p.Steps*p.Epochs, "steps")
					shared.started.Store(true)
				})
				r.progress.Add(1)
			}
		}
		rep, err := m.Train(ctx, tc, train, trainMaps)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		// Training and held-out loss per epoch (keys.StageAttrEpochs); the
		// held-out measure that counts is mask AP.
		s.Attrs[keys.StageAttrEpochs] = keys.FormatEpochCurves(keys.EpochCurves{TrainLoss: rep.EpochLoss, TestLoss: rep.HeldOutLoss})
		pred, err := m.Predict(ctx, eval.set)
		if err != nil {
			return fmt.Errorf("predict: %w", err)
		}
		ids := make([]int64, eval.set.n)
		for i := range ids {
			ids[i] = int64(i + 1)
		}
		gt, err := seg.GroundTruth(evalMaps, ids)
		if err != nil {
			return err
		}
		results, err := seg.Results(ids, pred)
		if err != nil {
			return err
		}
		ev, err := coco.Evaluate(gt, results)
		if err != nil {
			return fmt.Errorf("mask AP: %w", err)
		}
		msg := fmt.Sprintf("mask AP %.4f, AP50 %.4f, AP75 %.4f on %d eval images", ev.Stats[0], ev.Stats[1], ev.Stats[2], eval.set.n)
		if quiet {
			r.progress.Logf("  %s: %s", stageName, msg)
		} else {
			r.progress.Finish(msg)
		}
		var gtBuf, dtBuf bytes.Buffer
		if err := coco.WriteDataset(&gtBuf, gt); err != nil {
			return err
		}
		if err := coco.WriteResults(&dtBuf, results); err != nil {
			return err
		}
		weights, err := m.Marshal()
		if err != nil {
			return err
		}
		for _, a := range []struct {
			role, kind, media string
			data              []byte
		}{{"coco_gt", "coco-gt", "application/json", gtBuf.Bytes()},
			{"coco_results", "coco-results", "application/json", dtBuf.Bytes()},
			{"weights", "weights", "application/octet-stream", weights}} {
			id, err := r.st.PutArtifact(ctx, a.data, tracker.ArtifactMeta{Kind: a.kind, MediaType: a.media,
				RunID: r.runID, Stage: stageName, Name: stageName + " " + a.role})
			if err != nil {
				return fmt.Errorf("store %s: %w", a.role, err)
			}
			s.Outputs[a.role] = id
		}
		for i, name := range coco.StatNames {
			s.Attrs["coco/"+name] = strconv.FormatFloat(ev.Stats[i], 'g', -1, 64)
		}
		s.Metrics[keys.Metric(stageName, keys.MeasureAP)] = ev.Stats[0]
		s.Metrics[keys.Metric(stageName, keys.MeasureAP50)] = ev.Stats[1]
		s.Metrics[keys.Metric(stageName, keys.MeasureAP75)] = ev.Stats[2]
		s.Attrs["train_images"] = strconv.Itoa(len(images))
		s.Attrs["training_set"] = ts.name
		s.Attrs["training_seed"] = strconv.Itoa(k)
		s.Attrs["eval_images"] = strconv.Itoa(eval.set.n)
		return nil
	}}
}

// idsDigest names a list of artifacts by the SHA-256 of their ids in order.
func idsDigest(ids []tracker.ID) string {
	h := sha256.New()
	for _, id := range ids {
		h.Write(id[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// decodeMasks loads instance-mask PNG artifacts (grey value = object id)
// into memory: for the evaluation set, which is small and read by every
// training. Training sets read theirs on demand (maskSet).
func (r *runner) decodeMasks(ctx context.Context, ids []tracker.ID, size int) (*seg.LabelMaps, error) {
	set, err := newMaskSet(ctx, r.st, ids, size)
	if err != nil {
		return nil, err
	}
	out := &seg.LabelMaps{H: size, W: size, Maps: make([][]int32, len(ids))}
	for i := range ids {
		out.Maps[i] = make([]int32, size*size)
		if err := set.Load(i, out.Maps[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maskSet is a seg.InstanceMaps that reads each instance-mask PNG artifact
// when it is loaded, so a training set's maps cost no memory between
// loads (31,000 maps as int32 were 508 MB per set at the paper profile).
type maskSet struct {
	ctx  context.Context
	st   datasets.ArtifactStore
	ids  []tracker.ID
	size int
}

// newMaskSet checks that every image has a mask; reading waits for Load.
func newMaskSet(ctx context.Context, st datasets.ArtifactStore, ids []tracker.ID, size int) (*maskSet, error) {
	for i, id := range ids {
		if id.IsZero() {
			return nil, fmt.Errorf("image %d has no instance mask; segmentation needs masks", i)
		}
	}
	return &maskSet{ctx: context.WithoutCancel(ctx), st: st, ids: slices.Clone(ids), size: size}, nil
}

func (m *maskSet) Len() int         { return len(m.ids) }
func (m *maskSet) Size() (int, int) { return m.size, m.size }

// Load decodes mask i into dst (size·size ids, row-major). It is safe for
// concurrent use: each call reads and decodes its own copy.
func (m *maskSet) Load(i int, dst []int32) error {
	if i < 0 || i >= len(m.ids) {
		return fmt.Errorf("mask %d: the set has %d", i, len(m.ids))
	}
	if len(dst) != m.size*m.size {
		return fmt.Errorf("mask %d: %d ids for a %dx%d map", i, len(dst), m.size, m.size)
	}
	id := m.ids[i]
	b, _, err := m.st.GetArtifact(m.ctx, id)
	if err != nil {
		return fmt.Errorf("read mask %s: %w", id, err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("decode mask %s: %w", id, err)
	}
	bd := img.Bounds()
	if bd.Dx() != m.size || bd.Dy() != m.size {
		return fmt.Errorf("mask %s is %dx%d, want %dx%d", id, bd.Dx(), bd.Dy(), m.size, m.size)
	}
	for y := 0; y < m.size; y++ {
		for x := 0; x < m.size; x++ {
			v, _, _, _ := img.At(bd.Min.X+x, bd.Min.Y+y).RGBA()
			dst[y*m.size+x] = int32(v >> 8)
		}
	}
	return nil
}

// heldOutImages bounds the real images a segmentation training scores after
// every epoch for its held-out loss curve.
const heldOutImages = 32

// firstImages is the first n images of a set.
type firstImages struct {
	seg.Images
	n int
}

func (f firstImages) Len() int { return f.n }

// firstMaps is the first n instance maps of a set.
type firstMaps struct {
	seg.InstanceMaps
	n int
}

func (f firstMaps) Len() int { return f.n }
