package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const diffUsage = `Usage: cgx diff RUN1 RUN2 [--all] [--json]

Compares two runs: run fields (name, profile, seed, status, spec digest,
tags), the environment each recorded (code version, backend, build), the
settings each run used (its spec resolved under its profile: a smoke run
shows its smoke counts, not the spec's defaults) and every metric. The change
column gives RUN2 against RUN1: the difference and relative change for
numbers, else changed, added or removed. Shows differences only unless --all.
Long values are shortened to fit a terminal; --json gives them in full, with
the numeric difference.

Examples:
  cgx diff 3 4
  cgx diff 3 4 --all --json`

// Widest cells of the text table, so a row fits 100 columns: values are
// shortened (numbers to fewer digits, text cut with an ellipsis).
const (
	diffCell       = 18
	diffKeyCell    = 36
	diffChangeCell = 20
)

func init() {
	register(&command{name: "diff", summary: "compare two runs: resolved settings, environment and metrics", usage: diffUsage,
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
			st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
			if err != nil {
				return err
			}
			defer closeInto(&err, st)
			res, err := experiments.Diff(ctx, st, a, b, all)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(g.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(res)
			}
			return writeDiff(g.stdout, res)
		}})
}

// writeDiff prints res as one aligned table per section, each line at most
// about 100 columns.
func writeDiff(w io.Writer, res experiments.DiffResult) error {
	for _, n := range res.Notes {
		fmt.Fprintf(w, "note: %s\n", safeText(n))
	}
	if len(res.Rows) == 0 {
		fmt.Fprintf(w, "runs %d and %d have the same settings, environment and metrics\n", res.A, res.B)
		return nil
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	section, cut := "", false
	// Values keep their head (digests, versions); keys keep head and tail,
	// where metric and setting names differ.
	cell := func(s string, max int, middle bool) string {
		s = safeText(s)
		if utf8.RuneCountInString(s) <= max {
			return s
		}
		cut = true
		// A number keeps its exponent: fewer significant digits, never a cut.
		if v, err := strconv.ParseFloat(s, 64); err == nil {
			for prec := 15; prec >= 1; prec-- {
				if t := strconv.FormatFloat(v, 'g', prec, 64); len(t) <= max {
					return t
				}
			}
		}
		r := []rune(s)
		if middle {
			head := (max - 1) / 2
			return string(r[:head]) + "…" + string(r[len(r)-(max-1-head):])
		}
		return string(r[:max-1]) + "…"
	}
	for _, r := range res.Rows {
		if r.Section != section {
			if section != "" {
				fmt.Fprintln(tw)
			}
			section = r.Section
			fmt.Fprintf(tw, "%s\tRUN %s\tRUN %s\tCHANGE\n", strings.ToUpper(section), strconv.Itoa(res.A), strconv.Itoa(res.B))
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\n", cell(r.Key, diffKeyCell, true), cell(r.A, diffCell, false), cell(r.B, diffCell, false), cell(r.Change, diffChangeCell, false))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if cut {
		fmt.Fprintln(w, "(long values are shortened to fit; --json gives them in full)")
	}
	return nil
}
