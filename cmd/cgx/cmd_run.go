package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"text/tabwriter"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
)

const runUsage = `Usage: cgx run SPEC.toml|NAME [--profile P] [--seed N] [--workers N] [--force] [--json]
       cgx run --resume RUN

Runs an experiment spec (a TOML file, or a built-in name from 'cgx specs') and stores
every dataset, network, trial, parameter vector, loss and image digest in the database.
Stages whose inputs, settings and code are already stored are reused; --force recomputes
them. Results depend only on the spec, --profile and --seed: --workers changes speed,
never bytes ('cgx verify RUN' proves it).

Profiles: smoke (seconds), default (minutes; used when --profile is omitted), paper
(the published sizes; hours to days on a CPU).

Ctrl-C stops cleanly; continue with 'cgx run --resume RUN'.

Examples:
  cgx run style/blur --profile smoke
  cgx run content/exp1 --seed 7 --workers 2
  cgx run my-experiment.toml --json
  cgx run style/all --report out/style-all   # then open out/style-all/index.html
  cgx run --resume 3`

type runOptions struct {
	profile string
	seed    string
	workers int
	force   bool
	resume  int
	json    bool
	report  string
}

func init() {
	register(&command{name: "run", summary: "run an experiment spec and store every result", usage: runUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o runOptions
			fs := g.newFlagSet("run", runUsage)
			fs.StringVar(&o.profile, "profile", "", "profile `P`: smoke, default or paper (default: the spec's default profile)")
			fs.StringVar(&o.seed, "seed", "", "override the spec's seed with `N`")
			fs.IntVar(&o.workers, "workers", 0, "parallel workers, 0 (all cores) to 256; never changes results")
			fs.BoolVar(&o.force, "force", false, "recompute stages even when stored")
			fs.IntVar(&o.resume, "resume", 0, "continue the interrupted run `RUN`")
			fs.BoolVar(&o.json, "json", false, "print the run summary as JSON")
			fs.StringVar(&o.report, "report", "", "after the run, write its HTML report into `DIR` and print the path of index.html")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if err := checkWorkers(g, o.workers); err != nil {
				return err
			}
			return runRun(ctx, o, rest, g)
		}})
}

func runRun(ctx context.Context, o runOptions, args []string, g *globals) (err error) {
	if (o.resume == 0) != (len(args) == 1) {
		return g.usageErrorf("run takes one spec (a .toml file or a built-in name), or --resume RUN; see 'cgx run --help'")
	}
	opts := experiments.Options{Profile: o.profile, Workers: o.workers, Force: o.force, Resume: o.resume,
		Progress: experiments.NewProgress(g.stderr, isTerminal(g.stderr))}
	if o.seed != "" {
		s, err := strconv.ParseInt(o.seed, 10, 64)
		if err != nil {
			return g.usageErrorf("--seed %q is not an integer", o.seed)
		}
		opts.Seed = &s
	}
	if o.report != "" {
		// Refuse now what the report would refuse after hours of running.
		parent := filepath.Dir(filepath.Clean(o.report))
		if fi, err := os.Stat(parent); err != nil || !fi.IsDir() {
			return g.usageErrorf("--report %s: folder %s does not exist; create it first (mkdir -p %s)", safeText(o.report), safeText(parent), safeText(parent))
		}
	}
	st, err := tracker.Open(g.dbPath())
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	var f *experiments.File
	if o.resume > 0 {
		run, err := st.GetRun(ctx, o.resume)
		if err != nil {
			return fmt.Errorf("resume run %d: %w; 'cgx runs' lists the runs", o.resume, err)
		}
		if run.Status == tracker.RunSucceeded {
			return fmt.Errorf("run %d already succeeded; nothing to resume", o.resume)
		}
		if f, err = experiments.Parse(fmt.Sprintf("run %d spec", o.resume), []byte(run.Spec)); err != nil {
			return err
		}
		seed := run.Seed
		opts.Seed, opts.Profile, opts.ExactProfile = &seed, run.Profile, true
	} else if f, err = experiments.Open(args[0]); err != nil {
		return err
	}
	res, err := experiments.Run(ctx, st, f, opts)
	if err != nil {
		return err
	}
	var index string
	if o.report != "" {
		if index, err = reports.WriteReport(ctx, st, res.RunID, o.report); err != nil {
			return fmt.Errorf("run %d succeeded, but its report failed: %w; retry with 'cgx report %d -o %s'", res.RunID, err, res.RunID, o.report)
		}
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	if err := printRunResult(g, res); err != nil {
		return err
	}
	if index != "" {
		fmt.Fprintf(g.stdout, "\nReport: %s\n", index)
	}
	return nil
}

func printRunResult(g *globals, res experiments.Result) error {
	fmt.Fprintf(g.stdout, "run %d  %s  profile %s  seed %d  %s\n\n", res.RunID, safeText(res.Name), res.Profile, res.Seed, res.Status)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "STAGE\tCACHED\tSTUDIES")
	for _, s := range res.Stages {
		cached := "no"
		if s.Cached {
			cached = fmt.Sprintf("yes (run %d)", s.RunID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\n", s.Name, cached, len(s.Studies))
	}
	tw.Flush()
	printMetrics(g, res.Metrics)
	fmt.Fprintf(g.stdout, "\nNext: 'cgx show %d', 'cgx report %d -o report/', 'cgx verify %d'\n", res.RunID, res.RunID, res.RunID)
	return nil
}

func printMetrics(g *globals, m map[string]float64) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintln(g.stdout)
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "METRIC\tVALUE")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\n", k, strconv.FormatFloat(m[k], 'g', 6, 64))
	}
	tw.Flush()
}

// isTerminal reports whether w is a terminal, for progress bars.
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && experiments.IsTerminal(f)
}
