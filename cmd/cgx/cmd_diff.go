package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
)

const diffUsage = `Usage: cgx diff RUN1 RUN2 [--all] [--json]

Compares two runs: settings (name, profile, seed, code version), the spec key by key
(comments and order ignored) and every metric. Shows differences only unless --all.

Examples:
  cgx diff 3 4
  cgx diff 3 4 --all --json`

func init() {
	register(&command{name: "diff", summary: "compare two runs: spec, settings and metrics", usage: diffUsage,
		run: func(ctx context.Context, g *globals, args []string) (err error) {
			var all, asJSON bool
			fs := g.newFlagSet("diff", diffUsage)
			fs.BoolVar(&all, "all", false, "show equal rows too")
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 2 {
				return g.usageErrorf("diff takes two run ids; 'cgx runs' lists them")
			}
			a, err := parseRunID(g, rest[0])
			if err != nil {
				return err
			}
			b, err := parseRunID(g, rest[1])
			if err != nil {
				return err
			}
			st, err := tracker.Open(g.dbPath(), tracker.ReadOnly())
			if err != nil {
				return err
			}
			defer closeInto(&err, st)
			rows, err := experiments.Diff(ctx, st, a, b, all)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(rows)
			}
			if len(rows) == 0 {
				fmt.Fprintf(g.stdout, "runs %d and %d have the same settings, spec and metrics\n", a, b)
				return nil
			}
			tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "SECTION\tKEY\tRUN %d\tRUN %d\n", a, b)
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Section, safeText(r.Key), safeText(r.A), safeText(r.B))
			}
			return tw.Flush()
		}})
}
