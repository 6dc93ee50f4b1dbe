package experiments

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/cgx-dev/cgx/tracker"
)

// AttrOverrides is the run attribute listing the --set overrides a run was
// started with, as a JSON array of "key=value" strings in the order given.
// The run's recorded spec text is already the effective one (overrides
// applied), so verify, resume and diff need nothing else; the attribute says
// why the text differs from the file.
const AttrOverrides = "overrides"

// Override is one --set KEY=VALUE: a dotted spec key (style.steps,
// datasets.cg.count) and its value as TOML text (300, "adam", [100, 300]).
// A value that is not valid TOML is taken as a bare string (adam).
type Override struct {
	Key   string
	Value string
}

func (o Override) String() string { return o.Key + "=" + o.Value }

// ParseOverride splits "KEY=VALUE" (DVC's -S syntax).
func ParseOverride(s string) (Override, error) {
	k, v, ok := strings.Cut(s, "=")
	k = strings.TrimSpace(k)
	if !ok || k == "" {
		return Override{}, fmt.Errorf("%w: --set %q: want KEY=VALUE, e.g. style.steps=300", ErrSpec, clip(s))
	}
	return Override{Key: k, Value: strings.TrimSpace(v)}, nil
}

// SplitSweep splits "KEY=V1,V2,..." into one override per value. Commas
// inside brackets, braces or quotes do not split, so list values sweep too:
// style.manipulations=["blur"],["noise"].
func SplitSweep(s string) ([]Override, error) {
	o, err := ParseOverride(s)
	if err != nil {
		return nil, err
	}
	var out []Override
	depth, quote, start := 0, rune(0), 0
	add := func(end int) error {
		v := strings.TrimSpace(o.Value[start:end])
		if v == "" {
			return fmt.Errorf("%w: --sweep %q: empty value; want KEY=V1,V2 (comma-separated values)", ErrSpec, clip(s))
		}
		out = append(out, Override{Key: o.Key, Value: v})
		return nil
	}
	for i, c := range o.Value {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
		case c == ',' && depth == 0:
			if err := add(i); err != nil {
				return nil, err
			}
			start = i + 1
		}
	}
	if err := add(len(o.Value)); err != nil {
		return nil, err
	}
	return out, nil
}

// WithOverrides returns the spec with sets applied, decoded as strictly as
// Parse decodes a file: a key the schema lacks, a value of the wrong type or
// out of range is an error naming the file and the --set that caused it.
// The overrides win over every profile (they are written into the base and
// into each profile that sets the same key). The returned File's Text is the
// effective spec (comments dropped, keys sorted) and its Overrides lists sets;
// with no sets f itself is returned.
func (f *File) WithOverrides(sets []Override) (*File, error) {
	if len(sets) == 0 {
		return f, nil
	}
	var doc map[string]any
	if _, err := toml.Decode(f.Text, &doc); err != nil {
		return nil, f.decodeError(err)
	}
	origin := map[string]string{}
	for _, o := range sets {
		path := strings.Split(o.Key, ".")
		if err := f.checkOverrideKey(o, path); err != nil {
			return nil, err
		}
		v, err := overrideValue(o.Value)
		if err != nil {
			return nil, specErrorf("%s: --set %s: %v", f.Path, clip(o.String()), err)
		}
		if err := setPath(doc, path, v, false); err != nil {
			return nil, specErrorf("%s: --set %s: %v", f.Path, clip(o.String()), err)
		}
		if profiles, ok := doc["profiles"].(map[string]any); ok {
			for _, p := range profiles {
				if pt, ok := p.(map[string]any); ok {
					_ = setPath(pt, path, v, true) // only where the profile sets the key
				}
			}
		}
		origin[o.Key] = o.String()
	}
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# effective spec: %s with --set", f.Path)
	for _, o := range sets {
		fmt.Fprintf(&buf, " %s", o)
	}
	buf.WriteString("\n")
	if err := toml.NewEncoder(&buf).Encode(doc); err != nil {
		return nil, fmt.Errorf("encode overridden spec %s: %w", f.Path, err)
	}
	out, err := parse(f.Path, buf.Bytes(), origin, f.lines)
	if err != nil {
		return nil, err
	}
	out.Overrides = slices.Clone(sets)
	return out, nil
}

// checkOverrideKey refuses a key the spec schema lacks, with the keys allowed
// at that place, and keys an override must not change.
func (f *File) checkOverrideKey(o Override, path []string) error {
	fail := func(format string, a ...any) error {
		return specErrorf("%s: --set %s: %s", f.Path, clip(o.String()), fmt.Sprintf(format, a...))
	}
	if slices.Contains(path, "") {
		return fail("%q is not a dotted key such as style.steps", clip(o.Key))
	}
	switch path[0] {
	case "format", "kind":
		return fail("an override cannot change %q; edit the spec file", path[0])
	case "profiles":
		return fail("an override cannot change profiles; choose one with --profile, then --set the keys")
	}
	t := reflect.TypeOf(Spec{})
	for i, p := range path {
		if t.Kind() == reflect.Map { // free-form names (none with sections today)
			t = t.Elem()
			continue
		}
		if t.Kind() != reflect.Struct {
			return fail("%s is a value, not a section; set %s", strings.Join(path[:i], "."), strings.Join(path[:i], "."))
		}
		field, ok := fieldByTag(t, p)
		if !ok {
			where := "at the top level"
			if i > 0 {
				where = "in [" + strings.Join(path[:i], ".") + "]"
			}
			return fail("unknown key %q %s; allowed keys: %s", clip(p), where, quoteList(allowedKeys(path[:i])))
		}
		t = field.Type
	}
	if t.Kind() == reflect.Struct {
		return fail("%s is a section; set one of its keys: %s", o.Key, quoteList(allowedKeys(path)))
	}
	return nil
}

// overrideValue parses v as a TOML value; text that is not one (adam,
// cg-to-real) is a bare string.
func overrideValue(v string) (any, error) {
	var wrap struct {
		V any `toml:"v"`
	}
	_, err := toml.Decode("v = "+v, &wrap)
	if err == nil {
		return wrap.V, nil
	}
	if v == "" || strings.ContainsAny(v[:1], "[{\"'") || strings.ContainsAny(v, "\n\r") {
		return nil, fmt.Errorf("value %q is not a TOML value (quote strings, write lists as [a, b])", clip(v))
	}
	return v, nil
}

// setPath sets path in doc to v, creating tables on the way unless onlyIfSet,
// in which case it changes the value only when doc already has it.
func setPath(doc map[string]any, path []string, v any, onlyIfSet bool) error {
	t := doc
	for i, p := range path[:len(path)-1] {
		next, ok := t[p]
		if !ok {
			if onlyIfSet {
				return nil
			}
			m := map[string]any{}
			t[p] = m
			t = m
			continue
		}
		m, ok := next.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is not a section in the spec", strings.Join(path[:i+1], "."))
		}
		t = m
	}
	leaf := path[len(path)-1]
	if _, ok := t[leaf]; onlyIfSet && !ok {
		return nil
	}
	t[leaf] = v
	return nil
}

// RunOverrides returns the overrides run was started with (AttrOverrides),
// nil when none.
func RunOverrides(run tracker.Run) []string {
	var out []string
	if s := run.Attrs[AttrOverrides]; s != "" {
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			return []string{s}
		}
	}
	return out
}

// overridesAttr is the AttrOverrides value for sets.
func overridesAttr(sets []Override) string {
	list := make([]string, len(sets))
	for i, o := range sets {
		list[i] = o.String()
	}
	b, _ := json.Marshal(list) // strings only: cannot fail
	return string(b)
}
