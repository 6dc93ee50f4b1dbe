package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const runUsage = `Usage: cgx run SPEC.toml|NAME [--profile P] [--seed N] [--set KEY=VALUE]... [--sweep KEY=V1,V2,...]...
               [--workers N] [--force] [--report DIR] [--json]
       cgx run SPEC.toml|NAME --enqueue [--profile P] [--seed N] [--set KEY=VALUE]... [--json]
       cgx run --resume RUN

Runs an experiment spec (a TOML file, or a built-in name from 'cgx specs') and stores
every dataset, network, trial, parameter vector, loss and image digest in the database.
Stages whose inputs, settings and code are already stored are reused; --force recomputes
them. Results depend only on the spec, --profile and --seed: --workers changes speed,
never bytes ('cgx verify RUN' proves it).

Profiles: smoke (seconds), default (minutes; used when --profile is omitted), paper
(the published sizes; hours to days on a CPU).

--set KEY=VALUE overrides one spec key (DVC's -S), after the profile: a dotted key
such as style.steps or datasets.cg.count and a TOML value (300, 0.5, true, adam,
'["blur","noise"]'). It is checked like the file (unknown keys, types, ranges); the run
records the effective spec and the overrides, so 'cgx verify' and 'cgx diff' see them.
--sweep KEY=V1,V2,... runs the spec once per value, one run after the other (several
--sweep flags run every combination), then prints the run ids and how to compare them;
with --report DIR it writes one report comparing them ('cgx report compare').
Commas inside [...] or quotes do not split: --sweep 'style.manipulations=["blur"],["hsv"]'.

--enqueue records the run (queued, with its spec, settings and seed) and prints its
id without computing: 'cgx worker' processes, on this machine or others sharing a
postgres:// database, compute it. Without --enqueue this process computes the run
and workers running meanwhile share its work; the stored results are the same either
way.

Ctrl-C stops cleanly; continue with 'cgx run --resume RUN'.

Examples:
  cgx run style/blur --profile smoke
  cgx run content/exp1 --seed 7 --workers 2
  cgx run my-experiment.toml --json
  cgx run style/all --report out/style-all   # then open out/style-all/index.html
  cgx run style/blur --set style.steps=300 --set datasets.cg.count=1000
  cgx run style/blur --profile smoke --sweep style.steps=100,300   # two runs, then 'cgx diff A B'
  cgx --db postgres://cgx@db/cgx run content/samplers --enqueue --json   # {"run": N}; then 'cgx worker'
  cgx run --resume 3`

type runOptions struct {
	profile string
	seed    string
	workers int
	force   bool
	resume  int
	enqueue bool
	json    bool
	report  string
	sets    []string // --set KEY=VALUE, in order
	sweeps  []string // --sweep KEY=V1,V2,...
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
			fs.BoolVar(&o.enqueue, "enqueue", false, "record the run as queued and print its id; 'cgx worker' computes it")
			fs.BoolVar(&o.json, "json", false, "print the run summary as JSON")
			fs.StringVar(&o.report, "report", "", "after the run, write its HTML report into `DIR` and print the path of index.html")
			fs.Func("set", "override spec key `KEY=VALUE` (a dotted key and a TOML value); repeatable", func(v string) error {
				o.sets = append(o.sets, v)
				return nil
			})
			fs.Func("sweep", "one run per value: `KEY=V1,V2,...`; repeatable (every combination)", func(v string) error {
				o.sweeps = append(o.sweeps, v)
				return nil
			})
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
	if o.enqueue && (o.resume > 0 || len(o.sweeps) > 0 || o.report != "" || o.force) {
		return g.usageErrorf("--enqueue records one new run for workers; it does not combine with --resume, --sweep, --report or --force")
	}
	if o.resume > 0 && (len(o.sets) > 0 || len(o.sweeps) > 0) {
		return g.usageErrorf("--resume continues a run with the settings it recorded; --set and --sweep start new runs")
	}
	sets, grid, err := parseOverrides(o)
	if err != nil {
		return err
	}
	st, err := openDB(ctx, g, backend.Options{})
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
	if len(grid) > 0 {
		return runSweep(ctx, st, f, opts, sets, grid, o.json, o.report, g)
	}
	if f, err = f.WithOverrides(sets); err != nil {
		return err
	}
	if o.enqueue {
		return runEnqueue(ctx, st, f, opts, o.json, g)
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
	// 'cgx report N' writes next to the database, not into the working tree.
	fmt.Fprintf(g.stdout, "\nNext: 'cgx show %d', 'cgx report %d', 'cgx verify %d' (runs it again to prove the results)\n", res.RunID, res.RunID, res.RunID)
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

// parseOverrides reads --set into overrides and --sweep into the grid of
// runs it asks for: one list of overrides per run, every combination of the
// sweeps' values, the first sweep varying slowest.
func parseOverrides(o runOptions) ([]experiments.Override, [][]experiments.Override, error) {
	var sets []experiments.Override
	for _, s := range o.sets {
		ov, err := experiments.ParseOverride(s)
		if err != nil {
			return nil, nil, err
		}
		sets = append(sets, ov)
	}
	var grid [][]experiments.Override
	for i, s := range o.sweeps {
		values, err := experiments.SplitSweep(s)
		if err != nil {
			return nil, nil, err
		}
		if i == 0 {
			for _, v := range values {
				grid = append(grid, []experiments.Override{v})
			}
			continue
		}
		var next [][]experiments.Override
		for _, combo := range grid {
			for _, v := range values {
				next = append(next, append(slices.Clone(combo), v))
			}
		}
		grid = next
	}
	if len(grid) > maxSweepRuns {
		return nil, nil, fmt.Errorf("--sweep asks for %d runs; the limit is %d: sweep fewer values, or use a content search", len(grid), maxSweepRuns)
	}
	return sets, grid, nil
}

// maxSweepRuns bounds one 'cgx run --sweep': runs are sequential, each a
// full experiment.
const maxSweepRuns = 64

// sweepRun is one run of a sweep as --json prints it.
type sweepRun struct {
	Overrides []string `json:"overrides"`
	experiments.Result
}

// runSweep runs f once per entry of grid (each with sets first), one after
// the other. Every combination is checked before the first run starts, so a
// bad value fails in a second, not after the first run.
func runSweep(ctx context.Context, st experiments.Store, f *experiments.File, opts experiments.Options,
	sets []experiments.Override, grid [][]experiments.Override, asJSON bool, reportDir string, g *globals) error {
	files := make([]*experiments.File, len(grid))
	for i, combo := range grid {
		var err error
		if files[i], err = f.WithOverrides(append(slices.Clone(sets), combo...)); err != nil {
			return err
		}
	}
	var done []sweepRun
	for i, ef := range files {
		label := overrideList(grid[i])
		opts.Progress.Logf("sweep %d/%d: --set %s", i+1, len(files), label)
		res, err := experiments.Run(ctx, st, ef, opts)
		if err != nil {
			if len(done) > 0 {
				fmt.Fprintf(g.stderr, "cgx: sweep stopped after runs %s\n", sweepIDs(done))
			}
			return err
		}
		var ov []string
		for _, o := range ef.Overrides {
			ov = append(ov, o.String())
		}
		done = append(done, sweepRun{Overrides: ov, Result: res})
		if !asJSON {
			fmt.Fprintf(g.stdout, "sweep %d/%d: --set %s\n", i+1, len(files), label)
			if err := printRunResult(g, res); err != nil {
				return err
			}
			fmt.Fprintln(g.stdout)
		}
	}
	if asJSON {
		if reportDir != "" {
			if _, err := writeSweepReport(ctx, st, done, reportDir); err != nil {
				return err
			}
		}
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(done)
	}
	fmt.Fprintf(g.stdout, "Sweep: %d runs\n", len(done))
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	for i, d := range done {
		fmt.Fprintf(tw, "  run %d\t%s\t%s\n", d.RunID, safeText(overrideList(grid[i])), d.Status)
	}
	tw.Flush()
	fmt.Fprintln(g.stdout, "Compare:")
	for _, d := range done[1:] {
		fmt.Fprintf(g.stdout, "  cgx diff %d %d\n", done[0].RunID, d.RunID)
	}
	q := make([]string, len(done))
	for i, d := range done {
		q[i] = "run=" + strconv.Itoa(d.RunID)
	}
	fmt.Fprintf(g.stdout, "  cgx report compare %s   (one report: what varied, metrics and curves side by side)\n", strings.Join(sweepIDList(done), " "))
	fmt.Fprintf(g.stdout, "  or 'cgx serve', then /compare?%s\n", strings.Join(q, "&"))
	if reportDir != "" {
		index, err := writeSweepReport(ctx, st, done, reportDir)
		if err != nil {
			return err
		}
		fmt.Fprintf(g.stdout, "Report: %s\n", index)
	}
	return nil
}

func sweepIDList(done []sweepRun) []string {
	ids := make([]string, len(done))
	for i, d := range done {
		ids[i] = strconv.Itoa(d.RunID)
	}
	return ids
}

// writeSweepReport writes the comparison report of a sweep's runs.
func writeSweepReport(ctx context.Context, src reports.Source, done []sweepRun, dir string) (string, error) {
	var rds []*reports.RunData
	for _, d := range done {
		rd, err := reports.LoadRun(ctx, src, d.RunID)
		if err != nil {
			return "", err
		}
		rds = append(rds, rd)
	}
	if len(rds) < 2 {
		return reports.WriteRunReport(ctx, src, rds[0], dir)
	}
	return reports.WriteCompareReport(ctx, src, rds, experiments.ResolvedSettings, dir)
}

func overrideList(list []experiments.Override) string {
	parts := make([]string, len(list))
	for i, o := range list {
		parts[i] = o.String()
	}
	return strings.Join(parts, " ")
}

func sweepIDs(done []sweepRun) string {
	return strings.Join(sweepIDList(done), ", ")
}

// runEnqueue records f as a queued run and prints its id.
func runEnqueue(ctx context.Context, st experiments.Store, f *experiments.File, opts experiments.Options, asJSON bool, g *globals) error {
	id, err := experiments.Enqueue(ctx, st, f, opts)
	if err != nil {
		return err
	}
	if asJSON {
		return json.NewEncoder(g.stdout).Encode(struct {
			Run int `json:"run"`
		}{id})
	}
	fmt.Fprintf(g.stdout, "run %d queued\n", id)
	fmt.Fprintf(g.stdout, "\nNext: 'cgx worker --exit-when-idle' (on any machine sharing the database) computes it; 'cgx show %d' follows it\n", id)
	return nil
}
