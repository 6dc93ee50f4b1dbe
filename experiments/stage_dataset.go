package experiments

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"path/filepath"
	"strconv"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/internal/memstat"
	"github.com/cgx-dev/cgx/ml/tensorimg"
	"github.com/cgx-dev/cgx/tracker"
)

// dataset is a stored image set loaded for the run: its manifest, the
// decoded pixels and the artifact ids of each image (and mask).
type dataset struct {
	role     string
	manifest tracker.ID
	set      *pixelSet
	imageIDs []tracker.ID
	maskIDs  []tracker.ID // zero ids when the set has no masks
	domain   *style.Domain
}

// datasetSeed is the seed of a generated set. CG and real share one seed so
// that paired generators (exp1-lying/exp1-standing, exp2-random/exp2-shelf,
// products in both domains) render the same base scenes and differ only in
// what the experiment varies; the evaluation set has its own scenes.
func (r *runner) datasetSeed(role string) int64 {
	if role == "eval" {
		return childSeed(r.spec.Seed, "dataset/eval")
	}
	return childSeed(r.spec.Seed, "dataset/pair")
}

// datasetStage renders (or reuses) the set for role and loads it.
func (r *runner) datasetStage(ctx context.Context, role string, ds Dataset) (*dataset, error) {
	stageName := keys.DatasetStage(role)
	if ds.Source == "folder" {
		return r.folderStage(ctx, role, ds)
	}
	dom, err := style.DomainByName(ds.Domain)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stageName, err)
	}
	spec := datasets.Spec{Generator: ds.Generator, Count: ds.Count, Size: ds.Size,
		Seed: r.datasetSeed(role), Domain: dom, Masks: r.spec.Kind == KindSegmentation}
	inputs := struct {
		Spec string
	}{spec.Digest()}
	st, err := r.generateStage(ctx, stageName, inputs, spec, ds)
	if err != nil {
		return nil, err
	}
	return r.loadDataset(ctx, role, st.Outputs["manifest"])
}

// datasetChunk is the number of images in one dataset-chunk work item: two
// renderer batches, so a 25,000-image set is about 100 items.
var datasetChunk = 256

// generateStage renders a generated dataset as dataset-chunk work items
// (any walker renders any chunk: image i depends only on the spec and i) and
// assembles their manifest entries, in index order, into the manifest
// datasets.Generate would store. A dataset already stored (the same spec
// rendered by another run) is reused: its chunks are read, not rendered.
func (r *runner) generateStage(ctx context.Context, stageName string, inputs any, spec datasets.Spec, ds Dataset) (tracker.Stage, error) {
	existing, existingID, found, err := datasets.Find(ctx, r.st, spec.Digest())
	if err != nil {
		return tracker.Stage{}, fmt.Errorf("%s: %w", stageName, err)
	}
	chunks := (spec.Count + datasetChunk - 1) / datasetChunk
	bounds := func(i int) (int, int) { return i * datasetChunk, min((i+1)*datasetChunk, spec.Count) }
	// Chunks render concurrently (r.workers at once); each uses a share of the cores.
	perChunk := max(1, r.workers/max(1, min(r.workers, chunks)))
	opt := datasets.GenerateOptions{Workers: perChunk, RunID: r.runID, Stage: stageName}
	started := false
	return r.itemStage(ctx, stageName, inputs, itemWork{
		Kind: WorkDatasetChunk,
		N:    chunks,
		Payload: func(i int) []byte {
			lo, hi := bounds(i)
			return fmt.Appendf(nil, `{"images":[%d,%d]}`, lo, hi)
		},
		Compute: func(ctx context.Context, i int) ([]byte, error) {
			lo, hi := bounds(i)
			if found {
				return json.Marshal(existing.Images[lo:hi])
			}
			r.startOnce(&started, fmt.Sprintf("%s: rendering %d %s images (%s domain, %d px)", stageName, ds.Count, ds.Generator, ds.Domain, ds.Size), ds.Count)
			entries, err := datasets.GenerateRange(ctx, r.st, spec, opt, lo, hi)
			if err != nil {
				return nil, err
			}
			r.progress.Add(hi - lo)
			return json.Marshal(entries)
		},
		Reduce: func(ctx context.Context, s *tracker.Stage, outs [][]byte) error {
			res := datasets.GenerateResult{Manifest: existing, ID: existingID, Cached: found}
			if !found {
				var entries []datasets.ManifestEntry
				for i, b := range outs {
					var part []datasets.ManifestEntry
					if err := json.Unmarshal(b, &part); err != nil {
						return fmt.Errorf("chunk %d: stored entries: %w", i, err)
					}
					entries = append(entries, part...)
				}
				if res, err = datasets.StoreManifest(ctx, r.st, spec, opt, entries); err != nil {
					return err
				}
				if started {
					r.progress.Finish(fmt.Sprintf("manifest %s", res.ID.String()[:12]))
				} else {
					r.progress.Logf("  %s: manifest %s (images rendered by other workers)", stageName, res.ID.String()[:12])
				}
			}
			s.Outputs["manifest"] = res.ID
			s.Attrs["images"] = strconv.Itoa(len(res.Manifest.Images))
			s.Attrs["spec_digest"] = res.Manifest.SpecDigest
			s.Attrs["reused_dataset"] = strconv.FormatBool(res.Cached)
			return nil
		},
	})
}

// startOnce starts a progress line the first time this walker renders a
// chunk of a stage.
func (r *runner) startOnce(started *bool, task string, total int) {
	r.startMu.Lock()
	defer r.startMu.Unlock()
	if !*started {
		*started = true
		r.progress.StartUnits(task, total, "images")
	}
}

// loadDataset opens a stored dataset; its images are read on demand
// (datasetPixelSet), each checked against its digest.
func (r *runner) loadDataset(ctx context.Context, role string, id tracker.ID) (*dataset, error) {
	if d, ok := r.loaded[id]; ok {
		c := *d
		c.role = role
		return &c, nil
	}
	bd, err := datasets.Open(ctx, r.st, id)
	if err != nil {
		return nil, fmt.Errorf("open dataset %s: %w", role, err)
	}
	m := bd.Manifest()
	set := datasetPixelSet(ctx, bd, m.Size)
	d := &dataset{role: role, manifest: id, set: set, domain: m.Domain}
	for _, e := range m.Images {
		d.imageIDs = append(d.imageIDs, e.Image)
		d.maskIDs = append(d.maskIDs, e.Mask)
	}
	r.loaded[id] = d
	return d, nil
}

// attrPeakRSS is the stage attribute holding the process's peak resident
// memory during the stage, in bytes (internal/memstat). It is an attribute,
// not a metric: it depends on the machine and Go's collector, and verify
// compares metrics bit for bit. The mark is process-wide; attrPeakRSSScope
// says whether it was reset when the stage began ("stage") or covers the
// process so far ("process").
const (
	attrPeakRSS      = "peak_rss_bytes"
	attrPeakRSSScope = "peak_rss_scope"
)

// recordPeakRSS stores the peak resident memory on s; resetErr is what
// memstat.Reset said when the stage began.
func recordPeakRSS(s *tracker.Stage, resetErr error) {
	peak, err := memstat.Peak()
	if err != nil {
		return
	}
	s.Attrs[attrPeakRSS] = strconv.FormatInt(peak, 10)
	s.Attrs[attrPeakRSSScope] = "stage"
	if resetErr != nil {
		s.Attrs[attrPeakRSSScope] = "process"
	}
}

func toPixelSet[T image.Image](imgs []T, size int) (*pixelSet, error) {
	p := &pixelSet{n: len(imgs), size: size}
	p.pix = make([]float32, p.n*p.stride())
	for i, img := range imgs {
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			return nil, fmt.Errorf("image %d is %dx%d, want %dx%d", i, b.Dx(), b.Dy(), size, size)
		}
		if err := tensorimg.FromImage(img, p.image(i)); err != nil {
			return nil, fmt.Errorf("image %d: %w", i, err)
		}
	}
	return p, nil
}

// folderStage reads a user's image folder into the store. The folder is read
// (and hashed) on every run, so the stage key follows its content: a changed
// folder is a new dataset, an unchanged one a cache hit.
func (r *runner) folderStage(ctx context.Context, role string, ds Dataset) (*dataset, error) {
	stageName := keys.DatasetStage(role)
	dir, masks := r.specRelative(ds.Path), ""
	if ds.Masks != "" {
		masks = r.specRelative(ds.Masks)
	}
	r.progress.Start(fmt.Sprintf("%s: reading %s", stageName, dir), 1)
	res, err := datasets.FromFolder(ctx, r.st, datasets.FolderSpec{Dir: dir, Masks: masks, Size: ds.Size, Policy: ds.Policy},
		datasets.GenerateOptions{Workers: r.workers, RunID: r.runID, Stage: stageName,
			Progress: func(done, total int) { r.progress.Set(done) }})
	if err != nil {
		return nil, fmt.Errorf("%s (datasets.%s.path = %q): %w", stageName, role, ds.Path, err)
	}
	r.progress.Finish(fmt.Sprintf("%d images, manifest %s", len(res.Manifest.Images), res.ID.String()[:12]))
	if r.spec.Kind == KindSegmentation && role != "real" && !res.Manifest.HasMasks() {
		return nil, fmt.Errorf("%s: segmentation needs instance masks for every image of %s; set datasets.%s.masks", stageName, dir, role)
	}
	st, err := r.stage(ctx, stageName, struct{ Manifest tracker.ID }{res.ID}, func(ctx context.Context, s *tracker.Stage) error {
		s.Outputs["manifest"] = res.ID
		s.Attrs["images"] = strconv.Itoa(len(res.Manifest.Images))
		s.Attrs["folder"] = dir
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.loadDataset(ctx, role, st.Outputs["manifest"])
}

// specRelative resolves a path from the spec relative to the spec file's
// directory (the working directory for built-in and stored specs).
func (r *runner) specRelative(p string) string {
	if filepath.IsAbs(p) || r.specDir == "" {
		return p
	}
	return filepath.Join(r.specDir, p)
}
