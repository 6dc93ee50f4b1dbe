package experiments

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"

	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// runStyle: datasets, one discriminator, then one fit stage per manipulation
// and direction (CG images pushed toward real, or real images toward CG).
func (r *runner) runStyle(ctx context.Context) error {
	cg, real, d, err := r.pairStages(ctx, keys.DiscriminatorMain)
	if err != nil {
		return err
	}
	for _, dir := range r.spec.Style.Directions {
		if dir == keys.DirectionCGToReal && r.spec.Style.Rounds > 1 {
			for _, m := range r.spec.Style.Manipulations {
				if err := r.styleRounds(ctx, m, cg, real, d, r.plantedGap(cg, real)); err != nil {
					return err
				}
			}
			continue
		}
		src, sp, planted := cg, d.cg, r.plantedGap(cg, real)
		if dir == keys.DirectionRealToCG {
			src, sp, planted = real, d.real, r.plantedGap(real, cg)
		}
		order := sp.order()
		order = order[:min(len(order), r.spec.Style.Images)]
		in := src
		for _, m := range r.spec.Style.Manipulations {
			fo, err := r.fitStage(ctx, m, dir, in, order, d, planted)
			if err != nil {
				return err
			}
			if r.spec.Style.Chain {
				if in, err = r.fittedDataset(ctx, in, fo); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// planted is the gap a fit should recover, in the parameter vocabulary of
// docs/DATA.md: one map for the whole set (the expected gap when the source
// domain varies per image), and per image when it does.
type planted struct {
	study    map[string]float64
	perImage func(index int) map[string]float64 // nil: every image has the study's gap
	// In rounds after the first (style.rounds): the values earlier rounds
	// applied to each image, and its whole planted gap; perImage is then the
	// gap they left.
	before, full func(index int) map[string]float64
}

// plantedGap is the manipulation that takes from's style domain to to's;
// empty unless cgx generated both. When from varies per image (a domain
// with Variation), each image's gap is stated from its own drawn domain;
// when to varies, the gap is to its mean domain (a fit cannot know which
// target image it imitates).
func (r *runner) plantedGap(from, to *dataset) planted {
	if from.domain == nil || to.domain == nil {
		return planted{}
	}
	target := to.domain.MeanDomain()
	p := planted{study: style.Gap(from.domain.MeanDomain(), target)}
	if from.domain.Vary != nil {
		dom, seed := *from.domain, r.datasetSeed(from.role)
		p.perImage = func(i int) map[string]float64 {
			return style.Gap(dom.ImageDomain(style.ImageSeed(seed, i)), target)
		}
	}
	return p
}

// fittedDataset is src with each image a fit changed replaced by its fitted
// image (style.chain): the next manipulation starts where this one ended.
// Its manifest id names the source and the fitted images, so stages fitted
// on it are keyed by what they read.
func (r *runner) fittedDataset(ctx context.Context, src *dataset, fo *fitOutcome) (*dataset, error) {
	set, err := replacedPixelSet(ctx, r.st, src.set, fo.images, fo.results)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fo.stage.Name, err)
	}
	ids := slices.Clone(src.imageIDs)
	h := sha256.New()
	h.Write([]byte("chain\n"))
	h.Write(src.manifest[:])
	for k, i := range fo.images {
		ids[i] = fo.results[k]
		h.Write(fo.results[k][:])
	}
	return &dataset{role: src.role, manifest: tracker.ID(h.Sum(nil)), set: set, imageIDs: ids,
		maskIDs: src.maskIDs, domain: src.domain}, nil
}
