package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const studyUsage = `Usage: cgx study fail-stale STUDY|--all

Marks FAIL the trials a dead process left RUNNING, in one study (id or name) or
in every study (--all), and records why in the trial's system attribute
cgx:stale. Trials stay in the study, so their numbers and parameters remain
visible. Refused while another process has the database open for writing: its
RUNNING trials may still be alive. 'cgx check' lists studies with RUNNING trials.

Examples:
  cgx study fail-stale 3
  cgx study fail-stale run-3/search/exp1/round-1
  cgx study fail-stale --all`

func init() {
	register(&command{name: "study", summary: "maintain studies (fail-stale: mark dead RUNNING trials failed)", usage: studyUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
				fmt.Fprintln(g.stderr, studyUsage)
				if len(args) == 0 {
					return errUsage
				}
				return nil
			}
			if args[0] != "fail-stale" {
				return g.usageErrorf("unknown study command %q; the study command has one sub-command, fail-stale ('cgx study --help')", args[0])
			}
			var all bool
			fs := g.newFlagSet("study fail-stale", studyUsage)
			fs.BoolVar(&all, "all", false, "mark stale trials of every study")
			rest, err := parseFlags(fs, args[1:])
			if err != nil {
				return err
			}
			if all == (len(rest) == 1) || len(rest) > 1 {
				return g.usageErrorf("study fail-stale takes one study id or name, or --all")
			}
			ref := ""
			if len(rest) == 1 {
				ref = rest[0]
			}
			return runFailStale(g, ref)
		}})
}

// runFailStale marks stale trials in study ref, or in every study when ref
// is empty.
func runFailStale(g *globals, ref string) (err error) {
	// Refuse to create a database just to find nothing in it.
	probe, err := openForReading(g)
	if err != nil {
		return err
	}
	if err := probe.Close(); err != nil {
		return fmt.Errorf("close: %w", err)
	}
	st, err := openDB(context.Background(), g, backend.Options{LockTimeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	if ref == "" {
		marked, err := st.FailAllStaleTrials()
		if err != nil {
			return err
		}
		total := 0
		for id, n := range marked {
			total += n
			fmt.Fprintf(g.stdout, "study %d: marked %d stale trial(s) FAIL\n", id, n)
		}
		fmt.Fprintf(g.stdout, "%d stale trial(s) marked FAIL in %s\n", total, st.Info().Location)
		return nil
	}
	info, err := st.FindStudy(ref)
	if errors.Is(err, tracker.ErrNotFound) {
		return fmt.Errorf("%w in %s; 'cgx studies' lists the studies", err, st.Info().Location)
	}
	if err != nil {
		return err
	}
	n, err := st.FailStaleTrials(info.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "study %d (%s): marked %d stale trial(s) FAIL\n", info.ID, safeText(info.Name), n)
	return nil
}
