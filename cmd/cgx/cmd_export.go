package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/tracker"
)

const exportUsage = `Usage: cgx export STUDY --format csv|json|md|tex [-o FILE]
       cgx export STUDY --format optuna-journal|optuna-sqlite -o FILE
       cgx export RUN --format dvc -o DIR

Tables: writes every trial of one study as a table: number, state, value,
start, end, duration, one column per parameter (params_<name>) and per user
attribute (user_attrs_<key>). STUDY is a study id or name ('cgx studies'
lists them). csv and json keep full precision (NaN and infinities spelled
out); md and tex are for reading and papers (tex is a booktabs tabular).

Optuna: optuna-journal writes the study as an Optuna 3.1 JournalFileStorage
log, optuna-sqlite as an Optuna RDB (SQLite) database: trials, states,
values, parameters with their distributions, intermediate values, user and
system attributes. Open them with optuna.load_study, optuna-dashboard or
Optuna's plots (docs/INTEROP.md); 'cgx import' reads them back.

DVC: dvc writes run RUN's resolved settings (the spec with its profile
applied and the run's seed) as DIR/params.yaml and its metrics as
DIR/metrics.json, the files 'dvc params diff' and 'dvc metrics show' read.

With -o a file is replaced all at once or not at all (a link is followed; a
pipe or device such as /dev/stdout is written in place; the folder must
exist); without it a table or journal goes to stdout. A DIR is created when
its parent folder exists.

Examples:
  cgx export 3 --format csv -o out/study3.csv
  cgx export run-3/search/exp1/round-1 --format md
  cgx export 3 --format tex -o paper/trials.tex
  cgx export 3 --format optuna-sqlite -o out/study3.db
  optuna-dashboard sqlite:///out/study3.db
  cgx export 3 --format dvc -o out/run3`

type exportOptions struct {
	format string
	out    string
}

func init() {
	register(&command{name: "export", summary: "write a study as a table or an Optuna file, or a run as DVC params and metrics", usage: exportUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o exportOptions
			fs := g.newFlagSet("export", exportUsage)
			fs.StringVar(&o.format, "format", "", "`format`: csv, json, md, tex, optuna-journal, optuna-sqlite or dvc (required)")
			fs.StringVar(&o.out, "o", "", "write to `FILE` (atomically) instead of stdout; for dvc, the folder")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				if o.format == "dvc" {
					return g.usageErrorf("export --format dvc takes one run id; 'cgx runs' lists them")
				}
				return g.usageErrorf("export takes one study id or name; 'cgx studies' lists them")
			}
			switch o.format {
			case "csv", "json", "md", "tex", "optuna-journal":
			case "optuna-sqlite", "dvc":
				if o.out == "" {
					what := "FILE"
					if o.format == "dvc" {
						what = "DIR"
					}
					return g.usageErrorf("export --format %s needs -o %s", o.format, what)
				}
			case "":
				return g.usageErrorf("export needs --format csv, json, md, tex, optuna-journal, optuna-sqlite or dvc")
			default:
				return g.usageErrorf("unknown format %q; use csv, json, md, tex, optuna-journal, optuna-sqlite or dvc", o.format)
			}
			switch o.format {
			case "dvc":
				id, err := parseRunID(g, rest[0])
				if err != nil {
					return err
				}
				return runExportDVC(ctx, g, o, id)
			case "optuna-journal", "optuna-sqlite":
				return runExportOptuna(ctx, g, o, rest[0])
			}
			return runExport(ctx, g, o, rest[0])
		}})
}

func runExport(ctx context.Context, g *globals, o exportOptions, ref string) error {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	info, trials, err := loadStudyTrials(st, ref)
	if cerr := st.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close: %w", cerr)
	}
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	switch o.format {
	case "csv":
		err = exportCSV(&buf, trials)
	case "json":
		var head []byte
		if head, err = json.Marshal(toStudyJSON(info)); err == nil {
			err = writeJSONLines(&buf, `{"study": `+string(head)+`,
"trials": `, toTrialsJSON(trials), "}")
		}
	case "md":
		exportMarkdown(&buf, info, trials)
	case "tex":
		exportTeX(&buf, info, trials)
	}
	if err != nil {
		return fmt.Errorf("export study %d as %s: %w", info.ID, o.format, err)
	}
	if o.out == "" {
		_, err := g.stdout.Write(buf.Bytes())
		return err
	}
	if err := atomicfile.WriteFile(ctx, o.out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("export study %d: %w", info.ID, err)
	}
	fmt.Fprintf(g.stderr, "wrote %d trials of study %d (%s) to %s\n", len(trials), info.ID, safeText(info.Name), safeText(o.out))
	return nil
}

// exportColumns names a table's columns: fixed ones, then parameters, then
// user attributes.
func exportColumns(trials []goptuna.FrozenTrial) (params, attrs, header []string) {
	params, attrs = paramNames(trials), attrNames(trials)
	header = []string{"number", "state", "value", "datetime_start", "datetime_complete", "duration_s"}
	for _, p := range params {
		header = append(header, "params_"+p)
	}
	for _, a := range attrs {
		header = append(header, "user_attrs_"+a)
	}
	return params, attrs, header
}

// exportCells returns a trial's cells; num formats numbers, text escapes
// everything else.
func exportCells(t *goptuna.FrozenTrial, params, attrs []string, num func(float64) string, text func(string) string) []string {
	ts := func(x time.Time) string {
		if x.IsZero() {
			return ""
		}
		return x.UTC().Format(time.RFC3339Nano)
	}
	value, dur := "", ""
	if t.State == goptuna.TrialStateComplete || t.State == goptuna.TrialStatePruned {
		value = num(t.Value)
	}
	if !t.DatetimeStart.IsZero() && !t.DatetimeComplete.IsZero() {
		dur = num(t.DatetimeComplete.Sub(t.DatetimeStart).Seconds())
	}
	row := []string{strconv.Itoa(t.Number), stateName(t.State), value, ts(t.DatetimeStart), ts(t.DatetimeComplete), dur}
	for _, p := range params {
		switch x := t.Params[p].(type) {
		case float64:
			row = append(row, num(x))
		case nil:
			row = append(row, "")
		default:
			row = append(row, text(formatParam(x)))
		}
	}
	for _, a := range attrs {
		row = append(row, text(t.UserAttrs[a]))
	}
	return row
}

func exactFloat(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func exportCSV(w io.Writer, trials []goptuna.FrozenTrial) error {
	params, attrs, header := exportColumns(trials)
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for i := range trials {
		if err := cw.Write(exportCells(&trials[i], params, attrs, exactFloat, func(s string) string { return s })); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func exportMarkdown(w io.Writer, info tracker.StudyInfo, trials []goptuna.FrozenTrial) {
	params, attrs, header := exportColumns(trials)
	esc := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	fmt.Fprintf(w, "Study %d `%s` (%s), %d trials.\n\n", info.ID, esc(info.Name), info.Direction, len(trials))
	fmt.Fprintf(w, "| %s |\n", strings.Join(header, " | "))
	seps := make([]string, len(header))
	for i := range seps {
		seps[i] = "---"
		if i == 0 || i == 2 || i == 5 || (i >= 6 && i < 6+len(params)) {
			seps[i] = "---:"
		}
	}
	fmt.Fprintf(w, "| %s |\n", strings.Join(seps, " | "))
	for i := range trials {
		cells := exportCells(&trials[i], params, attrs, formatFloat, esc)
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
}

// texEscape escapes LaTeX's special characters.
var texEscape = strings.NewReplacer(`\`, `\textbackslash{}`, `&`, `\&`, `%`, `\%`, `$`, `\$`, `#`, `\#`,
	`_`, `\_`, `{`, `\{`, `}`, `\}`, `~`, `\textasciitilde{}`, `^`, `\textasciicircum{}`,
	`|`, `\textbar{}`, `<`, `\textless{}`, `>`, `\textgreater{}`)

func exportTeX(w io.Writer, info tracker.StudyInfo, trials []goptuna.FrozenTrial) {
	params, attrs, _ := exportColumns(trials)
	// Times make poor table cells in a paper: number, state, value, duration,
	// parameters, attributes.
	header := []string{"\\#", "state", "value", "duration (s)"}
	spec := "rlrr"
	for _, p := range params {
		header = append(header, texEscape.Replace(p))
		spec += "r"
	}
	for _, a := range attrs {
		header = append(header, texEscape.Replace(a))
		spec += "l"
	}
	num := func(v float64) string {
		switch {
		case math.IsNaN(v):
			return "NaN"
		case math.IsInf(v, 0):
			if v > 0 {
				return `$\infty$`
			}
			return `$-\infty$`
		}
		return strconv.FormatFloat(v, 'g', 4, 64)
	}
	fmt.Fprintf(w, "%% Study %d (%s), %d trials, exported by cgx.\n", info.ID, texEscape.Replace(info.Name), len(trials))
	fmt.Fprintf(w, "\\begin{tabular}{%s}\n\\toprule\n%s \\\\\n\\midrule\n", spec, strings.Join(header, " & "))
	for i := range trials {
		c := exportCells(&trials[i], params, attrs, num, texEscape.Replace)
		row := append([]string{c[0], c[1], c[2], c[5]}, c[6:]...)
		fmt.Fprintf(w, "%s \\\\\n", strings.Join(row, " & "))
	}
	fmt.Fprint(w, "\\bottomrule\n\\end{tabular}\n")
}
