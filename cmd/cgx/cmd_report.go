package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker/backend"
)

var reportUsage = `Usage: cgx report RUN [-o DIR] [--json]
       cgx report table RUN [--format md|csv|tex|json|html] [--table NAME]
       cgx report compare RUN RUN [RUN...] [-o DIR] [--json]

'cgx report RUN' writes the run's static report into DIR: index.html with every
table and figure of the run, its spec, seeds and code version, next to
figures/ (each figure as PNG and SVG) and tables/ (each table in every format)
and spec.toml. The folder needs no network: open index.html in a browser or
copy the folder anywhere. DIR defaults to reports/run-RUN next to the database
(.cgx/reports/run-RUN). A DIR you name is created if its parent folder exists
(a missing parent is refused). It prints the path of index.html. Rewriting a
folder replaces the report atomically, file by file.

'cgx report table RUN' prints the run's tables from the database; without
--table it prints every table that has rows (CSV holds one table: name it).

'cgx report compare RUN RUN...' writes one report comparing runs (a sweep's
runs): the settings that vary, metrics and curves side by side
('cgx report compare --help' says more).

Tables: ` + strings.Join(reports.TableNames(), ", ") + `
docs/REPORTS.md defines every column.

Examples:
  cgx report 3                               # writes .cgx/reports/run-3/index.html
  cgx report 3 -o /tmp/report-3 && xdg-open /tmp/report-3/index.html
  cgx report table 3                         # Markdown
  cgx report table 3 --format tex --table samplers > samplers.tex
  cgx report table 3 --format csv --table style-success
  cgx report table 3 --format json | jq '.[].name'
  cgx serve                                  # the same pages, live, at http://127.0.0.1:8080/`

type reportOptions struct {
	out  string
	json bool
}

type reportTableOptions struct {
	format string
	table  string
}

func init() {
	register(&command{name: "report", summary: "write a run's HTML report, or print its tables", usage: reportUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) > 0 && args[0] == "table" {
				return runReportTableCmd(ctx, g, args[1:])
			}
			if len(args) > 0 && args[0] == "compare" {
				return runReportCompareCmd(ctx, g, args[1:])
			}
			var o reportOptions
			fs := g.newFlagSet("report", reportUsage)
			fs.StringVar(&o.out, "o", "", "output `folder` (default reports/run-RUN next to the database)")
			fs.BoolVar(&o.json, "json", false, "print JSON: the index path and what was written")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return g.usageErrorf("report takes one run id ('cgx runs' lists them), or 'table RUN'")
			}
			id, err := reportRunID(g, rest[0])
			if err != nil {
				return err
			}
			return runReport(ctx, o, id, g)
		}})
}

func runReportTableCmd(ctx context.Context, g *globals, args []string) error {
	o := reportTableOptions{format: reports.FormatMarkdown}
	fs := g.newFlagSet("report table", reportUsage)
	fs.StringVar(&o.format, "format", o.format, "table `format`: "+strings.Join(reports.Formats(), ", "))
	fs.StringVar(&o.table, "table", "", "print only table `NAME`")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return g.usageErrorf("report table takes one run id; 'cgx runs' lists them")
	}
	id, err := reportRunID(g, rest[0])
	if err != nil {
		return err
	}
	if !contains(reports.Formats(), o.format) {
		return g.usageErrorf("unknown --format %q; use one of %s", o.format, strings.Join(reports.Formats(), ", "))
	}
	if o.table != "" && !contains(reports.TableNames(), o.table) {
		return g.usageErrorf("unknown --table %q; tables: %s", o.table, strings.Join(reports.TableNames(), ", "))
	}
	return runReportTable(ctx, o, id, g)
}

// reportRunID parses a run id argument: "3" or "run-3".
func reportRunID(g *globals, s string) (int, error) {
	id, err := strconv.Atoi(strings.TrimPrefix(s, "run-"))
	if err != nil || id < 1 {
		return 0, g.usageErrorf("%q is not a run id; run ids are whole numbers from 1, 'cgx runs' lists them", s)
	}
	return id, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// loadReportRun opens the database read-only and loads run id.
func loadReportRun(ctx context.Context, g *globals, id int) (backend.DB, *reports.RunData, error) {
	st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	rd, err := reports.LoadRun(ctx, st, id)
	if err != nil {
		st.Close()
		if errors.Is(err, reports.ErrNotFound) {
			return nil, nil, fmt.Errorf("no run %d in %s; 'cgx runs' lists the runs", id, st.Info().Location)
		}
		return nil, nil, err
	}
	return st, rd, nil
}

func runReportTable(ctx context.Context, o reportTableOptions, id int, g *globals) (err error) {
	st, rd, err := loadReportRun(ctx, g, id)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	if o.table != "" {
		t, err := rd.Table(o.table)
		if err != nil {
			return err
		}
		if len(t.Rows) == 0 {
			fmt.Fprintf(g.stderr, "cgx report: run %d holds nothing for table %s yet; printing its header\n", id, o.table)
		}
		return t.Write(g.stdout, o.format)
	}
	tables := rd.Tables()
	if len(tables) == 0 {
		fmt.Fprintf(g.stderr, "cgx report: run %d holds nothing to tabulate yet\n", id)
	}
	if err := reports.WriteTables(g.stdout, o.format, tables); err != nil {
		if errors.Is(err, reports.ErrOneTable) {
			return g.usageErrorf("%v", err)
		}
		return err
	}
	return nil
}

// reportJSON is the output of 'cgx report RUN --json'.
type reportJSON struct {
	Run      int      `json:"run"`
	Index    string   `json:"index"`
	Figures  []string `json:"figures"`
	Tables   []string `json:"tables"`
	Warnings []string `json:"warnings"`
}

func runReport(ctx context.Context, o reportOptions, id int, g *globals) (err error) {
	st, rd, err := loadReportRun(ctx, g, id)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	dir := o.out
	if dir == "" {
		if dir, err = defaultReportDir(g, fmt.Sprintf("run-%d", id)); err != nil {
			return err
		}
	}
	out := reportJSON{Run: id, Figures: []string{}, Tables: []string{}, Warnings: rd.Warnings}
	for _, f := range rd.Figures() {
		out.Figures = append(out.Figures, f.Name)
	}
	for _, t := range rd.Tables() {
		out.Tables = append(out.Tables, t.Name)
	}
	fmt.Fprintf(g.stderr, "cgx report: run %d: drawing %d figures and writing %d tables into %s\n", id, len(out.Figures), len(out.Tables), safeText(dir))
	index, err := reports.WriteRunReport(ctx, st, rd, dir)
	if err != nil {
		return err
	}
	out.Index = index
	for _, w := range rd.Warnings {
		fmt.Fprintf(g.stderr, "cgx report: warning: %s\n", safeText(w))
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintln(g.stdout, safeText(index))
	return nil
}
