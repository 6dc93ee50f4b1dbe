package main

import (
	"context"
	"fmt"

	"github.com/cgx-dev/cgx/tracker"
)

const checkUsage = `Usage: cgx check [--json]

Verifies the database: the file's page structure, its format record, that every
study, trial, run, stage and artifact record decodes, that indexes and trial
numbers agree, that stored summaries match the trials, that runs and stages
name artifacts that exist, and re-hashes every artifact's bytes under objects/.
Prints what it checked, every problem found and notes that need no repair
(RUNNING trials, unreferenced object files). Exits 1 when anything is damaged.
Works while a run is writing the database.

Examples:
  cgx check
  cgx check --json | jq '.problems'`

func init() {
	register(&command{name: "check", summary: "verify the database and re-hash every artifact", usage: checkUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var asJSON bool
			fs := g.newFlagSet("check", checkUsage)
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("check takes no arguments")
			}
			return runCheck(ctx, g, asJSON)
		}})
}

func runCheck(ctx context.Context, g *globals, asJSON bool) error {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	defer st.Close()
	fmt.Fprintf(g.stderr, "checking %s and re-hashing %s ...\n", st.Path(), st.ObjectsDir())
	rep, err := st.Check(ctx)
	if err != nil {
		return err
	}
	if rep.Problems == nil {
		rep.Problems = []tracker.Problem{}
	}
	if rep.Notes == nil {
		rep.Notes = []string{}
	}
	if asJSON {
		if err := writeJSON(g.stdout, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(g.stdout, "%s (format %d): %d studies, %d trials (%d running), %d runs, %d stages, %d artifacts (%s re-hashed)\n",
			rep.Path, rep.FormatVersion, rep.Studies, rep.Trials, rep.RunningTrials, rep.Runs, rep.Stages, rep.Artifacts, byteSize(rep.ArtifactBytes))
		for _, p := range rep.Problems {
			fmt.Fprintf(g.stdout, "DAMAGED %s: %s\n", p.Object, p.Problem)
		}
		for _, n := range rep.Notes {
			fmt.Fprintf(g.stdout, "note: %s\n", n)
		}
		if rep.OK() {
			fmt.Fprintln(g.stdout, "ok: no damage found")
		}
	}
	if !rep.OK() {
		fmt.Fprintf(g.stderr, "cgx check: %d problem(s) in %s; restore damaged objects from a backup or rerun the runs that made them\n", len(rep.Problems), rep.Path)
		return errSilentFailure
	}
	return nil
}

func byteSize(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
