package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const showUsage = `Usage: cgx show RUN [--json] [--spec]

Shows one run: its spec name, profile, seed, status, tags and note, code version,
every stage (and whether it was computed or reused from an earlier run), the studies
it made, its key metrics and the artifacts its stages wrote. --spec prints the spec
text as run. 'cgx tag' and 'cgx note' set tags and the note.

Examples:
  cgx show 3
  cgx show 3 --spec > rerun.toml
  cgx show 3 --json`

type showOptions struct {
	json bool
	spec bool
}

func init() {
	register(&command{name: "show", summary: "show one run: stages, cache hits, studies, metrics, artifacts", usage: showUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o showOptions
			fs := g.newFlagSet("show", showUsage)
			fs.BoolVar(&o.json, "json", false, "print JSON")
			fs.BoolVar(&o.spec, "spec", false, "print only the spec text")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return g.usageErrorf("show takes one run id; 'cgx runs' lists them")
			}
			id, err := parseRunID(g, rest[0])
			if err != nil {
				return err
			}
			return runShow(ctx, o, id, g)
		}})
}

// parseRunID parses a run id argument ("3" or "run-3").
func parseRunID(g *globals, s string) (int, error) {
	if len(s) > 4 && s[:4] == "run-" {
		s = s[4:]
	}
	id, err := strconv.Atoi(s)
	if err != nil || id < 1 {
		return 0, g.usageErrorf("%q is not a run id; run ids are numbers, 'cgx runs' lists them", s)
	}
	return id, nil
}

type showStage struct {
	tracker.Stage
	Reused     bool     `json:"reused"`
	StudyNames []string `json:"study_names"`
}

func runShow(ctx context.Context, o showOptions, id int, g *globals) (err error) {
	st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	run, err := st.GetRun(ctx, id)
	if err != nil {
		return fmt.Errorf("%w; 'cgx runs' lists the runs", err)
	}
	if o.spec {
		_, err := fmt.Fprint(g.stdout, run.Spec)
		return err
	}
	stages := make([]showStage, 0, len(run.Stages))
	for _, k := range run.Stages {
		s, err := st.GetStage(ctx, k)
		if err != nil {
			return fmt.Errorf("run %d: stage %s: %w; 'cgx check' tests the database", id, k, err)
		}
		ss := showStage{Stage: s, Reused: s.RunID != id}
		for _, sid := range s.Studies {
			name, err := st.GetStudyNameFromID(sid)
			if err != nil {
				name = fmt.Sprintf("study %d (unreadable: %v)", sid, err)
			}
			ss.StudyNames = append(ss.StudyNames, name)
		}
		stages = append(stages, ss)
	}
	// Studies the run lists outside its stages (an imported study).
	var ownStudies []string
	inStages := map[int]bool{}
	for _, s := range stages {
		for _, sid := range s.Studies {
			inStages[sid] = true
		}
	}
	for _, sid := range run.Studies {
		if !inStages[sid] {
			name, err := st.GetStudyNameFromID(sid)
			if err != nil {
				name = fmt.Sprintf("study %d (unreadable: %v)", sid, err)
			}
			ownStudies = append(ownStudies, name)
		}
	}
	tags := run.Tags()
	if tags == nil {
		tags = []string{}
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Run    tracker.Run `json:"run"`
			Tags   []string    `json:"tags"`
			Note   string      `json:"note"`
			Stages []showStage `json:"stages"`
		}{run, tags, run.Note(), stages})
	}
	w := g.stdout
	fmt.Fprintf(w, "run %d: %s\n", run.ID, safeText(run.Name))
	fmt.Fprintf(w, "  status   %s", run.Status)
	if run.Error != "" {
		fmt.Fprintf(w, " (%s)", safeText(oneLine(run.Error)))
	}
	fmt.Fprintln(w)
	if len(tags) > 0 {
		fmt.Fprintf(w, "  tags     %s\n", safeText(strings.Join(tags, ", ")))
	}
	if note := run.Note(); note != "" {
		fmt.Fprintf(w, "  note     %s\n", safeText(oneLine(note)))
	}
	if from := run.Attrs["import.file"]; from != "" {
		fmt.Fprintf(w, "  imported Optuna study %s from %s (%s)\n", safeText(run.Attrs["import.study"]), safeText(from), safeText(run.Attrs["import.format"]))
	} else {
		fmt.Fprintf(w, "  profile  %s\n  seed     %d\n  workers  %d\n", run.Profile, run.Seed, run.Workers)
	}
	fmt.Fprintf(w, "  started  %s\n  duration %s\n", run.Started.Local().Format("2006-01-02 15:04:05"), runDuration(run))
	if run.Spec != "" {
		fmt.Fprintf(w, "  spec     sha256 %s (cgx show %d --spec)\n", run.SpecSHA256, run.ID)
	}
	if ov := experiments.RunOverrides(run); len(ov) > 0 {
		fmt.Fprintf(w, "  set      %s (the recorded spec has them applied)\n", safeText(strings.Join(ov, " ")))
	}
	rev := run.VCSRevision
	if rev == "" {
		rev = "revision unknown (built without VCS stamping)"
	}
	fmt.Fprintf(w, "  code     %s, %s, %s\n  cpu      %s\n  blas     %s\n", run.ModuleVersion, rev, run.GoVersion, run.CPUModel, run.Attrs["blas"])
	fmt.Fprintln(w, "\nSTAGES")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if len(stages) == 0 {
		fmt.Fprintln(tw, "  none")
	} else {
		fmt.Fprintln(tw, "  NAME\tCOMPUTED BY\tOUTPUTS\tSTUDIES")
	}
	for _, s := range stages {
		by := "this run"
		switch {
		case s.Reused && s.RunID == 0 && s.Attrs[tracker.StageAttrDeletedRun] != "":
			by = fmt.Sprintf("run %s, deleted (reused)", s.Attrs[tracker.StageAttrDeletedRun])
		case s.Reused:
			by = fmt.Sprintf("run %d (reused)", s.RunID)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\n", s.Name, by, len(s.Outputs), len(s.Studies))
	}
	tw.Flush()
	var studies []string
	for _, s := range stages {
		studies = append(studies, s.StudyNames...)
	}
	studies = append(studies, ownStudies...)
	if len(studies) > 0 {
		fmt.Fprintln(w, "\nSTUDIES ('cgx trials NAME')")
		for _, n := range studies {
			fmt.Fprintf(w, "  %s\n", safeText(n))
		}
	}
	printMetrics(g, run.Metrics)
	fmt.Fprintln(w, "\nARTIFACTS")
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	n := 0
	for _, s := range stages {
		for _, role := range sortedKeys(s.Outputs) {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", s.Name, role, s.Outputs[role])
			n++
		}
	}
	if n == 0 {
		fmt.Fprintln(tw, "  none")
	}
	return tw.Flush()
}

// sortedKeys returns the keys of m in order, for stable listings.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
