package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
)

const verifyUsage = `Usage: cgx verify RUN [--workers N] [--json] [--keep DIR]

Re-executes a stored run from scratch (its stored spec text, seed and profile) in a
scratch database, then compares every stage's artifact digests, metrics and every trial
(parameters, values, per-step losses, attributes) bit for bit. Prints what differs as a
readable diff (- stored, + recomputed) and exits non-zero on any difference. The scratch
database is deleted afterwards unless --keep names a directory for it.

Examples:
  cgx verify 3
  cgx verify 3 --workers 1      # a different worker count must give the same bytes
  cgx verify 3 --json`

type verifyOptions struct {
	workers int
	json    bool
	keep    string
}

func init() {
	register(&command{name: "verify", summary: "re-execute a run from scratch and compare it bit for bit", usage: verifyUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o verifyOptions
			fs := g.newFlagSet("verify", verifyUsage)
			fs.IntVar(&o.workers, "workers", 0, "parallel workers for the re-execution (0 = all cores)")
			fs.BoolVar(&o.json, "json", false, "print the comparison as JSON")
			fs.StringVar(&o.keep, "keep", "", "keep the scratch database in `DIR`")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return g.usageErrorf("verify takes one run id; 'cgx runs' lists them")
			}
			id, err := parseRunID(g, rest[0])
			if err != nil {
				return err
			}
			return runVerify(ctx, o, id, g)
		}})
}

func runVerify(ctx context.Context, o verifyOptions, id int, g *globals) error {
	st, err := tracker.Open(g.dbPath(), tracker.ReadOnly())
	if err != nil {
		return err
	}
	defer st.Close()
	dir := o.keep
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cgx-verify-"); err != nil {
			return fmt.Errorf("create scratch directory: %w", err)
		}
		defer os.RemoveAll(dir)
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create scratch directory %s: %w", dir, err)
	}
	scratch, err := tracker.Open(filepath.Join(dir, "cgx.db"))
	if err != nil {
		return err
	}
	defer scratch.Close()
	rep, err := experiments.Verify(ctx, st, scratch, id, experiments.Options{Workers: o.workers,
		Progress: experiments.NewProgress(g.stderr, isTerminal(g.stderr))})
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, d := range rep.Differences {
			fmt.Fprintf(g.stdout, "DIFF %s: %s\n%s\n", d.Stage, d.What, d.Diff)
		}
		verdict := "identical"
		if !rep.OK() {
			verdict = fmt.Sprintf("%d differences", len(rep.Differences))
		}
		fmt.Fprintf(g.stdout, "run %d verified against a fresh re-execution: %d stages, %d artifacts, %d trials compared: %s\n",
			id, rep.Stages, rep.Artifacts, rep.Trials, verdict)
	}
	if !rep.OK() {
		return fmt.Errorf("run %d: %w (%d)", id, experiments.ErrVerifyMismatch, len(rep.Differences))
	}
	return nil
}
