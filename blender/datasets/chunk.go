package datasets

import (
	"context"
	"fmt"
	"runtime"

	"github.com/cgx-dev/cgx/tracker"
)

// GenerateRange renders images [start, end) of the dataset spec describes,
// stores their images and masks as Generate does (the same bytes and
// artifacts) and returns their manifest entries in index order. A dataset
// split over workers (experiments' dataset-chunk work items) is rendered
// range by range, on any worker and in any order, and assembled with
// StoreManifest into the manifest Generate would have stored.
func GenerateRange(ctx context.Context, store ArtifactStore, spec Spec, opt GenerateOptions, start, end int) ([]ManifestEntry, error) {
	if err := spec.Validate(); err != nil {
		return nil, err
	}
	spec = spec.normalize()
	if start < 0 || end > spec.Count || start >= end {
		return nil, fmt.Errorf("%w: image range [%d, %d) of a %d-image dataset", ErrInvalidSpec, start, end, spec.Count)
	}
	r, err := datasetRenderer(spec, opt)
	if err != nil {
		return nil, err
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	summary := generateSummary(spec)
	m := &Manifest{Images: make([]ManifestEntry, 0, end-start)}
	for b := start; b < end; b += generateBatch {
		idx := make([]int, 0, generateBatch)
		for i := b; i < min(b+generateBatch, end); i++ {
			idx = append(idx, i)
		}
		items, err := renderItems(ctx, spec, r, idx, workers)
		if err != nil {
			return nil, fmt.Errorf("generate %s: %w", summary, err)
		}
		if err := storeItems(ctx, store, spec, opt, m, summary, idx, items); err != nil {
			return nil, fmt.Errorf("generate %s: %w", summary, err)
		}
		if opt.Progress != nil {
			opt.Progress(len(m.Images), end-start)
		}
	}
	return m.Images, nil
}

// StoreManifest stores the manifest of the dataset spec describes, made of
// entries (every image, in index order, as GenerateRange returned them),
// and returns it: the manifest, and its artifact, that Generate stores.
func StoreManifest(ctx context.Context, store ArtifactStore, spec Spec, opt GenerateOptions, entries []ManifestEntry) (GenerateResult, error) {
	if err := spec.Validate(); err != nil {
		return GenerateResult{}, err
	}
	spec = spec.normalize()
	if len(entries) != spec.Count {
		return GenerateResult{}, fmt.Errorf("%w: %d manifest entries for a %d-image dataset", ErrInvalidSpec, len(entries), spec.Count)
	}
	digest := spec.Digest()
	dom := spec.Domain
	m := &Manifest{Format: ManifestFormat, Source: "generate", Spec: &spec, SpecDigest: digest,
		Generator: GeneratorVersion, Domain: &dom, Size: spec.Size, Images: append([]ManifestEntry(nil), entries...)}
	data, err := m.Encode()
	if err != nil {
		return GenerateResult{}, err
	}
	summary := generateSummary(spec)
	id, err := store.PutArtifact(ctx, data, tracker.ArtifactMeta{Kind: KindManifest, MediaType: mediaJSON,
		RunID: opt.RunID, Stage: opt.Stage, Name: manifestName(digest, summary)})
	if err != nil {
		return GenerateResult{}, fmt.Errorf("generate %s: store manifest: %w", summary, err)
	}
	return GenerateResult{Manifest: m, ID: id}, nil
}

// generateSummary names a generated dataset in artifact names, as Generate does.
func generateSummary(spec Spec) string {
	return fmt.Sprintf("%s/%s ×%d @%dpx seed %d", spec.Generator, spec.Domain.Name, spec.Count, spec.Size, spec.Seed)
}
