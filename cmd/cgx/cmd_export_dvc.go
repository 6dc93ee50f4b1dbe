package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/internal/atomicfile"
)

// runExportDVC writes run id's resolved settings as DIR/params.yaml and its
// metrics as DIR/metrics.json, the files DVC's params and metrics commands
// read.
func runExportDVC(ctx context.Context, g *globals, o exportOptions, id int) (err error) {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	run, err := st.GetRun(ctx, id)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return fmt.Errorf("%w; 'cgx runs' lists the runs", err)
	}
	params, err := dvcParams(id, run.Spec, run.Profile, run.Seed)
	if err != nil {
		return err
	}
	metrics, err := dvcMetrics(run.Metrics)
	if err != nil {
		return fmt.Errorf("export run %d metrics: %w", id, err)
	}
	if err := atomicfile.EnsureDir(o.out); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"params.yaml", params}, {"metrics.json", metrics}} {
		if err := atomicfile.WriteFile(ctx, filepath.Join(o.out, f.name), f.data, 0o644); err != nil {
			return fmt.Errorf("export run %d: %w", id, err)
		}
	}
	fmt.Fprintf(g.stderr, "wrote run %d's settings and %d metrics to %s (params.yaml, metrics.json)\n", id, len(run.Metrics), safeText(o.out))
	return nil
}

// dvcParams returns the run's resolved spec (profile applied, the run's
// seed) as YAML, without the sections its kind does not use, plus the
// profile's name: the settings experiments.ResolvedSettings gives 'cgx
// diff', typed.
func dvcParams(id int, text, profile string, seed int64) ([]byte, error) {
	if strings.TrimSpace(text) == "" {
		return nil, fmt.Errorf("export run %d: it records no spec (an imported run has no settings); export its study with --format csv or optuna-journal instead", id)
	}
	m, err := dvcSettingsMap(text, profile, seed)
	if err != nil {
		return nil, fmt.Errorf("export run %d: %w", id, err)
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Resolved settings of cgx run %d (profile %q), written by 'cgx export %d --format dvc'.\n", id, profile, id)
	writeYAMLMap(&b, m, 0)
	return b.Bytes(), nil
}

// dvcSettingsMap resolves a run's spec into nested typed values.
func dvcSettingsMap(text, profile string, seed int64) (map[string]any, error) {
	f, err := experiments.Parse("run spec", []byte(text))
	if err != nil {
		return nil, fmt.Errorf("parse its spec: %w", err)
	}
	spec, err := f.Resolve(profile)
	if err != nil {
		return nil, err
	}
	spec.Seed = seed
	var tb bytes.Buffer
	if err := toml.NewEncoder(&tb).Encode(spec); err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	var m map[string]any
	if _, err := toml.Decode(tb.String(), &m); err != nil {
		return nil, fmt.Errorf("re-read settings: %w", err)
	}
	// The sections another kind uses do not enter the run.
	delete(m, "profiles")
	switch spec.Kind {
	case experiments.KindStyle:
		delete(m, "content")
		delete(m, "segmentation")
	case experiments.KindContent:
		delete(m, "style")
		delete(m, "segmentation")
	case experiments.KindSegmentation:
		delete(m, "content")
	}
	if ds, ok := m["datasets"].(map[string]any); ok && spec.Kind != experiments.KindSegmentation {
		delete(ds, "eval")
	}
	m["profile"] = profile
	return m, nil
}

// writeYAMLMap writes m as block YAML, keys sorted, scalars in a form YAML
// 1.1 and 1.2 parsers read back with the same type.
func writeYAMLMap(b *bytes.Buffer, m map[string]any, indent int) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pad := strings.Repeat("  ", indent)
	for _, k := range keys {
		if sub, ok := m[k].(map[string]any); ok {
			if len(sub) == 0 {
				fmt.Fprintf(b, "%s%s: {}\n", pad, yamlKey(k))
				continue
			}
			fmt.Fprintf(b, "%s%s:\n", pad, yamlKey(k))
			writeYAMLMap(b, sub, indent+1)
			continue
		}
		fmt.Fprintf(b, "%s%s: %s\n", pad, yamlKey(k), yamlFlow(m[k]))
	}
}

func yamlKey(k string) string {
	for _, r := range k {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return yamlString(k)
		}
	}
	if k == "" {
		return `""`
	}
	return k
}

// yamlString quotes s as a double-quoted YAML scalar (JSON's escapes are a
// subset of YAML's).
func yamlString(s string) string {
	q, _ := json.Marshal(s)
	return string(q)
}

// yamlFlow writes a scalar, list or table in flow style.
func yamlFlow(v any) string {
	switch x := v.(type) {
	case string:
		return yamlString(x)
	case bool:
		return strconv.FormatBool(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return yamlFloat(x)
	case time.Time:
		return yamlString(x.Format(time.RFC3339Nano))
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = yamlFlow(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case []map[string]any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = yamlFlow(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = yamlKey(k) + ": " + yamlFlow(x[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return yamlString(fmt.Sprint(v))
}

// yamlFloat always has a dot before any exponent and a signed exponent, as
// YAML 1.1's float pattern (PyYAML's) requires.
func yamlFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return ".nan"
	case math.IsInf(f, 1):
		return ".inf"
	case math.IsInf(f, -1):
		return "-.inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	mant, exp, hasExp := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	if !hasExp {
		return mant
	}
	return mant + "e" + exp // FormatFloat's exponent is already signed
}

// dvcMetrics returns the run's metrics as a JSON object; NaN and
// infinities, which JSON cannot hold, become null.
func dvcMetrics(m map[string]float64) ([]byte, error) {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			out[k] = nil
			continue
		}
		out[k] = v
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
