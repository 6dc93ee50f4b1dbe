package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/cgx-dev/cgx/tracker"
)

const runsUsage = `Usage: cgx runs [--json]

Lists the runs in the database, newest last: id, spec name, profile, seed, status,
start time and duration. 'cgx show RUN' shows one in full.

Examples:
  cgx runs
  cgx runs --json | jq '.[] | select(.Status == "failed")'`

func init() {
	register(&command{name: "runs", summary: "list the stored runs", usage: runsUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var asJSON bool
			fs := g.newFlagSet("runs", runsUsage)
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("runs takes no arguments; to see one run use 'cgx show %s'", rest[0])
			}
			return runRuns(ctx, asJSON, g)
		}})
}

func runRuns(ctx context.Context, asJSON bool, g *globals) (err error) {
	st, err := tracker.Open(g.dbPath(), tracker.ReadOnly())
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	runs, err := st.ListRuns(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		for i := range runs {
			runs[i].Spec = "" // 'cgx show RUN --json' has it; listings stay small
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(runs)
	}
	if len(runs) == 0 {
		fmt.Fprintln(g.stdout, "no runs yet; start one with 'cgx run style/blur --profile smoke' ('cgx specs' lists experiments)")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tNAME\tPROFILE\tSEED\tSTATUS\tSTARTED\tDURATION")
	for _, r := range runs {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, safeText(r.Name), r.Profile, r.Seed, r.Status,
			r.Started.Local().Format("2006-01-02 15:04:05"), runDuration(r))
	}
	return tw.Flush()
}

func runDuration(r tracker.Run) string {
	if r.Ended.IsZero() {
		return "-"
	}
	return r.Ended.Sub(r.Started).Round(10 * time.Millisecond).String()
}
