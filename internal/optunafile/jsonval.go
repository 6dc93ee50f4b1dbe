package optunafile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Python's json module writes and reads NaN, Infinity and -Infinity, which
// encoding/json refuses; Optuna stores such values (a NaN objective, an
// infinite intermediate value) that way. appendJSON writes them, decodeJSON
// reads them.

// appendJSON appends the JSON text of v: nil, bool, string, int, float64,
// json.Number, []any, []float64, map[string]any (keys sorted), map[string]
// float64 or map[string]string.
func appendJSON(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		q, _ := json.Marshal(x) // a string always marshals
		b.Write(q)
	case int:
		b.WriteString(strconv.Itoa(x))
	case float64:
		b.WriteString(pyFloat(x))
	case json.Number:
		b.WriteString(x.String())
	case []float64:
		b.WriteByte('[')
		for i, f := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(pyFloat(f))
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteString(", ")
			}
			if err := appendJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]any:
		return appendObject(b, len(x), sortedKeys(x), func(k string) any { return x[k] })
	case map[string]float64:
		return appendObject(b, len(x), sortedKeys(x), func(k string) any { return x[k] })
	case map[string]string:
		return appendObject(b, len(x), sortedKeys(x), func(k string) any { return x[k] })
	default:
		return fmt.Errorf("encode %T as JSON: unsupported type", v)
	}
	return nil
}

func appendObject(b *bytes.Buffer, n int, keys []string, get func(string) any) error {
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		appendJSON(b, k)
		b.WriteString(": ")
		if err := appendJSON(b, get(k)); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// pyFloat formats f as Python's float repr does, so that Python reads a
// float back (never an int): "1.0", "1e-05", "NaN", "Infinity".
func pyFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".en") {
		s += ".0"
	}
	return s
}

// jsonText returns the JSON text of v on one line, or "" when v cannot be
// encoded.
func jsonText(v any) string {
	var b bytes.Buffer
	if appendJSON(&b, v) != nil {
		return ""
	}
	return b.String()
}

// Sentinels stand for Python's non-standard numbers while encoding/json
// decodes the rest; they cannot occur in real text (a NUL rune).
const (
	sentinelNaN    = "\x00NaN"
	sentinelInf    = "\x00Infinity"
	sentinelNegInf = "\x00-Infinity"
)

// decodeJSON decodes one JSON value that may contain NaN, Infinity and
// -Infinity. Numbers come back as json.Number, the three special values
// as float64.
func decodeJSON(data []byte) (any, error) {
	text, err := replaceSpecials(data)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("text after the JSON value")
	}
	return restoreSpecials(v), nil
}

// replaceSpecials rewrites the bare tokens NaN, Infinity and -Infinity
// outside strings as sentinel strings.
func replaceSpecials(data []byte) ([]byte, error) {
	if !bytes.Contains(data, []byte("NaN")) && !bytes.Contains(data, []byte("Infinity")) {
		return data, nil
	}
	var out bytes.Buffer
	inString, escaped := false, false
	for i := 0; i < len(data); i++ {
		c := data[i]
		if inString {
			out.WriteByte(c)
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
			out.WriteByte(c)
		case bytes.HasPrefix(data[i:], []byte("NaN")):
			out.WriteString(`"\u0000NaN"`)
			i += 2
		case bytes.HasPrefix(data[i:], []byte("Infinity")):
			out.WriteString(`"\u0000Infinity"`)
			i += 7
		case bytes.HasPrefix(data[i:], []byte("-Infinity")):
			out.WriteString(`"\u0000-Infinity"`)
			i += 8
		default:
			out.WriteByte(c)
		}
	}
	return out.Bytes(), nil
}

func restoreSpecials(v any) any {
	switch x := v.(type) {
	case string:
		switch x {
		case sentinelNaN:
			return math.NaN()
		case sentinelInf:
			return math.Inf(1)
		case sentinelNegInf:
			return math.Inf(-1)
		}
	case []any:
		for i := range x {
			x[i] = restoreSpecials(x[i])
		}
	case map[string]any:
		for k := range x {
			x[k] = restoreSpecials(x[k])
		}
	}
	return v
}

// toFloat converts a decoded JSON number to float64.
func toFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case float64:
		return x, true
	case json.Number:
		f, err := strconv.ParseFloat(x.String(), 64)
		if err != nil {
			// ParseFloat returns ±Inf with ErrRange for 1e999, as Python does.
			if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
				return f, true
			}
			return 0, false
		}
		return f, true
	}
	return 0, false
}

// toInt converts a decoded JSON integer (or an integral float) to int.
func toInt(v any) (int, bool) {
	f, ok := toFloat(v)
	if !ok || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, false
	}
	return int(f), true
}
