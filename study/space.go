package study

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/c-bata/goptuna"
)

// Kind is the type of a search parameter.
type Kind string

// Parameter kinds.
const (
	KindFloat       Kind = "float"       // real in [Low, High], uniform or log-uniform (Log)
	KindInt         Kind = "int"         // integer in [Low, High], both ends included
	KindCategorical Kind = "categorical" // one of Choices
)

// maxExactInt bounds int parameters so that they survive float64 storage.
const maxExactInt = 1 << 53

// Param is one searched parameter. Build it with Float, LogFloat, Int or
// Categorical, or fill the fields from a spec and let NewSpace validate them.
type Param struct {
	Name    string   `json:"name"`
	Kind    Kind     `json:"kind"`
	Low     float64  `json:"low"`               // float and int: lower bound, included
	High    float64  `json:"high"`              // float and int: upper bound, included
	Log     bool     `json:"log,omitempty"`     // float: sample log-uniformly (Low > 0)
	Choices []string `json:"choices,omitempty"` // categorical: the values, in order
}

// Float is a real parameter sampled uniformly in [low, high].
func Float(name string, low, high float64) Param {
	return Param{Name: name, Kind: KindFloat, Low: low, High: high}
}

// LogFloat is a real parameter sampled log-uniformly in [low, high], low > 0.
func LogFloat(name string, low, high float64) Param {
	return Param{Name: name, Kind: KindFloat, Low: low, High: high, Log: true}
}

// Int is an integer parameter in [low, high], both included.
func Int(name string, low, high int) Param {
	return Param{Name: name, Kind: KindInt, Low: float64(low), High: float64(high)}
}

// Categorical is a parameter taking one of choices.
func Categorical(name string, choices ...string) Param {
	return Param{Name: name, Kind: KindCategorical, Choices: slices.Clone(choices)}
}

// validate reports every problem of p, each naming the parameter.
func (p Param) validate() []error {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("parameter %q: "+format, append([]any{p.Name}, args...)...))
	}
	if p.Name == "" {
		bad("empty name; give every parameter a name")
	}
	switch p.Kind {
	case KindFloat, KindInt:
		if math.IsNaN(p.Low) || math.IsInf(p.Low, 0) || math.IsNaN(p.High) || math.IsInf(p.High, 0) {
			bad("bounds must be finite numbers, got low %v high %v", p.Low, p.High)
			break
		}
		if !(p.Low < p.High) {
			bad("low %v must be below high %v", p.Low, p.High)
		}
		if p.Log && p.Kind != KindFloat {
			bad("log sampling applies to float parameters only")
		}
		if p.Log && p.Low <= 0 {
			bad("log-uniform low must be above 0, got %v", p.Low)
		}
		if p.Kind == KindInt {
			for _, v := range []float64{p.Low, p.High} {
				if v != math.Trunc(v) || math.Abs(v) > maxExactInt {
					bad("int bound %v must be a whole number of magnitude at most 2^53", v)
				}
			}
		}
		if len(p.Choices) > 0 {
			bad("choices apply to categorical parameters only")
		}
	case KindCategorical:
		if len(p.Choices) == 0 {
			bad("categorical needs at least one choice")
		}
		seen := make(map[string]bool, len(p.Choices))
		for _, c := range p.Choices {
			if seen[c] {
				bad("choice %q appears twice; choices must be unique", c)
			}
			seen[c] = true
		}
		if p.Low != 0 || p.High != 0 || p.Log {
			bad("low, high and log apply to float and int parameters only")
		}
	default:
		bad("unknown kind %q; use %q, %q or %q", p.Kind, KindFloat, KindInt, KindCategorical)
	}
	return errs
}

// Distribution returns p's goptuna distribution: UniformDistribution,
// LogUniformDistribution, IntUniformDistribution or CategoricalDistribution.
func (p Param) Distribution() any {
	switch p.Kind {
	case KindFloat:
		if p.Log {
			return goptuna.LogUniformDistribution{Low: p.Low, High: p.High}
		}
		return goptuna.UniformDistribution{Low: p.Low, High: p.High}
	case KindInt:
		return goptuna.IntUniformDistribution{Low: int(p.Low), High: int(p.High)}
	default:
		return goptuna.CategoricalDistribution{Choices: slices.Clone(p.Choices)}
	}
}

// external converts an internal value (goptuna's float64 representation) to
// the value the objective sees: float64, int or string.
func (p Param) external(internal float64) any {
	switch p.Kind {
	case KindInt:
		return int(internal)
	case KindCategorical:
		return p.Choices[int(internal)]
	default:
		return internal
	}
}

// clampInternal maps v into p's internal domain: floats clamped to
// [Low, High], ints rounded then clamped, categoricals an index.
func (p Param) clampInternal(v float64) float64 {
	switch p.Kind {
	case KindInt:
		v = math.Round(v)
		return math.Min(math.Max(v, p.Low), p.High)
	case KindCategorical:
		return math.Min(math.Max(math.Round(v), 0), float64(len(p.Choices)-1))
	default:
		return math.Min(math.Max(v, p.Low), p.High)
	}
}

// Space is a validated, immutable list of parameters. The order of the
// parameters is part of the study: it fixes the order of stored writes and of
// the CMA-ES coordinates.
type Space struct {
	params []Param
}

// NewSpace validates params (names unique and non-empty, low < high, finite
// bounds, positive log bounds, whole int bounds, non-empty unique choices) and
// returns a Space holding copies of them. The error wraps ErrInvalidSpace and
// lists every problem.
func NewSpace(params ...Param) (Space, error) {
	var errs []error
	if len(params) == 0 {
		errs = append(errs, errors.New("no parameters; a search needs at least one"))
	}
	seen := make(map[string]bool, len(params))
	for i, p := range params {
		errs = append(errs, p.validate()...)
		if p.Name != "" && seen[p.Name] {
			errs = append(errs, fmt.Errorf("parameter %q (#%d): name used twice; names must be unique", p.Name, i+1))
		}
		seen[p.Name] = true
	}
	if len(errs) > 0 {
		return Space{}, fmt.Errorf("%w: %w", ErrInvalidSpace, errors.Join(errs...))
	}
	s := Space{params: make([]Param, len(params))}
	for i, p := range params {
		p.Choices = slices.Clone(p.Choices)
		s.params[i] = p
	}
	return s, nil
}

// Len is the number of parameters.
func (s Space) Len() int { return len(s.params) }

// Params returns a copy of the parameters, in order.
func (s Space) Params() []Param {
	out := make([]Param, len(s.params))
	for i, p := range s.params {
		p.Choices = slices.Clone(p.Choices)
		out[i] = p
	}
	return out
}

// Distributions returns a fresh map from parameter name to goptuna distribution.
func (s Space) Distributions() map[string]any {
	m := make(map[string]any, len(s.params))
	for _, p := range s.params {
		m[p.Name] = p.Distribution()
	}
	return m
}

// canonical is the JSON form stored as the study system attribute cgx.space.
func (s Space) canonical() (string, error) {
	b, err := json.Marshal(s.params)
	if err != nil {
		return "", fmt.Errorf("encode search space: %w", err)
	}
	return string(b), nil
}

// externalParams converts internal values to the objective's map.
func (s Space) externalParams(internal map[string]float64) map[string]any {
	out := make(map[string]any, len(s.params))
	for _, p := range s.params {
		out[p.Name] = p.external(internal[p.Name])
	}
	return out
}
