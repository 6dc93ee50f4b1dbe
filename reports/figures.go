package reports

import (
	"fmt"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
)

// Figures lists the run's figures in report order: per style study its
// parameter histograms, patch heat map and before/after grid; per content
// search round its optimisation history, loss distribution, best scenes and
// analysis figures (importance, parallel coordinates, slices, contour).
// Trained networks' per-epoch curves come first; style studies also get
// their loss curves per step, and manipulations fitted with style.rounds a
// rounds figure after their studies' figures. Listing reads nothing;
// Figure.Render does.
func (rd *RunData) Figures() []Figure {
	var out []Figure
	names := map[string]bool{}
	add := func(f Figure, ok bool, id int) {
		if !ok {
			return
		}
		if names[f.Name] {
			f.Name = fmt.Sprintf("%s-%d", f.Name, id)
		}
		names[f.Name] = true
		out = append(out, f)
	}
	for _, se := range rd.Epochs {
		f, ok := epochFigure(se)
		add(f, ok, len(out))
	}
	for _, s := range rd.Studies {
		if s.isContent() {
			continue
		}
		for _, f := range styleFigures(s) {
			add(f, true, s.ID)
		}
	}
	for _, f := range rd.roundsFigures() {
		add(f, true, len(out))
	}
	if f, ok := rd.segmentationFigure(); ok {
		add(f, true, len(out))
	}
	keys, groups := rd.contentRounds()
	for i, k := range keys {
		for _, f := range roundFigures(k, groups[k]) {
			add(f, true, i+1)
		}
	}
	for _, f := range rd.contentTruthFigures() {
		add(f, true, len(out))
	}
	return out
}

// Figure returns the run's figure called name; the error wraps ErrNotFound.
func (rd *RunData) Figure(name string) (Figure, error) {
	for _, f := range rd.Figures() {
		if f.Name == name {
			return f, nil
		}
	}
	return Figure{}, fmt.Errorf("figure %q of run %d: %w", name, rd.Run.ID, ErrNotFound)
}

func styleFigures(s StudyData) []Figure {
	stem := slug(s.Manipulation, s.Direction)
	if s.Manipulation == "" {
		stem = slug(s.Stage)
	} else if s.Distribution {
		stem = slug(s.Manipulation, s.Direction, "distribution")
	} else if s.Round > 1 {
		stem = slug(s.Manipulation, s.Direction, keys.Round(s.Round))
	}
	var out []Figure
	if f, ok := paramFigure(s, "params-"+stem); ok {
		out = append(out, f)
	}
	if f, ok := recoveryFigure(s, "recovery-"+stem); ok {
		out = append(out, f)
	}
	if strings.HasPrefix(s.Manipulation, "patch") || s.GridRows > 0 {
		if f, ok := patchFigure(s, "patches-"+stem); ok {
			out = append(out, f)
		}
	}
	if f, ok := gridFigure(s, "grid-"+stem); ok {
		out = append(out, f)
	}
	label := s.Stage
	if s.Manipulation != "" {
		label = figureLabel(s)
	}
	if f, ok := curveFigure([]StudyData{s}, label, "curves-"+stem); ok {
		out = append(out, f)
	}
	return out
}

func roundFigures(k roundKey, studies []StudyData) []Figure {
	stem := slug(k.search, fmt.Sprintf("round-%d", k.round))
	var out []Figure
	if f, ok := historyFigure(k, studies, "history-"+stem); ok {
		out = append(out, f)
	}
	if f, ok := edfFigure(k, studies, "edf-"+stem); ok {
		out = append(out, f)
	}
	if f, ok := bestFigure(k, studies, "best-"+stem); ok {
		out = append(out, f)
	}
	return append(out, analysisFigures(k.String(), studies, stem)...)
}

// StudyFigures lists the figures of one study alone: a style study's
// histograms, patch map and grid, a content study's history, loss
// distribution and best scenes.
func StudyFigures(s StudyData) []Figure {
	if s.isContent() {
		return roundFigures(roundKey{s.Search, s.Round}, []StudyData{s})
	}
	return styleFigures(s)
}

// StudyFigure returns the figure of study s called name; the error wraps ErrNotFound.
func StudyFigure(s StudyData, name string) (Figure, error) {
	for _, f := range StudyFigures(s) {
		if f.Name == name {
			return f, nil
		}
	}
	return Figure{}, fmt.Errorf("figure %q of study %d: %w", name, s.ID, ErrNotFound)
}
