package optunafile

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/c-bata/goptuna"
)

// NoValueAttr is the trial system attribute ToGoptuna sets on a pruned
// trial that has no value in Optuna (goptuna's value is a plain float64), so
// that FromGoptuna writes it back without one. FromGoptuna drops it.
const NoValueAttr = "cgx.optuna.no_value"

// FromGoptuna converts a goptuna study (as the tracker stores it) to an
// Optuna study. Complete trials carry their value, and so do pruned ones
// (Optuna keeps a pruned trial's last intermediate value as its value)
// unless marked with NoValueAttr; failed, running and waiting trials have
// none.
// Optuna needs a start time on every trial that is not waiting and a
// completion time on every finished one: a missing start is taken from the
// completion (or the Unix epoch), a missing completion from the start.
func FromGoptuna(name string, dir goptuna.StudyDirection, userAttrs, systemAttrs map[string]string, trials []goptuna.FrozenTrial) (Study, error) {
	s := Study{Name: name, UserAttrs: stringAttrs(userAttrs), SystemAttrs: stringAttrs(systemAttrs)}
	switch dir {
	case goptuna.StudyDirectionMaximize:
		s.Directions = []Direction{DirectionMaximize}
	default:
		s.Directions = []Direction{DirectionMinimize}
	}
	sorted := append([]goptuna.FrozenTrial(nil), trials...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Number < sorted[j].Number })
	for i := range sorted {
		gt := &sorted[i]
		t := Trial{Number: i, State: State(gt.State), Params: map[string]float64{}, Distributions: map[string]Distribution{},
			IntermediateValues: map[int]float64{}, UserAttrs: stringAttrs(gt.UserAttrs), SystemAttrs: stringAttrs(gt.SystemAttrs),
			Start: gt.DatetimeStart, Complete: gt.DatetimeComplete}
		if !t.State.valid() {
			return Study{}, fmt.Errorf("trial %d: unknown state %d", gt.Number, gt.State)
		}
		_, noValue := t.SystemAttrs[NoValueAttr]
		delete(t.SystemAttrs, NoValueAttr)
		if t.State == StateComplete || (t.State == StatePruned && !noValue) {
			t.Values = []float64{gt.Value}
		}
		if t.State != StateWaiting && t.Start.IsZero() {
			t.Start = t.Complete
			if t.Start.IsZero() {
				t.Start = time.Unix(0, 0)
			}
		}
		if !t.State.Finished() {
			t.Complete = time.Time{}
		} else if t.Complete.IsZero() {
			t.Complete = t.Start
		}
		for p, ir := range gt.InternalParams {
			d, err := fromGoptunaDistribution(gt.Distributions[p])
			if err != nil {
				return Study{}, fmt.Errorf("trial %d: parameter %q: %w", gt.Number, p, err)
			}
			t.Params[p], t.Distributions[p] = ir, d
		}
		for step, v := range gt.IntermediateValues {
			t.IntermediateValues[step] = v
		}
		s.Trials = append(s.Trials, t)
	}
	return s, nil
}

func stringAttrs(m map[string]string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func fromGoptunaDistribution(d any) (Distribution, error) {
	switch x := d.(type) {
	case goptuna.UniformDistribution:
		return Distribution{Kind: KindFloat, Low: x.Low, High: x.High}, nil
	case goptuna.LogUniformDistribution:
		return Distribution{Kind: KindFloat, Low: x.Low, High: x.High, Log: true}, nil
	case goptuna.DiscreteUniformDistribution:
		return Distribution{Kind: KindFloat, Low: x.Low, High: x.High, Step: x.Q}, nil
	case goptuna.IntUniformDistribution:
		return Distribution{Kind: KindInt, Low: float64(x.Low), High: float64(x.High), Step: 1}, nil
	case goptuna.StepIntUniformDistribution:
		return Distribution{Kind: KindInt, Low: float64(x.Low), High: float64(x.High), Step: float64(x.Step)}, nil
	case goptuna.CategoricalDistribution:
		c := make([]any, len(x.Choices))
		for i, s := range x.Choices {
			c[i] = s
		}
		return Distribution{Kind: KindCategorical, Choices: c}, nil
	case *goptuna.UniformDistribution:
		return fromGoptunaDistribution(*x)
	case *goptuna.LogUniformDistribution:
		return fromGoptunaDistribution(*x)
	case *goptuna.DiscreteUniformDistribution:
		return fromGoptunaDistribution(*x)
	case *goptuna.IntUniformDistribution:
		return fromGoptunaDistribution(*x)
	case *goptuna.StepIntUniformDistribution:
		return fromGoptunaDistribution(*x)
	case *goptuna.CategoricalDistribution:
		return fromGoptunaDistribution(*x)
	}
	return Distribution{}, fmt.Errorf("distribution %T has no Optuna counterpart", d)
}

// GoptunaStudy is an Optuna study in goptuna's terms, ready for the
// tracker: trials numbered from 0 in order.
type GoptunaStudy struct {
	Name        string
	Direction   goptuna.StudyDirection
	UserAttrs   map[string]string
	SystemAttrs map[string]string
	Trials      []goptuna.FrozenTrial
	// Notes lists what did not carry over exactly (see the package caveats),
	// one line each, for the user.
	Notes []string
}

// ToGoptuna converts s for the tracker. A study with several objectives is
// refused with ErrUnsupported.
func ToGoptuna(s Study) (GoptunaStudy, error) {
	out := GoptunaStudy{Name: s.Name, Direction: goptuna.StudyDirectionMinimize}
	switch {
	case len(s.Directions) != 1:
		return out, fmt.Errorf("study %q has %d objectives; cgx studies have one: %w", s.Name, len(s.Directions), ErrUnsupported)
	case s.Directions[0] == DirectionMaximize:
		out.Direction = goptuna.StudyDirectionMaximize
	}
	noted := map[string]bool{}
	note := func(format string, a ...any) {
		if n := fmt.Sprintf(format, a...); !noted[n] {
			noted[n] = true
			out.Notes = append(out.Notes, n)
		}
	}
	out.UserAttrs = textAttrs(s.UserAttrs, func(k string) { note("study user attribute %q is not a string; kept as its JSON text", k) })
	out.SystemAttrs = textAttrs(s.SystemAttrs, func(k string) { note("study system attribute %q is not a string; kept as its JSON text", k) })
	for i := range s.Trials {
		t := &s.Trials[i]
		gt := goptuna.FrozenTrial{Number: i, State: goptuna.TrialState(t.State),
			IntermediateValues: map[int]float64{}, InternalParams: map[string]float64{}, Params: map[string]any{},
			Distributions: map[string]any{}, DatetimeStart: t.Start, DatetimeComplete: t.Complete}
		if len(t.Values) > 0 {
			gt.Value = t.Values[0]
		}
		for step, v := range t.IntermediateValues {
			gt.IntermediateValues[step] = v
		}
		for _, p := range sortedKeys(t.Params) {
			d, lossy := toGoptunaDistribution(t.Distributions[p])
			if lossy != "" {
				note("parameter %q: %s", p, lossy)
			}
			ir := t.Params[p]
			if c, ok := d.(goptuna.CategoricalDistribution); ok && (ir != math.Trunc(ir) || ir < 0 || int(ir) >= len(c.Choices)) {
				return out, fmt.Errorf("trial %d: parameter %q: choice index %v out of range: %w", t.Number, p, ir, ErrFormat)
			}
			gt.InternalParams[p], gt.Distributions[p] = ir, d
		}
		gt.UserAttrs = textAttrs(t.UserAttrs, func(k string) { note("trial user attribute %q is not a string; kept as its JSON text", k) })
		gt.SystemAttrs = textAttrs(t.SystemAttrs, func(k string) { note("trial system attribute %q is not a string; kept as its JSON text", k) })
		if len(t.Values) == 0 && t.State == StatePruned {
			gt.SystemAttrs[NoValueAttr] = "true"
		}
		out.Trials = append(out.Trials, gt)
	}
	return out, nil
}

func textAttrs(m map[string]any, nonString func(string)) map[string]string {
	out := make(map[string]string, len(m))
	for _, k := range sortedKeys(m) {
		if s, ok := m[k].(string); ok {
			out[k] = s
			continue
		}
		nonString(k)
		out[k] = jsonText(m[k])
	}
	return out
}

// toGoptunaDistribution maps d onto goptuna's distributions; lossy says what
// was dropped, if anything.
func toGoptunaDistribution(d Distribution) (g any, lossy string) {
	switch d.Kind {
	case KindFloat:
		switch {
		case d.Log:
			return goptuna.LogUniformDistribution{Low: d.Low, High: d.High}, ""
		case d.Step != 0:
			return goptuna.DiscreteUniformDistribution{Low: d.Low, High: d.High, Q: d.Step}, ""
		}
		return goptuna.UniformDistribution{Low: d.Low, High: d.High}, ""
	case KindInt:
		if d.Log {
			lossy = "goptuna has no integer log scale; kept as a plain integer range"
		}
		if d.Step > 1 {
			return goptuna.StepIntUniformDistribution{Low: int(d.Low), High: int(d.High), Step: int(d.Step)}, lossy
		}
		return goptuna.IntUniformDistribution{Low: int(d.Low), High: int(d.High)}, lossy
	}
	c := goptuna.CategoricalDistribution{Choices: make([]string, len(d.Choices))}
	for i, v := range d.Choices {
		if s, ok := v.(string); ok {
			c.Choices[i] = s
			continue
		}
		c.Choices[i] = jsonText(v)
		lossy = "categorical choices that are not strings are kept as their JSON text"
	}
	return c, lossy
}
