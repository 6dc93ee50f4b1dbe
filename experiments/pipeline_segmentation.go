package experiments

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"strconv"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/coco"
	"github.com/cgx-dev/cgx/ml/seg"
	"github.com/cgx-dev/cgx/tracker"
)

// runSegmentation: datasets (CG and eval with instance masks), the
// discriminator, a fit stage per proposal manipulation over the training
// images, then one segmentation stage per training set scored on eval.
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
	for _, set := range r.spec.Segmentation.TrainingSets {
		images := make([]tracker.ID, len(order))
		for i, idx := range order {
			images[i] = cg.imageIDs[idx]
		}
		if set != keys.BaselineSet {
			fo, err := r.fitStage(ctx, set, keys.DirectionCGToReal, cg, order, d, r.plantedGap(cg, real))
			if err != nil {
				return err
			}
			if len(fo.results) != len(order) {
				return fmt.Errorf("%s holds %d fitted images, want %d", keys.FitStage(set, keys.DirectionCGToReal), len(fo.results), len(order))
			}
			images = fo.results
		}
		if err := r.segmentationStage(ctx, set, cg, order, images, eval); err != nil {
			return err
		}
	}
	return nil
}

// segmentationStage trains the segmentation network on images (artifact ids)
// with the masks of cg's images order, and scores mask AP on eval.
func (r *runner) segmentationStage(ctx context.Context, set string, cg *dataset, order []int, images []tracker.ID, eval *dataset) error {
	g := r.spec.Segmentation
	stageName := keys.SegmentationStage(set)
	seed := childSeed(r.spec.Seed, stageName)
	masks := make([]tracker.ID, len(order))
	for i, idx := range order {
		masks[i] = cg.maskIDs[idx]
	}
	cfg := seg.DefaultConfig()
	cfg.Size = cg.set.size
	inputs := struct {
		Images, Masks string
		Eval          tracker.ID
		Config        Segmentation
		Net           seg.Config
		Seed          int64
		Backend       string
	}{idsDigest(images), idsDigest(masks), eval.manifest, g, cfg, seed, r.backend}
	_, err := r.stage(ctx, stageName, inputs, func(ctx context.Context, s *tracker.Stage) error {
		train, err := r.decodeImages(ctx, images, cg.set.size)
		if err != nil {
			return err
		}
		trainMaps, err := r.decodeMasks(ctx, masks, cg.set.size)
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
		r.progress.Start(stageName+": training", 1)
		rep, err := m.Train(ctx, seg.TrainConfig{Epochs: g.Epochs, BatchSize: g.BatchSize, LR: g.LearningRate,
			Seed: childSeed(seed, "shuffle"), Progress: func(p seg.Progress) {
				if steps == 0 {
					r.progress.StartUnits(fmt.Sprintf("%s: training on %d images", stageName, len(images)), p.Steps*p.Epochs, "steps")
				}
				steps++
				r.progress.Add(1)
			}}, train, trainMaps)
		if err != nil {
			return fmt.Errorf("train: %w", err)
		}
		// Training loss per epoch (keys.StageAttrEpochs); the segmentation
		// net has no held-out loss, its held-out measure is mask AP.
		s.Attrs[keys.StageAttrEpochs] = keys.FormatEpochCurves(keys.EpochCurves{TrainLoss: rep.EpochLoss})
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
		r.progress.Finish(fmt.Sprintf("mask AP %.4f, AP50 %.4f, AP75 %.4f on %d eval images", ev.Stats[0], ev.Stats[1], ev.Stats[2], eval.set.n))
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
		s.Attrs["eval_images"] = strconv.Itoa(eval.set.n)
		return nil
	})
	return err
}

// idsDigest names a list of artifacts by the SHA-256 of their ids in order.
func idsDigest(ids []tracker.ID) string {
	h := sha256.New()
	for _, id := range ids {
		h.Write(id[:])
	}
	return hex.EncodeToString(h.Sum(nil))
}

// decodeImages loads PNG artifacts into a pixel set, checking their size.
func (r *runner) decodeImages(ctx context.Context, ids []tracker.ID, size int) (*pixelSet, error) {
	imgs := make([]image.Image, len(ids))
	for i, id := range ids {
		b, _, err := r.st.GetArtifact(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read image %s: %w", id, err)
		}
		if imgs[i], err = png.Decode(bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("decode image %s: %w", id, err)
		}
	}
	return toPixelSet(imgs, size)
}

// decodeMasks loads instance-mask PNG artifacts (grey value = object id).
func (r *runner) decodeMasks(ctx context.Context, ids []tracker.ID, size int) (*seg.LabelMaps, error) {
	out := &seg.LabelMaps{H: size, W: size, Maps: make([][]int32, len(ids))}
	for i, id := range ids {
		if id.IsZero() {
			return nil, fmt.Errorf("image %d has no instance mask; segmentation needs masks", i)
		}
		b, _, err := r.st.GetArtifact(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("read mask %s: %w", id, err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("decode mask %s: %w", id, err)
		}
		bd := img.Bounds()
		if bd.Dx() != size || bd.Dy() != size {
			return nil, fmt.Errorf("mask %s is %dx%d, want %dx%d", id, bd.Dx(), bd.Dy(), size, size)
		}
		m := make([]int32, size*size)
		for y := 0; y < size; y++ {
			for x := 0; x < size; x++ {
				v, _, _, _ := img.At(bd.Min.X+x, bd.Min.Y+y).RGBA()
				m[y*size+x] = int32(v >> 8)
			}
		}
		out.Maps[i] = m
	}
	return out, nil
}
