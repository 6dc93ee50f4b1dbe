package tracker

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
)

// JSONFloat is a float64 that survives JSON: NaN and ±Inf are written as the
// strings "NaN", "+Inf" and "-Inf" (encoding/json refuses them), and read
// back from them. Runs, stages and the CLI's JSON listings use it.
type JSONFloat float64

func (f JSONFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

func (f *JSONFloat) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		switch s {
		case "NaN":
			*f = JSONFloat(math.NaN())
		case "+Inf":
			*f = JSONFloat(math.Inf(1))
		case "-Inf":
			*f = JSONFloat(math.Inf(-1))
		default:
			return fmt.Errorf("float %q: want a number, \"NaN\", \"+Inf\" or \"-Inf\"", s)
		}
		return nil
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("float %s: %w", b, err)
	}
	*f = JSONFloat(v)
	return nil
}

// ToJSONFloats converts a metrics map for JSON records (NaN and infinities
// as strings); nil stays nil.
func ToJSONFloats(m map[string]float64) map[string]JSONFloat {
	if m == nil {
		return nil
	}
	out := make(map[string]JSONFloat, len(m))
	for k, v := range m {
		out[k] = JSONFloat(v)
	}
	return out
}

// FromJSONFloats is the inverse of ToJSONFloats.
func FromJSONFloats(m map[string]JSONFloat) map[string]float64 {
	if m == nil {
		return nil
	}
	out := make(map[string]float64, len(m))
	for k, v := range m {
		out[k] = float64(v)
	}
	return out
}
