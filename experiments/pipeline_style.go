package experiments

import (
	"context"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/internal/keys"
)

// runStyle: datasets, one discriminator, then one fit stage per manipulation
// and direction (CG images pushed toward real, or real images toward CG).
func (r *runner) runStyle(ctx context.Context) error {
	cg, real, d, err := r.pairStages(ctx, keys.DiscriminatorMain)
	if err != nil {
		return err
	}
	for _, dir := range r.spec.Style.Directions {
		src, sp, planted := cg, d.cg, plantedGap(cg, real)
		if dir == keys.DirectionRealToCG {
			src, sp, planted = real, d.real, plantedGap(real, cg)
		}
		order := sp.order()
		order = order[:min(len(order), r.spec.Style.Images)]
		for _, m := range r.spec.Style.Manipulations {
			if _, err := r.fitStage(ctx, m, dir, src, order, d, planted); err != nil {
				return err
			}
		}
	}
	return nil
}

// plantedGap is the manipulation that takes from's style domain to to's, in
// the parameter vocabulary of docs/DATA.md; nil unless cgx generated both.
func plantedGap(from, to *dataset) map[string]float64 {
	if from.domain == nil || to.domain == nil {
		return nil
	}
	return blender.Gap(*from.domain, *to.domain)
}
