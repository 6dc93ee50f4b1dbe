package optunafile

import (
	"bytes"
	"fmt"
	"math"
)

// Valid reports whether d is a distribution Optuna can construct.
func (d Distribution) Valid() error {
	switch d.Kind {
	case KindFloat, KindInt:
		if math.IsNaN(d.Low) || math.IsNaN(d.High) || d.Low > d.High {
			return fmt.Errorf("%s distribution [%v, %v]: low must not exceed high", d.Kind, d.Low, d.High)
		}
		if d.Log && d.Low <= 0 {
			return fmt.Errorf("%s distribution [%v, %v]: log scale needs low > 0", d.Kind, d.Low, d.High)
		}
		if d.Kind == KindInt && (d.Low != math.Trunc(d.Low) || d.High != math.Trunc(d.High) || d.Step < 1 || d.Step != math.Trunc(d.Step)) {
			return fmt.Errorf("int distribution [%v, %v] step %v: bounds and step must be integers, step at least 1", d.Low, d.High, d.Step)
		}
		if d.Step < 0 || (d.Kind == KindFloat && d.Log && d.Step != 0) {
			return fmt.Errorf("%s distribution: step %v is not allowed here", d.Kind, d.Step)
		}
	case KindCategorical:
		if len(d.Choices) == 0 {
			return fmt.Errorf("categorical distribution without choices")
		}
	default:
		return fmt.Errorf("unknown distribution kind %q", d.Kind)
	}
	return nil
}

// json returns the distribution as optuna.distributions.distribution_to_json
// writes it.
func (d Distribution) json() (string, error) {
	if err := d.Valid(); err != nil {
		return "", err
	}
	var b bytes.Buffer
	switch d.Kind {
	case KindFloat:
		var step any
		if d.Step != 0 {
			step = d.Step
		}
		b.WriteString(`{"name": "FloatDistribution", "attributes": {"step": `)
		appendJSON(&b, step)
		fmt.Fprintf(&b, `, "low": %s, "high": %s, "log": %t}}`, pyFloat(d.Low), pyFloat(d.High), d.Log)
	case KindInt:
		fmt.Fprintf(&b, `{"name": "IntDistribution", "attributes": {"log": %t, "step": %d, "low": %d, "high": %d}}`,
			d.Log, int64(d.Step), int64(d.Low), int64(d.High))
	case KindCategorical:
		b.WriteString(`{"name": "CategoricalDistribution", "attributes": {"choices": `)
		if err := appendJSON(&b, d.Choices); err != nil {
			return "", err
		}
		b.WriteString("}}")
	}
	return b.String(), nil
}

// parseDistribution reads optuna.distributions.json_to_distribution's
// input: the current names, the legacy ones (UniformDistribution,
// LogUniformDistribution, DiscreteUniformDistribution, IntUniformDistribution,
// IntLogUniformDistribution, which goptuna also writes) and the abbreviated
// {"type": ...} form.
func parseDistribution(text string) (Distribution, error) {
	v, err := decodeJSON([]byte(text))
	if err != nil {
		return Distribution{}, fmt.Errorf("distribution %q: %v: %w", text, err, ErrFormat)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return Distribution{}, fmt.Errorf("distribution %q: not a JSON object: %w", text, ErrFormat)
	}
	var d Distribution
	attrs := obj
	if name, ok := obj["name"].(string); ok {
		if attrs, ok = obj["attributes"].(map[string]any); !ok {
			return Distribution{}, fmt.Errorf("distribution %q: no attributes: %w", text, ErrFormat)
		}
		switch name {
		case "FloatDistribution", "UniformDistribution", "LogUniformDistribution", "DiscreteUniformDistribution":
			d.Kind = KindFloat
			d.Log = name == "LogUniformDistribution"
			if name == "DiscreteUniformDistribution" {
				attrs["step"] = attrs["q"]
			}
		case "IntDistribution", "IntUniformDistribution", "IntLogUniformDistribution":
			d.Kind = KindInt
			d.Log = name == "IntLogUniformDistribution"
		case "CategoricalDistribution":
			d.Kind = KindCategorical
		default:
			return Distribution{}, fmt.Errorf("distribution %q: unknown class %q: %w", text, name, ErrFormat)
		}
	} else {
		typ, _ := obj["type"].(string)
		switch typ {
		case "float", "int", "categorical":
			d.Kind = typ
		default:
			return Distribution{}, fmt.Errorf("distribution %q: neither a name nor a known type: %w", text, ErrFormat)
		}
	}
	switch d.Kind {
	case KindCategorical:
		choices, ok := attrs["choices"].([]any)
		if !ok {
			return Distribution{}, fmt.Errorf("distribution %q: choices is not a list: %w", text, ErrFormat)
		}
		d.Choices = choices
	default:
		var ok1, ok2 bool
		d.Low, ok1 = toFloat(attrs["low"])
		d.High, ok2 = toFloat(attrs["high"])
		if !ok1 || !ok2 {
			return Distribution{}, fmt.Errorf("distribution %q: low and high must be numbers: %w", text, ErrFormat)
		}
		if l, ok := attrs["log"].(bool); ok {
			d.Log = d.Log || l
		}
		if s, ok := attrs["step"]; ok && s != nil {
			if d.Step, ok = toFloat(s); !ok {
				return Distribution{}, fmt.Errorf("distribution %q: step must be a number: %w", text, ErrFormat)
			}
		}
		if d.Kind == KindInt && d.Step == 0 {
			d.Step = 1
		}
	}
	if err := d.Valid(); err != nil {
		return Distribution{}, fmt.Errorf("distribution %q: %v: %w", text, err, ErrFormat)
	}
	return d, nil
}
