package experiments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
)

// Diff sections, in the order rows are listed.
const (
	DiffRun         = "run"         // name, profile, seed, status, spec digest, tags
	DiffEnvironment = "environment" // the code and machine recorded (Environment)
	DiffSettings    = "settings"    // the resolved spec: profile applied, as bundles record it
	DiffMetrics     = "metrics"     // the run's metrics
)

// DiffRow is one compared field of two runs. A and B are the values as
// text ("-" when the run has none); numbers are the shortest decimal that
// reads back as the same float64. Change says how B differs from A:
// "+472 (+369%)" for numbers, "changed", "added" (only B has it), "removed"
// (only A has it), or "" when equal.
type DiffRow struct {
	Section string `json:"section"`
	Key     string `json:"key"`
	A       string `json:"a"`
	B       string `json:"b"`
	Same    bool   `json:"same"`
	Change  string `json:"change,omitempty"`
	// Delta is B - A when both are numbers (settings and metrics only).
	Delta *float64 `json:"delta,omitempty"`
}

// DiffResult is the comparison of runs A and B.
type DiffResult struct {
	A     int       `json:"a"`
	B     int       `json:"b"`
	Rows  []DiffRow `json:"rows"`
	Notes []string  `json:"notes,omitempty"` // why a section is incomplete
}

// RunGetter is the part of the tracker Diff reads.
type RunGetter interface {
	GetRun(ctx context.Context, id int) (tracker.Run, error)
}

// Diff compares two stored runs: run fields, the recorded environment, the
// resolved settings each run used (its spec resolved under its profile with
// its seed, as ResolvedSettings) and metrics. With all false only differing
// rows are returned.
func Diff(ctx context.Context, st RunGetter, idA, idB int, all bool) (DiffResult, error) {
	var runs [2]tracker.Run
	for i, id := range []int{idA, idB} {
		run, err := st.GetRun(ctx, id)
		if err != nil {
			if errors.Is(err, tracker.ErrNotFound) {
				return DiffResult{}, fmt.Errorf("%w %d: %w; 'cgx runs' lists the runs", ErrUnknownRun, id, err)
			}
			return DiffResult{}, fmt.Errorf("read run %d: %w", id, err)
		}
		runs[i] = run
	}
	return DiffRuns(runs[0], runs[1], all), nil
}

// DiffRuns compares two run records (see Diff).
func DiffRuns(a, b tracker.Run, all bool) DiffResult {
	res := DiffResult{A: a.ID, B: b.ID, Rows: []DiffRow{}}
	add := func(section, key, va, vb string) {
		if all || va != vb {
			res.Rows = append(res.Rows, DiffRow{Section: section, Key: key, A: va, B: vb, Same: va == vb, Change: textChange(va, vb)})
		}
	}
	addNum := func(section, key, va, vb string) {
		if !all && va == vb {
			return
		}
		row := DiffRow{Section: section, Key: key, A: va, B: vb, Same: va == vb, Change: textChange(va, vb)}
		x, errx := strconv.ParseFloat(va, 64)
		y, erry := strconv.ParseFloat(vb, 64)
		if errx == nil && erry == nil && va != vb && !math.IsNaN(x) && !math.IsNaN(y) && !math.IsInf(x, 0) && !math.IsInf(y, 0) {
			d := y - x
			row.Delta = &d
			row.Change = NumberChange(x, y)
		}
		res.Rows = append(res.Rows, row)
	}
	add(DiffRun, "name", a.Name, b.Name)
	add(DiffRun, "profile", a.Profile, b.Profile)
	add(DiffRun, "seed", strconv.FormatInt(a.Seed, 10), strconv.FormatInt(b.Seed, 10))
	add(DiffRun, "status", string(a.Status), string(b.Status))
	add(DiffRun, "spec_sha256", orDash(a.SpecSHA256), orDash(b.SpecSHA256))
	add(DiffRun, "tags", orDash(strings.Join(a.Tags(), ",")), orDash(strings.Join(b.Tags(), ",")))

	ea, eb := RunEnvironment(a), RunEnvironment(b)
	add(DiffEnvironment, "code_version", orDash(ea.CodeVersion), orDash(eb.CodeVersion))
	add(DiffEnvironment, "code_digest", orDash(ea.CodeDigest), orDash(eb.CodeDigest))
	add(DiffEnvironment, "module_version", orDash(ea.Module), orDash(eb.Module))
	add(DiffEnvironment, "vcs_revision", orDash(ea.Revision), orDash(eb.Revision))
	add(DiffEnvironment, "go_version", orDash(ea.GoVersion), orDash(eb.GoVersion))
	add(DiffEnvironment, "db_format", formatOrDash(ea.DBFormat), formatOrDash(eb.DBFormat))
	add(DiffEnvironment, "goos/goarch", ea.OS+"/"+ea.Arch, eb.OS+"/"+eb.Arch)
	add(DiffEnvironment, "cpu", orDash(ea.CPU), orDash(eb.CPU))
	add(DiffEnvironment, "blas", orDash(ea.BLAS), orDash(eb.BLAS))
	add(DiffEnvironment, "machine_bound", strconv.FormatBool(ea.MachineBound), strconv.FormatBool(eb.MachineBound))

	sa, errA := ResolvedSettings(a)
	sb, errB := ResolvedSettings(b)
	for _, e := range []struct {
		id  int
		err error
	}{{a.ID, errA}, {b.ID, errB}} {
		if e.err != nil {
			res.Notes = append(res.Notes, fmt.Sprintf("run %d: %v; settings compared as written", e.id, e.err))
		}
	}
	if errA != nil || errB != nil {
		// Compare like with like: both as written.
		sa, sb = specAssignments(a.Spec), specAssignments(b.Spec)
	}
	for _, k := range unionKeys2(sa, sb) {
		if k == "profile" || k == "seed" { // in the run section
			continue
		}
		addNum(DiffSettings, k, valueOrDash(sa, k), valueOrDash(sb, k))
	}
	for _, k := range unionKeys2(a.Metrics, b.Metrics) {
		addNum(DiffMetrics, k, metricText(a.Metrics, k), metricText(b.Metrics, k))
	}
	return res
}

// ResolvedSettings returns the settings run used: its recorded spec resolved
// under its profile with its seed, as dotted TOML keys (the form bundles
// record, docs/BUNDLE.md). It fails for a run without a spec (an imported
// run) or one this cgx cannot parse.
func ResolvedSettings(run tracker.Run) (map[string]string, error) {
	if strings.TrimSpace(run.Spec) == "" {
		return nil, fmt.Errorf("no spec recorded (an imported run)")
	}
	f, err := Parse(fmt.Sprintf("run %d spec", run.ID), []byte(run.Spec))
	if err != nil {
		return nil, fmt.Errorf("parse its spec: %w", err)
	}
	spec, err := resolveAsRun(f, run.Profile, run.Seed)
	if err != nil {
		return nil, fmt.Errorf("resolve its spec: %w", err)
	}
	return flattenSettings(spec), nil
}

// NumberChange describes y against x: the difference with four significant
// digits and, when x is not 0, the relative change ("+472 (+369%)",
// "-9.03e-05 (-50%)").
func NumberChange(x, y float64) string {
	d := y - x
	s := strconv.FormatFloat(d, 'g', 4, 64)
	if d > 0 {
		s = "+" + s
	}
	if x != 0 {
		r := d / math.Abs(x) * 100
		rs := strconv.FormatFloat(r, 'g', 3, 64)
		if math.Abs(r) >= 1000 || strings.ContainsRune(rs, 'e') {
			rs = strconv.FormatFloat(r, 'f', 0, 64)
		}
		if r > 0 {
			rs = "+" + rs
		}
		s += " (" + rs + "%)"
	}
	return s
}

func textChange(a, b string) string {
	switch {
	case a == b:
		return ""
	case a == "-":
		return "added"
	case b == "-":
		return "removed"
	}
	return "changed"
}

// formatOrDash prints a recorded database format, "-" when not recorded.
func formatOrDash(v int) string {
	if v == 0 {
		return "-"
	}
	return strconv.Itoa(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func valueOrDash(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return "-"
}

// metricText is the shortest decimal that reads back as the metric, "-"
// when the run has none.
func metricText(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "-"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// specAssignments reads a spec text as key = value assignments under their
// tables, so reordering or comments do not count as differences; the
// fallback for runs whose spec does not resolve.
func specAssignments(text string) map[string]string {
	out := map[string]string{}
	table := ""
	for _, line := range strings.Split(text, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || t[0] == '#' {
			continue
		}
		if t[0] == '[' {
			inner := strings.Trim(t, "[] ")
			table = strings.Join(splitKey(inner[:closingBracket(inner)]), ".")
			continue
		}
		eq := equalsOutsideQuotes(t)
		if eq < 0 {
			continue
		}
		key := strings.Join(splitKey(t[:eq]), ".")
		if table != "" {
			key = table + "." + key
		}
		out[key] = stripComment(t[eq+1:])
	}
	return out
}

// stripComment removes a trailing # comment outside quotes from a TOML value.
func stripComment(v string) string {
	var quote byte
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case quote != 0 && c == '\\' && quote == '"':
			i++
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
		case quote == 0 && c == '#':
			return strings.TrimSpace(v[:i])
		}
	}
	return strings.TrimSpace(v)
}
