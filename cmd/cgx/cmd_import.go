package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/internal/optunafile"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const importUsage = `Usage: cgx import FILE --format optuna-journal|optuna-sqlite [--study NAME] [--json]

Reads one Optuna study (Optuna 3.1's JournalFileStorage log, or an RDB
database in SQLite) into a new run of its own: the run holds one study named
run-<id>/import/<NAME> with every trial, its state, value, parameters with
their distributions, intermediate values and user and system attributes.
--study names the study when the file holds several.

goptuna, which cgx's studies follow, keeps attributes as strings and has no
integer log scale: an attribute that is not a string is kept as its JSON
text, and such differences are listed as notes (docs/INTEROP.md).

Examples:
  cgx import optuna.log --format optuna-journal
  cgx import optuna.db --format optuna-sqlite --study my-search
  cgx trials run-7/import/my-search`

type importOptions struct {
	format string
	study  string
	json   bool
}

func init() {
	register(&command{name: "import", summary: "read an Optuna study (journal or SQLite) into a new run", usage: importUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o importOptions
			fs := g.newFlagSet("import", importUsage)
			fs.StringVar(&o.format, "format", "", "file `format`: optuna-journal or optuna-sqlite (required)")
			fs.StringVar(&o.study, "study", "", "the study's `NAME` in the file (needed when it holds several)")
			fs.BoolVar(&o.json, "json", false, "print what was imported as JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return g.usageErrorf("import takes one file")
			}
			switch o.format {
			case "optuna-journal", "optuna-sqlite":
			case "":
				return g.usageErrorf("import needs --format optuna-journal or optuna-sqlite")
			default:
				return g.usageErrorf("unknown format %q; use optuna-journal or optuna-sqlite", o.format)
			}
			return runImport(ctx, g, o, rest[0])
		}})
}

type importJSON struct {
	Run       int      `json:"run"`
	Study     int      `json:"study"`
	StudyName string   `json:"study_name"`
	From      string   `json:"from"`
	Trials    int      `json:"trials"`
	Notes     []string `json:"notes"`
}

func runImport(ctx context.Context, g *globals, o importOptions, path string) (err error) {
	studies, err := readOptunaFile(o.format, path)
	if err != nil {
		return err
	}
	src, err := pickStudy(studies, o.study, path)
	if err != nil {
		return err
	}
	gs, err := optunafile.ToGoptuna(src)
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	out, err := storeImport(ctx, st, gs, o.format, path)
	if err != nil {
		return err
	}
	for _, n := range gs.Notes {
		fmt.Fprintf(g.stderr, "cgx import: note: %s\n", safeText(n))
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	fmt.Fprintf(g.stdout, "imported %d trials of Optuna study %s as run %d, study %d (%s); 'cgx trials %d' lists them\n",
		out.Trials, safeText(src.Name), out.Run, out.Study, safeText(out.StudyName), out.Study)
	return nil
}

func readOptunaFile(format, path string) ([]optunafile.Study, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	defer f.Close()
	var studies []optunafile.Study
	switch format {
	case "optuna-journal":
		studies, err = optunafile.ReadJournal(f)
	case "optuna-sqlite":
		studies, err = optunafile.ReadSQLite(f)
	}
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	return studies, nil
}

// pickStudy returns the study named name, or the only study when name is "".
func pickStudy(studies []optunafile.Study, name, path string) (optunafile.Study, error) {
	names := make([]string, len(studies))
	for i, s := range studies {
		if s.Name == name {
			return s, nil
		}
		names[i] = fmt.Sprintf("%q", s.Name)
	}
	switch {
	case len(studies) == 0:
		return optunafile.Study{}, fmt.Errorf("import %s: %w: the file holds no study", path, optunafile.ErrNoStudy)
	case name != "":
		return optunafile.Study{}, fmt.Errorf("import %s: %w %q; it holds %s", path, optunafile.ErrNoStudy, name, strings.Join(names, ", "))
	case len(studies) > 1:
		return optunafile.Study{}, fmt.Errorf("import %s: it holds %d studies (%s); choose one with --study NAME", path, len(studies), strings.Join(names, ", "))
	}
	return studies[0], nil
}

// storeImport records gs as a new run with one study. A failure after the
// run was created marks the run failed.
func storeImport(ctx context.Context, st importStore, gs optunafile.GoptunaStudy, format, path string) (out importJSON, err error) {
	abs, aerr := filepath.Abs(path)
	if aerr != nil {
		abs = path
	}
	goVer, modVer, rev, cpu := tracker.BuildInfo()
	started := time.Now()
	runID, err := st.CreateRun(ctx, tracker.Run{Name: "import/" + gs.Name, Status: tracker.RunRunning, Started: started,
		GoVersion: goVer, ModuleVersion: modVer, VCSRevision: rev, CPUModel: cpu,
		Attrs: map[string]string{"import.format": format, "import.file": abs, "import.study": gs.Name}})
	if err != nil {
		return out, fmt.Errorf("import %s: record run: %w", path, err)
	}
	out = importJSON{Run: runID, StudyName: fmt.Sprintf("run-%d/import/%s", runID, gs.Name), From: abs, Trials: len(gs.Trials), Notes: gs.Notes}
	if out.Notes == nil {
		out.Notes = []string{}
	}
	defer func() {
		if err == nil {
			return
		}
		msg := err.Error()
		if uerr := st.UpdateRun(context.WithoutCancel(ctx), runID, func(r *tracker.Run) error {
			r.Status, r.Error, r.Ended = tracker.RunFailed, msg, time.Now()
			return nil
		}); uerr != nil {
			err = errors.Join(err, uerr)
		}
	}()
	sid, err := st.CreateNewStudy(out.StudyName)
	if err != nil {
		return out, fmt.Errorf("import %s: %w", path, err)
	}
	out.Study = sid
	if err := st.SetStudyDirection(sid, gs.Direction); err != nil {
		return out, fmt.Errorf("import %s: %w", path, err)
	}
	for _, k := range sortedKeys(gs.UserAttrs) {
		if err := st.SetStudyUserAttr(sid, k, gs.UserAttrs[k]); err != nil {
			return out, fmt.Errorf("import %s: study attribute %q: %w", path, k, err)
		}
	}
	for _, k := range sortedKeys(gs.SystemAttrs) {
		if err := st.SetStudySystemAttr(sid, k, gs.SystemAttrs[k]); err != nil {
			return out, fmt.Errorf("import %s: study system attribute %q: %w", path, k, err)
		}
	}
	// Finished trials go in batches (one commit each); an unfinished one is
	// cloned on its own, so numbers keep the file's order.
	for i := 0; i < len(gs.Trials); {
		j := i
		for j < len(gs.Trials) && gs.Trials[j].State.IsFinished() {
			j++
		}
		if j > i {
			if _, err := st.AddFinishedTrials(sid, gs.Trials[i:j]); err != nil {
				return out, fmt.Errorf("import %s: %w", path, err)
			}
			i = j
			continue
		}
		if _, err := st.CloneTrial(sid, gs.Trials[i]); err != nil {
			return out, fmt.Errorf("import %s: trial %d: %w", path, i, err)
		}
		i++
	}
	err = st.UpdateRun(ctx, runID, func(r *tracker.Run) error {
		r.Studies = []int{sid}
		r.Status, r.Ended = tracker.RunSucceeded, time.Now()
		return nil
	})
	if err != nil {
		return out, fmt.Errorf("import %s: %w", path, err)
	}
	return out, nil
}
