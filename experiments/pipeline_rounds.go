package experiments

import (
	"context"
	"strconv"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/ml/manip"
)

// styleRounds runs style.rounds discriminator-and-fit rounds for one
// manipulation, CG to real: round 1 fits every CG image against the main
// discriminator; each later round trains a fresh discriminator
// ("discriminator/<m>/round-<k>") on the CG images as the rounds so far left
// them against real, stops when its held-out accuracy falls below
// style.round_accuracy, and otherwise fits every image again on top
// ("fit/<m>/cg-to-real/round-<k>"). Every image is fitted (not
// style.images): the next discriminator trains on all of them.
func (r *runner) styleRounds(ctx context.Context, m string, cg, real *dataset, d *trainedDisc, pl planted) error {
	sty := r.spec.Style
	dir := keys.DirectionCGToReal
	cur, disc := cg, d
	order := d.cg.order()
	done := map[int]map[string]float64{} // per image, the values applied so far (composed)
	for k := 1; k <= sty.Rounds; k++ {
		if k > 1 {
			var err error
			if disc, err = r.discriminatorStage(ctx, m+"/"+keys.Round(k), cur, real); err != nil {
				return err
			}
			if disc.accuracy < sty.RoundAccuracy {
				break
			}
		}
		p := pl
		if k > 1 && pl.perImage != nil && composable(m) {
			prev := copyDone(done)
			p = planted{study: nil, before: func(i int) map[string]float64 { return prev[i] }, full: pl.perImage,
				perImage: func(i int) map[string]float64 { return remaining(pl.perImage(i), prev[i]) }}
		} else if k > 1 {
			p = planted{} // earlier rounds changed the images: the original gap no longer applies as is
		}
		fo, err := r.fitStageRound(ctx, m, dir, k, cur, order, disc, p)
		if err != nil {
			return err
		}
		for j, i := range fo.images {
			if prev, ok := done[i]; ok {
				done[i] = compose(prev, fo.values[j])
			} else {
				done[i] = fo.values[j]
			}
		}
		if k < sty.Rounds {
			if cur, err = r.fittedDataset(ctx, cur, fo); err != nil {
				return err
			}
		}
	}
	return nil
}

func copyDone(d map[int]map[string]float64) map[int]map[string]float64 {
	out := make(map[int]map[string]float64, len(d))
	for i, v := range d {
		out[i] = v
	}
	return out
}

// cumulativeTrials restates a round's trials with the values of all rounds
// so far (composed) and each image's whole planted gap, for the cumulative
// recovery measures.
func cumulativeTrials(trials []goptuna.FrozenTrial, m manip.Manipulation, pl planted) []goptuna.FrozenTrial {
	var out []goptuna.FrozenTrial
	for _, t := range trials {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		i, err := strconv.Atoi(t.UserAttrs[keys.TrialImage])
		if err != nil {
			continue
		}
		vals := t.InternalParams
		if before := pl.before(i); before != nil {
			vals = compose(before, t.InternalParams)
		}
		out = append(out, goptuna.FrozenTrial{State: goptuna.TrialStateComplete, InternalParams: vals,
			UserAttrs: map[string]string{keys.TrialPlanted: plantedJSON(pl.full(i), m), keys.TrialAtBound: t.UserAttrs[keys.TrialAtBound]}})
	}
	return out
}
