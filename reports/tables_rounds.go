package reports

import (
	"math"
	"sort"

	"github.com/cgx-dev/cgx/internal/keys"
)

// TableRounds is the name of the table of style.rounds.
const TableRounds = "style-rounds"

// roundCue is one planted cue's recovery in one round: the round's own
// values against the gap the earlier rounds left, and (cumulative) the
// values of all rounds so far composed against the whole planted gap.
type roundCue struct {
	param                                   string
	planted, fitted, r, absErr, relErr, bnd float64
	cumPlanted, cumFitted, cumR             float64
	cumAbs, cumRel                          float64
	fromTrials                              bool // own values came from the study's trials
}

// roundRow is one round of one manipulation's style.rounds.
type roundRow struct {
	key                             styleKey
	disc                            string
	accuracy                        float64
	images, successRate, boundShare float64
	cues                            []roundCue
}

// roundsOf collects the rounds of every manipulation that ran style.rounds:
// one with a later round (a fit stage or study of round 2 or more, or a
// round discriminator), all of its rounds from 1. Values come from the
// studies' trials when the database holds them, else from the fit stages'
// metrics; cumulative values always from the metrics (the runner composes
// the rounds' manipulations), and round 1's cumulative values are its own.
func (rd *RunData) roundsOf() []roundRow {
	rows := map[styleKey]*roundRow{}
	multi := map[[2]string]bool{}
	get := func(k styleKey) *roundRow {
		if rows[k] == nil {
			rows[k] = &roundRow{key: k, accuracy: math.NaN(), images: math.NaN(), successRate: math.NaN(), boundShare: math.NaN()}
		}
		return rows[k]
	}
	for _, s := range rd.Studies {
		if s.pointFit() && s.Round > 1 {
			multi[[2]string{s.Manipulation, s.Direction}] = true
		}
	}
	for k := range rd.Metrics {
		stage, _, ok := keys.SplitMetric(k)
		if !ok {
			continue
		}
		if m, d, r, ok := keys.ParseFitRoundStage(stage); ok && r > 1 {
			multi[[2]string{m, d}] = true
		}
		if name, ok := keys.ParseDiscriminatorStage(stage); ok {
			if m, _, ok := keys.ParseRoundDiscriminator(name); ok {
				multi[[2]string{m, keys.DirectionCGToReal}] = true
			}
		}
	}
	if len(multi) == 0 {
		return nil
	}
	// Fits: studies first, metrics where no study.
	for _, s := range rd.Studies {
		if !s.pointFit() || !multi[[2]string{s.Manipulation, s.Direction}] {
			continue
		}
		row := get(styleKey{s.Manipulation, s.Direction, styleRound(s)})
		c := s.Complete()
		if len(c) == 0 {
			continue
		}
		row.images = float64(len(c))
		succ := 0
		for _, t := range c {
			if s.succeeded(t) {
				succ++
			}
		}
		row.successRate = float64(succ) / row.images
		row.boundShare = boundShare(s)
		for _, r := range studyRecovery(s) {
			row.cues = append(row.cues, roundCue{param: r.param, planted: r.plantedMedian(), fitted: median(r.fitted),
				r: r.corr(), absErr: median(r.absErr), relErr: median(r.relErr), bnd: r.boundShare(),
				cumPlanted: math.NaN(), cumFitted: math.NaN(), cumR: math.NaN(), cumAbs: math.NaN(), cumRel: math.NaN(), fromTrials: true})
		}
	}
	for subj, m := range metricGroups(rd.Metrics, fitRoundSubject, keys.MeasureImages, keys.MeasureSuccessRate, keys.MeasureAtBound) {
		k := styleKeyOf(subj)
		if !multi[[2]string{k.manipulation, k.direction}] {
			continue
		}
		row := get(k)
		if !math.IsNaN(row.images) {
			continue
		}
		row.images, row.successRate, row.boundShare = metricOr(m, keys.MeasureImages), metricOr(m, keys.MeasureSuccessRate), metricOr(m, keys.MeasureAtBound)
	}
	// Per-parameter metrics: own ones where the study gave none, and the
	// cumulative ones; the share at a bound only for cues with planted
	// values (a second pass), so that unplanted parameters add no rows.
	for pass := 0; pass < 2; pass++ {
		for k, v := range rd.Metrics {
			stage, meas, ok := keys.SplitMetric(k)
			if !ok {
				continue
			}
			m, d, r, ok := keys.ParseFitRoundStage(stage)
			if !ok || !multi[[2]string{m, d}] {
				continue
			}
			stat, param, cum, ok := keys.ParseRecoveryMeasure(meas)
			if !ok {
				continue
			}
			if (stat == keys.StatAtBound) != (pass == 1) {
				continue
			}
			row := get(styleKey{m, d, r})
			cue := row.cue(param, pass == 0)
			if cue == nil {
				continue
			}
			if cum {
				switch stat {
				case keys.StatPlantedMedian:
					cue.cumPlanted = v
				case keys.StatFittedMedian:
					cue.cumFitted = v
				case keys.StatR:
					cue.cumR = v
				case keys.StatMedianAbsError:
					cue.cumAbs = v
				case keys.StatMedianRelError:
					cue.cumRel = v
				}
				continue
			}
			if cue.fromTrials {
				continue
			}
			switch stat {
			case keys.StatPlantedMedian:
				cue.planted = v
			case keys.StatFittedMedian:
				cue.fitted = v
			case keys.StatR:
				cue.r = v
			case keys.StatMedianAbsError:
				cue.absErr = v
			case keys.StatMedianRelError:
				cue.relErr = v
			case keys.StatAtBound:
				cue.bnd = v
			}
		}
	}
	// Discriminators: round 1 fits against the main one.
	for mk := range multi {
		if mk[1] != keys.DirectionCGToReal {
			continue
		}
		for k, v := range rd.Metrics {
			stage, meas, ok := keys.SplitMetric(k)
			if !ok || meas != keys.MeasureAccuracy {
				continue
			}
			name, ok := keys.ParseDiscriminatorStage(stage)
			if !ok {
				continue
			}
			if name == keys.DiscriminatorMain {
				row := get(styleKey{mk[0], mk[1], 1})
				row.disc, row.accuracy = name, v
			} else if m, r, ok := keys.ParseRoundDiscriminator(name); ok && m == mk[0] {
				row := get(styleKey{m, mk[1], r})
				row.disc, row.accuracy = name, v
			}
		}
	}
	out := make([]roundRow, 0, len(rows))
	for _, r := range rows {
		for i := range r.cues {
			c := &r.cues[i]
			if r.key.round == 1 && math.IsNaN(c.cumFitted) {
				c.cumPlanted, c.cumFitted, c.cumR, c.cumAbs, c.cumRel = c.planted, c.fitted, c.r, c.absErr, c.relErr
			}
		}
		sort.Slice(r.cues, func(i, j int) bool { return lessRanked(paramOrder, r.cues[i].param, r.cues[j].param) })
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return lessStyleKey(out[i].key, out[j].key) })
	return out
}

// cue returns the row's cue for param, adding it when missing and add is
// set (else nil).
func (r *roundRow) cue(param string, add bool) *roundCue {
	for i := range r.cues {
		if r.cues[i].param == param {
			return &r.cues[i]
		}
	}
	if !add {
		return nil
	}
	nan := math.NaN()
	r.cues = append(r.cues, roundCue{param: param, planted: nan, fitted: nan, r: nan, absErr: nan, relErr: nan, bnd: nan,
		cumPlanted: nan, cumFitted: nan, cumR: nan, cumAbs: nan, cumRel: nan})
	return &r.cues[len(r.cues)-1]
}

func metricOr(m map[string]float64, k string) float64 {
	if v, ok := m[k]; ok {
		return v
	}
	return math.NaN()
}

func (rd *RunData) roundsTable() Table {
	t := Table{
		Name:  TableRounds,
		Title: "Iterated discriminator rounds (style.rounds): accuracy, success and recovery per round",
		Notes: []string{
			"One row per round and planted cue (a round without planted values has one row with no parameter). discriminator: the one the round fitted against (round 1: main; round k: a fresh one trained on the CG images as rounds 1..k-1 left them, against real), with its held-out accuracy. A round with an accuracy but no images stopped the rounds: its discriminator fell below style.round_accuracy.",
			"at bound (any): images with any parameter at a bound. Own values (planted median .. at bound) score the round's own fitted values against the gap the earlier rounds left; cumulative values score all rounds so far composed against the whole planted gap (round 1: its own).",
			"r: Pearson r over images; errors are medians over images, the relative one over images planted with a non-zero value.",
		},
		Columns: []Column{
			{Key: "manipulation", Label: "manipulation"},
			{Key: "direction", Label: "direction"},
			{Key: "round", Label: "round", Kind: Int},
			{Key: "discriminator", Label: "discriminator"},
			{Key: "discriminator_accuracy", Label: "D accuracy", Kind: Percent, Digits: 1},
			{Key: "images", Label: "images", Kind: Int},
			{Key: "success_rate", Label: "success rate", Kind: Percent, Digits: 1},
			{Key: "at_bound_any", Label: "at bound (any)", Kind: Percent, Digits: 1},
			{Key: "parameter", Label: "parameter"},
			{Key: "planted_median", Label: "planted median", Kind: Float, Digits: 4},
			{Key: "fitted_median", Label: "fitted median", Kind: Float, Digits: 4},
			{Key: "r", Label: "r", Kind: Float, Digits: 3},
			{Key: "median_abs_error", Label: "median abs error", Kind: Float, Digits: 4},
			{Key: "median_rel_error", Label: "median rel error", Kind: Percent, Digits: 1},
			{Key: "at_bound", Label: "at bound", Kind: Percent, Digits: 1},
			{Key: "cumulative_planted_median", Label: "cum. planted median", Kind: Float, Digits: 4},
			{Key: "cumulative_fitted_median", Label: "cum. fitted median", Kind: Float, Digits: 4},
			{Key: "cumulative_r", Label: "cum. r", Kind: Float, Digits: 3},
			{Key: "cumulative_median_abs_error", Label: "cum. median abs error", Kind: Float, Digits: 4},
			{Key: "cumulative_median_rel_error", Label: "cum. median rel error", Kind: Percent, Digits: 1},
		},
	}
	for _, r := range rd.roundsOf() {
		head := []Cell{Str(r.key.manipulation), Str(r.key.direction), Num(float64(r.key.round)), Str(r.disc), Num(r.accuracy),
			Num(r.images), Num(r.successRate), Num(r.boundShare)}
		if r.disc == "" {
			head[3] = Missing()
		}
		if len(r.cues) == 0 {
			row := append(head, Missing())
			for range 11 {
				row = append(row, Missing())
			}
			t.Rows = append(t.Rows, row)
			continue
		}
		for _, c := range r.cues {
			row := append(append([]Cell(nil), head...), Str(c.param), Num(c.planted), Num(c.fitted), Num(c.r), Num(c.absErr),
				Num(c.relErr), Num(c.bnd), Num(c.cumPlanted), Num(c.cumFitted), Num(c.cumR), Num(c.cumAbs), Num(c.cumRel))
			t.Rows = append(t.Rows, row)
		}
	}
	return t
}
