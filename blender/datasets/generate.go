package datasets

import (
	"context"
	"fmt"
	"runtime"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/internal/seeds"
	"github.com/cgx-dev/cgx/tracker"
)

// GenerateOptions tune how a dataset is made; none of them changes its
// bytes.
type GenerateOptions struct {
	// Workers renders and encodes this many images at once; 0 means
	// GOMAXPROCS.
	Workers int
	// Renderer replaces the one the spec names (for a Cycles with another
	// executable, say); its Name must match the spec's renderer.
	Renderer blender.Renderer
	// RunID and Stage are recorded on the artifacts written.
	RunID int
	Stage string
	// Progress, when set, is called after each batch with the number of
	// images done, from the calling goroutine.
	Progress func(done, total int)
}

// GenerateResult is what Generate made or found.
type GenerateResult struct {
	Manifest *Manifest
	ID       tracker.ID // the manifest artifact
	Cached   bool       // an identical dataset was already stored
}

// generateBatch is the number of scenes handed to the renderer at once.
const generateBatch = 128

// Generate renders the dataset spec describes, stores its images, masks
// and manifest, and returns the manifest. A dataset with the same spec
// digest already in the store is returned as is (Cached). The bytes are the
// same for any number of workers: image i depends only on the spec and i.
func Generate(ctx context.Context, store ArtifactStore, spec Spec, opt GenerateOptions) (GenerateResult, error) {
	if err := spec.Validate(); err != nil {
		return GenerateResult{}, err
	}
	spec = spec.normalize()
	digest := spec.Digest()
	if m, id, ok, err := Find(ctx, store, digest); err != nil {
		return GenerateResult{}, err
	} else if ok {
		return GenerateResult{Manifest: m, ID: id, Cached: true}, nil
	}
	r, err := datasetRenderer(spec, opt)
	if err != nil {
		return GenerateResult{}, err
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	dom := spec.Domain
	m := &Manifest{Format: ManifestFormat, Source: "generate", Spec: &spec, SpecDigest: digest,
		Generator: GeneratorVersion, Domain: &dom, Size: spec.Size, Images: make([]ManifestEntry, 0, spec.Count)}
	summary := fmt.Sprintf("%s/%s ×%d @%dpx seed %d", spec.Generator, spec.Domain.Name, spec.Count, spec.Size, spec.Seed)
	// Batch k is stored (in index order, on its own goroutine, with one
	// sync and one commit when the store batches) while batch k+1 renders:
	// storing is mostly waiting for the disk, rendering the CPU. At most one batch is being stored; m.Images is only touched by
	// that store until its result is received.
	var storing chan error
	waitStored := func() error {
		if storing == nil {
			return nil
		}
		err := <-storing
		storing = nil
		if err == nil && opt.Progress != nil {
			opt.Progress(len(m.Images), spec.Count)
		}
		return err
	}
	for start := 0; start < spec.Count; start += generateBatch {
		idx := make([]int, 0, generateBatch)
		for i := start; i < min(start+generateBatch, spec.Count); i++ {
			idx = append(idx, i)
		}
		items, err := renderItems(ctx, spec, r, idx, workers)
		if serr := waitStored(); serr != nil {
			return GenerateResult{}, fmt.Errorf("generate %s: %w", summary, serr)
		}
		if err != nil {
			return GenerateResult{}, fmt.Errorf("generate %s: %w", summary, err)
		}
		storing = make(chan error, 1)
		go func(done chan<- error) { done <- storeItems(ctx, store, spec, opt, m, summary, idx, items) }(storing)
	}
	if err := waitStored(); err != nil {
		return GenerateResult{}, fmt.Errorf("generate %s: %w", summary, err)
	}
	data, err := m.Encode()
	if err != nil {
		return GenerateResult{}, err
	}
	id, err := store.PutArtifact(ctx, data, tracker.ArtifactMeta{Kind: KindManifest, MediaType: mediaJSON,
		RunID: opt.RunID, Stage: opt.Stage, Name: manifestName(digest, summary)})
	if err != nil {
		return GenerateResult{}, fmt.Errorf("generate %s: store manifest: %w", summary, err)
	}
	return GenerateResult{Manifest: m, ID: id}, nil
}

// storeItems stores one batch's images and masks (when the spec keeps
// bytes), in index order and with one putArtifacts call, and appends their
// manifest entries to m.
func storeItems(ctx context.Context, store ArtifactStore, spec Spec, opt GenerateOptions, m *Manifest, summary string, idx []int, items []item) error {
	entries := make([]ManifestEntry, len(items))
	var puts []tracker.ArtifactPut
	for k, it := range items {
		entries[k] = ManifestEntry{Image: tracker.Sum(it.png), Label: spec.label(), Objects: it.objects, Scene: it.scene}
		if it.mask != nil {
			entries[k].Mask = tracker.Sum(it.mask)
		}
		if spec.Storage != StoreArtifacts {
			continue
		}
		name := fmt.Sprintf("%s #%d", summary, idx[k])
		puts = append(puts, tracker.ArtifactPut{Data: it.png, Meta: tracker.ArtifactMeta{Kind: KindImage, MediaType: mediaPNG,
			RunID: opt.RunID, Stage: opt.Stage, Name: name}})
		if it.mask != nil {
			puts = append(puts, tracker.ArtifactPut{Data: it.mask, Meta: tracker.ArtifactMeta{Kind: KindMask, MediaType: mediaPNG,
				RunID: opt.RunID, Stage: opt.Stage, Name: name + " mask"}})
		}
	}
	if len(puts) > 0 {
		ids, err := putArtifacts(ctx, store, puts)
		if err != nil {
			return fmt.Errorf("store images %d-%d: %w", idx[0], idx[len(idx)-1], err)
		}
		j := 0
		for k := range entries {
			entries[k].Image = ids[j]
			j++
			if items[k].mask != nil {
				entries[k].Mask = ids[j]
				j++
			}
		}
	}
	m.Images = append(m.Images, entries...)
	return nil
}

func datasetRenderer(spec Spec, opt GenerateOptions) (blender.Renderer, error) {
	if opt.Renderer != nil {
		if opt.Renderer.Name() != spec.Renderer {
			return nil, fmt.Errorf("%w: spec renderer %q but options give %q", ErrInvalidSpec, spec.Renderer, opt.Renderer.Name())
		}
		return opt.Renderer, nil
	}
	if spec.Renderer == "blender" {
		c := &blender.Cycles{}
		if err := c.Available(); err != nil {
			return nil, err
		}
		return c, nil
	}
	return &blender.Embedded{Workers: opt.Workers}, nil
}

// item is one generated image: PNG bytes of the styled render and of the
// mask (nil unless the spec keeps masks).
type item struct {
	png, mask []byte
	scene     string
	objects   int
}

// renderItems renders, styles and encodes images idx of spec, in parallel.
func renderItems(ctx context.Context, spec Spec, r blender.Renderer, idx []int, workers int) ([]item, error) {
	// Scenes depend only on (generator, seed, index): generated on all
	// workers, each into its own slot.
	scenes := make([]scene.Scene, len(idx))
	err := forEach(ctx, len(idx), workers, func(k int) (err error) {
		scenes[k], err = scene.Generate(spec.Generator, spec.Seed, idx[k], spec.Size)
		return err
	})
	if err != nil {
		return nil, err
	}
	frames, err := r.Render(ctx, scenes)
	if err != nil {
		return nil, err
	}
	items := make([]item, len(idx))
	err = forEach(ctx, len(idx), workers, func(k int) (err error) {
		if items[k], err = styleItem(spec, idx[k], scenes[k], frames[k]); err != nil {
			return fmt.Errorf("image %d: %w", idx[k], err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return items, nil
}

func styleItem(spec Spec, index int, s scene.Scene, f blender.Frame) (item, error) {
	img, err := spec.Domain.Apply(f.RGB, seeds.Child(uint64(spec.Seed), fmt.Sprintf("domain/%d", index)))
	if err != nil {
		return item{}, err
	}
	it := item{scene: s.Digest(), objects: countInstances(f.Mask.Pix)}
	if it.png, err = imageio.EncodePNG(img); err != nil {
		return item{}, err
	}
	if spec.Masks {
		if it.mask, err = imageio.EncodePNG(f.Mask); err != nil {
			return item{}, err
		}
	}
	return it, nil
}

// countInstances returns the number of distinct non-zero ids.
func countInstances(ids []uint8) int {
	var seen [256]bool
	n := 0
	for _, v := range ids {
		if v != 0 && !seen[v] {
			seen[v] = true
			n++
		}
	}
	return n
}
