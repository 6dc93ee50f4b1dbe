package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

const trialsUsage = `Usage: cgx trials STUDY [--state STATE] [--json]

Lists the trials of one study, by number: state, value, duration, parameters and
user attributes. STUDY is a study id or name ('cgx studies' lists them). Long
artifact ids in attributes are shortened; --json prints everything, including
distributions, intermediate values and system attributes. Works while a run is
writing the database; RUNNING trials of a live run show their current values.

Examples:
  cgx trials 3
  cgx trials run-3/search/exp1/round-1 --state complete
  cgx trials 3 --json | jq 'sort_by(.value) | .[0].params'
  cgx export 3 --format csv -o trials.csv   # the same as a file`

// maxParamColumns is how many parameters the table shows as columns.
const maxParamColumns = 6

type trialsOptions struct {
	json  bool
	state string
}

func init() {
	register(&command{name: "trials", summary: "list the trials of a study", usage: trialsUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o trialsOptions
			fs := g.newFlagSet("trials", trialsUsage)
			fs.BoolVar(&o.json, "json", false, "print JSON")
			fs.StringVar(&o.state, "state", "", "show only trials in this `state` (running, complete, pruned, fail, waiting)")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return g.usageErrorf("trials takes one study id or name; 'cgx studies' lists them")
			}
			return runTrials(g, o, rest[0])
		}})
}

func runTrials(g *globals, o trialsOptions, ref string) (err error) {
	var want *goptuna.TrialState
	if o.state != "" {
		s, ok := parseTrialState(o.state)
		if !ok {
			return g.usageErrorf("unknown state %q; use running, complete, pruned, fail or waiting", o.state)
		}
		want = &s
	}
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	info, trials, err := loadStudyTrials(st, ref)
	if err != nil {
		return err
	}
	if want != nil {
		kept := trials[:0]
		for _, t := range trials {
			if t.State == *want {
				kept = append(kept, t)
			}
		}
		trials = kept
	}
	if o.json {
		return writeJSONLines(g.stdout, "", toTrialsJSON(trials), "")
	}
	w := bufio.NewWriterSize(g.stdout, 64<<10)
	printStudyHeader(w, info)
	if err := printTrialsTable(w, trials); err != nil {
		return err
	}
	return w.Flush()
}

// loadStudyTrials resolves a study reference and reads its trials.
func loadStudyTrials(st studyReader, ref string) (tracker.StudyInfo, []goptuna.FrozenTrial, error) {
	info, err := st.FindStudy(ref)
	if errors.Is(err, tracker.ErrNotFound) {
		return info, nil, fmt.Errorf("%w in %s; 'cgx studies' lists the studies", err, st.Info().Location)
	}
	if err != nil {
		return info, nil, err
	}
	trials, err := st.GetAllTrials(info.ID)
	return info, trials, err
}

func printStudyHeader(w io.Writer, s tracker.StudyInfo) {
	st := s.Stats
	parts := []string{fmt.Sprintf("%d complete", st.Complete)}
	for _, c := range []struct {
		n    int
		name string
	}{{st.Running, "running"}, {st.Pruned, "pruned"}, {st.Fail, "failed"}, {st.Waiting, "waiting"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.name))
		}
	}
	best := ""
	if st.BestTrialID != 0 {
		best = fmt.Sprintf("; best %s (trial #%d)", formatFloat(st.BestValue), st.BestNumber)
	}
	fmt.Fprintf(w, "study %d %q (%s): %d trials, %s%s\n\n", s.ID, s.Name, s.Direction, st.Trials, strings.Join(parts, ", "), best)
}

func printTrialsTable(w io.Writer, trials []goptuna.FrozenTrial) error {
	names := paramNames(trials)
	shown := names
	if len(shown) > maxParamColumns {
		shown = shown[:maxParamColumns]
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "#\tSTATE\tVALUE\tDURATION")
	for _, n := range shown {
		fmt.Fprint(tw, "\t", safeText(n))
	}
	fmt.Fprintln(tw, "\tATTRIBUTES")
	var line strings.Builder
	for i := range trials {
		t := &trials[i]
		line.Reset()
		line.WriteString(strconv.Itoa(t.Number))
		line.WriteString("\t")
		line.WriteString(stateName(t.State))
		line.WriteString("\t")
		line.WriteString(trialValue(t))
		line.WriteString("\t")
		line.WriteString(trialDuration(t))
		for _, n := range shown {
			line.WriteString("\t")
			if v, ok := t.Params[n]; ok {
				line.WriteString(safeText(formatParam(v)))
			} else {
				line.WriteString("-")
			}
		}
		line.WriteString("\t")
		line.WriteString(safeText(formatAttrs(t.UserAttrs)))
		line.WriteString("\n")
		io.WriteString(tw, line.String())
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(trials) == 0 {
		fmt.Fprintln(w, "(no trials)")
	}
	if len(names) > len(shown) {
		fmt.Fprintf(w, "(%d more parameters not shown: %s, ...; --json or 'cgx export' has them all)\n",
			len(names)-len(shown), names[len(shown)])
	}
	return nil
}

// paramNames returns every parameter name of the trials in the order the
// report and dashboard use (reports.SortParamNames).
func paramNames(trials []goptuna.FrozenTrial) []string {
	// The report's and dashboard's order (r, g, b), not alphabetical (b, g, r).
	return reports.SortParamNames(keyUnion(trials, func(t *goptuna.FrozenTrial) map[string]any { return t.Params }))
}

// attrNames returns every user attribute name of the trials, sorted.
func attrNames(trials []goptuna.FrozenTrial) []string {
	return keyUnion(trials, func(t *goptuna.FrozenTrial) map[string]string { return t.UserAttrs })
}

// keyUnion returns the sorted union of the keys of one map of each trial.
func keyUnion[V any](trials []goptuna.FrozenTrial, of func(*goptuna.FrozenTrial) map[string]V) []string {
	seen := map[string]bool{}
	for i := range trials {
		for n := range of(&trials[i]) {
			seen[n] = true
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func parseTrialState(s string) (goptuna.TrialState, bool) {
	for st := goptuna.TrialStateRunning; st <= goptuna.TrialStateWaiting; st++ {
		if strings.EqualFold(s, st.String()) || strings.EqualFold(s, stateName(st)) {
			return st, true
		}
	}
	return 0, false
}

// stateName spells a state as Optuna does: COMPLETE, RUNNING, ...
func stateName(s goptuna.TrialState) string {
	if s == goptuna.TrialStateFail {
		return "FAIL"
	}
	return strings.ToUpper(s.String())
}

// trialValue is the value of a complete or pruned trial, "-" otherwise
// (goptuna stores 0 for trials without one).
func trialValue(t *goptuna.FrozenTrial) string {
	if t.State != goptuna.TrialStateComplete && t.State != goptuna.TrialStatePruned {
		return "-"
	}
	return formatFloat(t.Value)
}

func trialDuration(t *goptuna.FrozenTrial) string {
	if t.DatetimeStart.IsZero() || t.DatetimeComplete.IsZero() {
		return "-"
	}
	d := t.DatetimeComplete.Sub(t.DatetimeStart)
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(100 * time.Microsecond).String()
	default:
		return d.Round(10 * time.Millisecond).String()
	}
}

func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func formatParam(v any) string {
	switch x := v.(type) {
	case float64:
		return formatFloat(x)
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// formatAttrs writes attributes as k=v in key order, shortening 64-character
// hex values (artifact ids) to their first 12 characters.
func formatAttrs(m map[string]string) string {
	if len(m) == 0 {
		return ""
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(' ')
		}
		v := m[k]
		if len(v) == 64 && isHex(v) {
			v = v[:12] + "…"
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
	}
	return b.String()
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// jsonNumber is v as encoding/json writes it fastest: a json.Number, or the
// string "NaN", "+Inf" or "-Inf".
func jsonNumber(v float64) any {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return exactFloat(v)
	}
	return json.Number(exactFloat(v))
}

// trialJSON is one trial in 'cgx trials --json' and 'cgx export --format json'.
// Numbers that may be NaN or infinite are jsonNumber values.
type trialJSON struct {
	ID                 int               `json:"id"`
	Number             int               `json:"number"`
	State              string            `json:"state"`
	Value              any               `json:"value"`
	Start              *time.Time        `json:"datetime_start"`
	Complete           *time.Time        `json:"datetime_complete"`
	DurationSeconds    *float64          `json:"duration_s"`
	Params             map[string]any    `json:"params"`
	Distributions      map[string]any    `json:"distributions"`
	IntermediateValues map[string]any    `json:"intermediate_values"`
	UserAttrs          map[string]string `json:"user_attrs"`
	SystemAttrs        map[string]string `json:"system_attrs"`
}

func toTrialsJSON(trials []goptuna.FrozenTrial) []trialJSON {
	out := make([]trialJSON, len(trials))
	dists := map[string]any{} // goptuna's JSON of each distinct distribution, decoded once
	for i := range trials {
		t := &trials[i]
		j := trialJSON{ID: t.ID, Number: t.Number, State: stateName(t.State),
			Start: timeOrNil(t.DatetimeStart), Complete: timeOrNil(t.DatetimeComplete),
			Params: map[string]any{}, Distributions: map[string]any{},
			IntermediateValues: map[string]any{}, UserAttrs: t.UserAttrs, SystemAttrs: t.SystemAttrs}
		if t.State == goptuna.TrialStateComplete || t.State == goptuna.TrialStatePruned {
			j.Value = jsonNumber(t.Value)
		}
		if j.Start != nil && j.Complete != nil {
			d := t.DatetimeComplete.Sub(t.DatetimeStart).Seconds()
			j.DurationSeconds = &d
		}
		for n, v := range t.Params {
			if f, ok := v.(float64); ok {
				v = jsonNumber(f)
			}
			j.Params[n] = v
		}
		for n, d := range t.Distributions {
			raw, err := goptuna.DistributionToJSON(d)
			if err != nil {
				continue
			}
			v, ok := dists[string(raw)]
			if !ok {
				json.Unmarshal(raw, &v)
				dists[string(raw)] = v
			}
			j.Distributions[n] = v
		}
		for step, v := range t.IntermediateValues {
			j.IntermediateValues[strconv.Itoa(step)] = jsonNumber(v)
		}
		out[i] = j
	}
	return out
}

// writeJSONLines writes a JSON array with one compact element per line:
// valid JSON, easy to grep, and several times faster than indenting 10,000
// trials. prefix and suffix wrap the array (for an enclosing object).
func writeJSONLines[T any](w io.Writer, prefix string, items []T, suffix string) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	var item bytes.Buffer
	enc := json.NewEncoder(&item)
	enc.SetEscapeHTML(false)
	bw.WriteString(prefix)
	bw.WriteString("[")
	for i := range items {
		item.Reset()
		if err := enc.Encode(items[i]); err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		bw.Write(bytes.TrimSuffix(item.Bytes(), []byte("\n")))
	}
	bw.WriteString("\n]")
	bw.WriteString(suffix)
	bw.WriteString("\n")
	return bw.Flush()
}

func writeJSON(w io.Writer, v any) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	return bw.Flush()
}
