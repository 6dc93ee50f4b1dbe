package experiments

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
)

// DiffRow is one compared field of two runs.
type DiffRow struct {
	Section string `json:"section"` // "run", "spec", "metrics"
	Key     string `json:"key"`
	A       string `json:"a"`
	B       string `json:"b"`
	Same    bool   `json:"same"`
}

// Diff compares two stored runs: their settings, spec text (line by line) and
// metrics. With all false only differing rows are returned.
func Diff(ctx context.Context, st Store, idA, idB int, all bool) ([]DiffRow, error) {
	a, err := getRun(ctx, st, idA)
	if err != nil {
		return nil, err
	}
	b, err := getRun(ctx, st, idB)
	if err != nil {
		return nil, err
	}
	var rows []DiffRow
	add := func(section, key, va, vb string) {
		if all || va != vb {
			rows = append(rows, DiffRow{Section: section, Key: key, A: va, B: vb, Same: va == vb})
		}
	}
	add("run", "name", a.Name, b.Name)
	add("run", "profile", a.Profile, b.Profile)
	add("run", "seed", strconv.FormatInt(a.Seed, 10), strconv.FormatInt(b.Seed, 10))
	add("run", "status", string(a.Status), string(b.Status))
	add("run", "spec_sha256", a.SpecSHA256, b.SpecSHA256)
	add("run", "module_version", a.ModuleVersion, b.ModuleVersion)
	add("run", "vcs_revision", a.VCSRevision, b.VCSRevision)
	add("run", "go_version", a.GoVersion, b.GoVersion)
	ea, eb := RunEnvironment(a), RunEnvironment(b)
	add("run", "code_version", ea.CodeVersion, eb.CodeVersion)
	add("run", "db_format", formatOrDash(ea.DBFormat), formatOrDash(eb.DBFormat))
	add("run", "goos/goarch", ea.OS+"/"+ea.Arch, eb.OS+"/"+eb.Arch)
	add("run", "blas", ea.BLAS, eb.BLAS)
	add("run", "machine_bound", strconv.FormatBool(ea.MachineBound), strconv.FormatBool(eb.MachineBound))
	for _, r := range specDiff(a.Spec, b.Spec, all) {
		rows = append(rows, r)
	}
	for _, k := range unionKeys(a.Metrics, b.Metrics) {
		add("metrics", k, metric(a, k), metric(b, k))
	}
	return rows, nil
}

// formatOrDash prints a recorded database format, "-" when not recorded.
func formatOrDash(v int) string {
	if v == 0 {
		return "-"
	}
	return strconv.Itoa(v)
}

func metric(r tracker.Run, k string) string {
	v, ok := r.Metrics[k]
	if !ok {
		return "-"
	}
	if math.Abs(v) >= 1e5 || v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func unionKeys(a, b map[string]float64) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]float64{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// specDiff compares two spec texts as key = value assignments under their
// tables, so reordering or comments do not count as differences.
func specDiff(a, b string, all bool) []DiffRow {
	ma, mb := specAssignments(a), specAssignments(b)
	keys := map[string]bool{}
	for k := range ma {
		keys[k] = true
	}
	for k := range mb {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var rows []DiffRow
	for _, k := range sorted {
		va, oka := ma[k]
		vb, okb := mb[k]
		if !oka {
			va = "-"
		}
		if !okb {
			vb = "-"
		}
		if all || va != vb {
			rows = append(rows, DiffRow{Section: "spec", Key: k, A: va, B: vb, Same: va == vb})
		}
	}
	return rows
}

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
		out[key] = strings.TrimSpace(t[eq+1:])
	}
	return out
}
