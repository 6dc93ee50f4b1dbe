package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/reports"
)

var reportCompareUsage = `Usage: cgx report compare RUN RUN [RUN...] [-o DIR] [--json]

Writes one static report comparing the runs (a sweep's runs, say) into DIR:
first what differs (the resolved settings that vary between the runs, and one
row per run with those settings and the metrics that differ), then every run
field, recorded environment attribute, resolved setting (profile applied) and
metric side by side with differences highlighted, and the runs' fit curves
overlaid. DIR defaults to reports/compare-A-B-... next to the database. At
most ` + strconv.Itoa(maxCompareRuns) + ` runs.

Examples:
  cgx run style/blur --profile smoke --sweep style.steps=100,300   # prints the run ids
  cgx report compare 4 5 -o /tmp/sweep && xdg-open /tmp/sweep/index.html
  cgx diff 4 5                                                    # the same in the terminal
  cgx serve                                                       # the live compare page`

// maxCompareRuns bounds one comparison report, as the dashboard's page.
const maxCompareRuns = 16

type reportCompareOptions struct {
	out  string
	json bool
}

func runReportCompareCmd(ctx context.Context, g *globals, args []string) error {
	var o reportCompareOptions
	fs := g.newFlagSet("report compare", reportCompareUsage)
	fs.StringVar(&o.out, "o", "", "output `folder` (default reports/compare-A-B-... next to the database)")
	fs.BoolVar(&o.json, "json", false, "print JSON: the index path and the runs compared")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) < 2 || len(rest) > maxCompareRuns {
		return g.usageErrorf("report compare takes 2 to %d run ids, got %d; 'cgx runs' lists them", maxCompareRuns, len(rest))
	}
	var ids []int
	seen := map[int]bool{}
	for _, a := range rest {
		id, err := reportRunID(g, a)
		if err != nil {
			return err
		}
		if seen[id] {
			return g.usageErrorf("run %d is named twice; compare different runs", id)
		}
		seen[id] = true
		ids = append(ids, id)
	}
	return runReportCompare(ctx, g, o, ids)
}

// reportCompareJSON is the output of 'cgx report compare --json'.
type reportCompareJSON struct {
	Runs   []int    `json:"runs"`
	Index  string   `json:"index"`
	Varied []string `json:"varied"`
}

func runReportCompare(ctx context.Context, g *globals, o reportCompareOptions, ids []int) (err error) {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	var rds []*reports.RunData
	for _, id := range ids {
		rd, err := reports.LoadRun(ctx, st, id)
		if errors.Is(err, reports.ErrNotFound) {
			return fmt.Errorf("no run %d in %s; 'cgx runs' lists the runs", id, safeText(g.dbName()))
		}
		if err != nil {
			return err
		}
		rds = append(rds, rd)
	}
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = strconv.Itoa(id)
	}
	dir := o.out
	if dir == "" {
		if dir, err = defaultReportDir(g, "compare-"+strings.Join(names, "-")); err != nil {
			return err
		}
	}
	fmt.Fprintf(g.stderr, "cgx report compare: runs %s: writing the comparison into %s\n", strings.Join(names, ", "), safeText(dir))
	index, err := reports.WriteCompareReport(ctx, st, rds, experiments.ResolvedSettings, dir)
	if err != nil {
		return err
	}
	if o.json {
		c := reports.Compare(rds, experiments.ResolvedSettings)
		out := reportCompareJSON{Runs: ids, Index: index, Varied: c.Varied}
		if out.Varied == nil {
			out.Varied = []string{}
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintln(g.stdout, index)
	return nil
}

// defaultReportDir returns the folder name where reports go by default:
// inside "reports" next to a database file, or inside "cgx-reports" under
// the working directory for a database that is not a file (a PostgreSQL
// URL). It makes the folders above it as needed (the database's own folder
// included, which a command may run before any database exists): they are
// cgx's own. A folder the user names with -o must sit in one that exists,
// as for every -o.
func defaultReportDir(g *globals, name string) (string, error) {
	base := "cgx-reports"
	if p := g.dbPath(); !strings.Contains(p, "://") {
		base = filepath.Join(filepath.Dir(p), "reports")
	}
	dir := filepath.Join(base, name)
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w; choose a folder with -o", base, err)
	}
	return dir, nil
}
