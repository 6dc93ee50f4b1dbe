package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/reports/paper"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const reproduceUsage = `Usage: cgx reproduce [--profile smoke|default|paper] [-o DIR] [--only SPEC,SPEC...] [--workers N] [--json]

Runs every built-in experiment ('cgx specs') under one profile, one after the
other in one database, then writes one report that sets each published finding
of the method (the discriminator's 99.7%, which manipulations mostly succeed or
fail, the green cast, experiment 1 solved early, experiment 2's shelf levels,
experiment 2.1 with TPE and CMA-ES, segmentation AP) beside this rerun's value
and a verdict: reproduced, not reproduced, or not comparable, with the reason.
Each verdict follows a stated rule (docs/REPRODUCE.md).

Specs share datasets, discriminators and fits through the stage cache: a stage
whose inputs, settings and code are already stored is reused, not recomputed,
and the output names every reused stage and the run that computed it.

Ctrl-C stops cleanly. Run the same command again to continue: the spec that was
interrupted resumes its run, and the specs that had finished are instant (every
stage comes from the cache), so only what is missing is computed.

DIR (default reports/reproduce-PROFILE next to the database) receives
index.html (the findings table first, then the rules and, per spec, its run,
wall time, stage seconds, peak memory and reused stages), tables/paper-findings
in md, csv, tex, json and html, reproduce.json, and each run's own report in
DIR/run-N. --only runs a subset (findings of specs not run are "not
comparable"). --json prints the findings table (and the specs) as JSON.

Profiles: smoke (about a minute: every finding "not comparable", sizes for CI),
default (minutes to an hour), paper (the published sizes: hours).

Examples:
  cgx reproduce --profile smoke
  cgx reproduce                                  # the default profile
  cgx reproduce --only style/all,content/exp1 -o out/repro
  cgx reproduce --profile paper --workers 2 --json > findings.json`

type reproduceOptions struct {
	profile string
	out     string
	only    string
	workers int
	json    bool
}

func init() {
	register(&command{name: "reproduce", summary: "rerun every built-in experiment and set the published findings beside the results", usage: reproduceUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o reproduceOptions
			fs := g.newFlagSet("reproduce", reproduceUsage)
			fs.StringVar(&o.profile, "profile", "default", "profile `P`: smoke, default or paper")
			fs.StringVar(&o.out, "o", "", "output `folder` (default reports/reproduce-PROFILE next to the database)")
			fs.StringVar(&o.only, "only", "", "run only these built-in specs, comma-separated (`SPEC,SPEC`)")
			fs.IntVar(&o.workers, "workers", 0, "parallel workers, 0 (all cores) to 256; never changes results")
			fs.BoolVar(&o.json, "json", false, "print the findings table and the specs as JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("reproduce takes no arguments (got %q); see 'cgx reproduce --help'", rest[0])
			}
			if err := checkWorkers(g, o.workers); err != nil {
				return err
			}
			return runReproduce(ctx, o, g)
		}})
}

// reproduceSpecs returns the built-in specs to run, in the order that
// shares most through the stage cache: style first (style/all and
// style/all-real-to-cg fit every manipulation, which the one-manipulation
// specs then reuse), then content, then segmentation; by name within a kind.
func reproduceSpecs(only string) ([]string, bool, error) {
	bs, err := experiments.Builtins()
	if err != nil {
		return nil, false, err
	}
	rank := map[experiments.Kind]int{experiments.KindStyle: 0, experiments.KindContent: 1, experiments.KindSegmentation: 2}
	slices.SortStableFunc(bs, func(a, b experiments.Builtin) int {
		if rank[a.Kind] != rank[b.Kind] {
			return rank[a.Kind] - rank[b.Kind]
		}
		aa, ba := strings.HasPrefix(a.Name, "style/all"), strings.HasPrefix(b.Name, "style/all")
		if aa != ba {
			if aa {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	var names []string
	for _, b := range bs {
		names = append(names, b.Name)
	}
	if only == "" {
		return names, true, nil
	}
	want := map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		if !slices.Contains(names, s) {
			return nil, false, fmt.Errorf("--only %s: no built-in spec of that name; built-ins: %s", safeText(s), strings.Join(names, ", "))
		}
		want[s] = true
	}
	var out []string
	for _, n := range names {
		if want[n] {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, false, fmt.Errorf("--only names no spec; 'cgx specs' lists them")
	}
	return out, len(out) == len(names), nil
}

func runReproduce(ctx context.Context, o reproduceOptions, g *globals) (err error) {
	switch o.profile {
	case "smoke", "default", "paper":
	default:
		return g.usageErrorf("--profile %s: use smoke, default or paper", safeText(o.profile))
	}
	specs, all, err := reproduceSpecs(o.only)
	if err != nil {
		return err
	}
	dir := o.out
	if dir == "" {
		if dir, err = defaultReportDir(g, "reproduce-"+o.profile); err != nil {
			return err
		}
	}
	if dir, err = filepath.Abs(dir); err != nil {
		return fmt.Errorf("reproduce: output folder: %w", err)
	}
	if err := atomicfile.EnsureDir(dir); err != nil {
		return fmt.Errorf("reproduce: %w; choose another folder with -o", err)
	}
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	progress := experiments.NewProgress(g.stderr, isTerminal(g.stderr))
	page := paper.Page{Profile: o.profile, Started: time.Now(), Complete: all}
	var runs []*reports.RunData
	var failed []string
	for i, name := range specs {
		progress.Logf("reproduce %d/%d: %s (profile %s)", i+1, len(specs), name, o.profile)
		// Hand back what earlier specs left on the heap, so that this spec's
		// stages measure their own peak (the runner resets the mark to the
		// resident size when a stage begins).
		debug.FreeOSMemory()
		sr, runErr := reproduceOne(ctx, st, name, o, progress)
		if runErr != nil && ctx.Err() != nil {
			return fmt.Errorf("reproduce stopped during %s (spec %d of %d, run %d): %w; run the same command again to continue (finished specs come from the stage cache, the interrupted run resumes)",
				name, i+1, len(specs), sr.Run, runErr)
		}
		if sr.Run > 0 {
			rd, err := reports.LoadRun(ctx, st, sr.Run)
			if err != nil {
				return fmt.Errorf("reproduce %s: %w", name, err)
			}
			rel := fmt.Sprintf("run-%d", sr.Run)
			if _, err := reports.WriteRunReport(ctx, st, rd, filepath.Join(dir, rel)); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("reproduce stopped while writing the report of run %d; run the same command again to continue", sr.Run)
				}
				return fmt.Errorf("reproduce %s: %w", name, err)
			}
			sr.Report = rel + "/" + reports.IndexFile
			runs = append(runs, rd)
		}
		page.Specs = append(page.Specs, sr)
		if runErr != nil {
			progress.Logf("reproduce %d/%d: %s failed: %v", i+1, len(specs), name, runErr)
			failed = append(failed, name)
			page.Complete = false
			continue
		}
		progress.Logf("reproduce %d/%d: %s done in %s: run %d, %d stages computed, %d reused", i+1, len(specs), name,
			sr.Wall.Round(100*time.Millisecond), sr.Run, len(sr.Computed), len(sr.Reused))
	}
	page.Wall = time.Since(page.Started)
	page.Rows = paper.Evaluate(runs, experiments.ResolvedSettings)
	index, err := writeReproduction(ctx, dir, page)
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(struct {
			Report string `json:"report"`
			paper.Page
		}{index, page}); err != nil {
			return err
		}
	} else {
		printReproduction(g, page, index)
	}
	if len(failed) > 0 {
		return fmt.Errorf("reproduce: %d spec(s) failed: %s; their findings are not comparable ('cgx show RUN' says why)", len(failed), strings.Join(failed, ", "))
	}
	return nil
}

// reproduceOne runs (or resumes) one built-in spec and summarises it. The
// SpecRun has Run set whenever a run was recorded, even on error.
func reproduceOne(ctx context.Context, st backend.DB, name string, o reproduceOptions, progress *experiments.Progress) (paper.SpecRun, error) {
	sr := paper.SpecRun{Spec: name}
	f, err := experiments.Open(name)
	if err != nil {
		return sr, err
	}
	opts := experiments.Options{Profile: o.profile, Workers: o.workers, Progress: progress}
	resume, err := interruptedRun(ctx, st, f, o.profile)
	if err != nil {
		return sr, err
	}
	if resume.ID > 0 {
		seed := resume.Seed
		opts.Resume, opts.Seed, opts.ExactProfile, sr.Resumed = resume.ID, &seed, true, true
		progress.Logf("  resuming interrupted run %d", resume.ID)
	}
	start := time.Now()
	res, runErr := experiments.Run(ctx, st, f, opts)
	sr.Wall = time.Since(start)
	sr.Run, sr.Status = res.RunID, string(res.Status)
	if sr.Run == 0 {
		return sr, runErr
	}
	for _, s := range res.Stages {
		if s.Cached {
			sr.Reused = append(sr.Reused, fmt.Sprintf("%s (run %d)", s.Name, s.RunID))
		} else {
			sr.Computed = append(sr.Computed, s.Name)
		}
		stage, err := st.GetStage(context.WithoutCancel(ctx), s.Key)
		if err != nil {
			continue // a stage another walker has not stored: nothing to add
		}
		if !stage.Started.IsZero() && stage.Ended.After(stage.Started) {
			sr.StageSeconds += stage.Ended.Sub(stage.Started).Seconds()
		}
		if v, err := strconv.ParseInt(stage.Attrs[stageAttrPeakRSS], 10, 64); err == nil && v > sr.PeakRSS {
			sr.PeakRSS = v
		}
	}
	return sr, runErr
}

// stageAttrPeakRSS is the stage attribute the runner records a stage's peak
// resident memory in (experiments/stage_dataset.go).
const stageAttrPeakRSS = "peak_rss_bytes"

// interruptedRun returns the latest interrupted run of spec f under
// profile with f's text (the zero Run when there is none).
func interruptedRun(ctx context.Context, st backend.DB, f *experiments.File, profile string) (tracker.Run, error) {
	list, err := st.ListRuns(ctx)
	if err != nil {
		return tracker.Run{}, fmt.Errorf("list runs: %w", err)
	}
	var found tracker.Run
	for _, r := range list {
		if r.Name == f.Base.Name && r.Profile == profile && r.Spec == f.Text && r.ID > found.ID {
			found = r
		}
	}
	if found.Status != tracker.RunInterrupted {
		return tracker.Run{}, nil // the latest run of the spec finished, failed or is running elsewhere
	}
	return found, nil
}

// writeReproduction writes DIR/index.html, the findings table in every
// format and reproduce.json; it returns the path of index.html.
func writeReproduction(ctx context.Context, dir string, page paper.Page) (string, error) {
	t := paper.Table(page.Rows)
	for _, format := range reports.Formats() {
		var b bytes.Buffer
		if err := t.Write(&b, format); err != nil {
			return "", fmt.Errorf("reproduce: %w", err)
		}
		if err := atomicfile.EnsureDir(filepath.Join(dir, reports.TablesDir)); err != nil {
			return "", fmt.Errorf("reproduce: %w", err)
		}
		if err := atomicfile.WriteFile(ctx, filepath.Join(dir, reports.TablesDir, t.Name+"."+format), b.Bytes(), 0o644); err != nil {
			return "", fmt.Errorf("reproduce: %w", err)
		}
	}
	js, err := json.MarshalIndent(page, "", "  ")
	if err != nil {
		return "", fmt.Errorf("reproduce: encode reproduce.json: %w", err)
	}
	if err := atomicfile.WriteFile(ctx, filepath.Join(dir, "reproduce.json"), append(js, '\n'), 0o644); err != nil {
		return "", fmt.Errorf("reproduce: %w", err)
	}
	var b bytes.Buffer
	if err := paper.WritePage(&b, page); err != nil {
		return "", err
	}
	index := filepath.Join(dir, reports.IndexFile)
	if err := atomicfile.WriteFile(ctx, index, b.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("reproduce: %w", err)
	}
	return index, nil
}

func printReproduction(g *globals, page paper.Page, index string) {
	c := paper.Counts(page.Rows)
	fmt.Fprintf(g.stdout, "Reproduction, profile %s: %d reproduced, %d not reproduced, %d not comparable (%s)\n\n",
		page.Profile, c[paper.Reproduced], c[paper.NotReproduced], c[paper.NotComparable], page.Wall.Round(time.Second))
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FINDING\tPUBLISHED\tVERDICT\tREASON")
	for _, r := range page.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Finding, r.Published, r.Verdict, safeText(r.Reason))
	}
	tw.Flush()
	fmt.Fprintln(g.stdout)
	tw = tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SPEC\tRUN\tSTATUS\tWALL\tPEAK RSS\tCOMPUTED\tREUSED")
	for _, s := range page.Specs {
		peak := "-"
		if s.PeakRSS > 0 {
			peak = paper.MiB(s.PeakRSS)
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%.1f s\t%s\t%d\t%d\n", s.Spec, s.Run, s.Status, s.Wall.Seconds(), peak, len(s.Computed), len(s.Reused))
	}
	tw.Flush()
	fmt.Fprintf(g.stdout, "\nReport: %s\n", index)
}
