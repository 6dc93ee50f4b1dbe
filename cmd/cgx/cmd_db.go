package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
	"github.com/cgx-dev/cgx/tracker/dbcopy"
)

const dbUsage = `Usage: cgx db copy --from SOURCE --to DEST [--json]

Copies a whole cgx database into a new, empty one: every study with every
trial (parameters, values, losses per step, attributes, times), every run,
stage and artifact (streamed, never held whole in memory), and the work of
queued runs, keeping every id, so that run 3 is run 3 in the copy and
'cgx verify 3' works there. SOURCE and DEST are each a database file path
(bbolt) or a PostgreSQL URL (postgres://...): this moves a database from
one machine's file to a shared server and back, or makes a backup.

The destination must be empty: a file path where no database exists yet
(it is created), or a PostgreSQL database that cgx never wrote to (create
it first, e.g. 'createdb cgx'). The source is only read; stop the runs and
workers writing it first, or the copy misses what they write meanwhile.
If the copy fails half way, delete the half-made destination and copy again.

Progress goes to stderr, the summary to stdout (--json for scripts).
Connection strings are printed with their password removed; better, keep
passwords out of them (PGPASSWORD or ~/.pgpass; see docs/SECURITY.md).
A study's creation time cannot be copied: it is the time of the copy
(its trials keep their own times).

Check the copy afterwards:
  cgx --db DEST check
  cgx --db DEST verify RUN

Examples:
  cgx db copy --from .cgx/cgx.db --to 'postgres://cgx@db.lab.example/cgx?sslmode=verify-full'
  cgx db copy --from 'postgres://reader@db.lab.example/cgx' --to backup/cgx.db
  cgx db copy --from .cgx/cgx.db --to /mnt/backup/cgx.db --json`

func init() {
	register(&command{name: "db", summary: "copy a whole database between files and PostgreSQL", usage: dbUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 || strings.HasPrefix(args[0], "-") {
				if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
					fmt.Fprintln(g.stdout, dbUsage)
					return nil
				}
				return g.usageErrorf("db needs a sub-command: cgx db copy --from SOURCE --to DEST (see 'cgx db --help')")
			}
			if args[0] != "copy" {
				return g.usageErrorf("db: unknown sub-command %q; the one there is: copy (see 'cgx db --help')", args[0])
			}
			var opts dbCopyOptions
			fs := g.newFlagSet("db copy", dbUsage)
			fs.StringVar(&opts.from, "from", "", "the database to copy: a file `path` or a postgres:// URL")
			fs.StringVar(&opts.to, "to", "", "the new, empty database to copy into: a file `path` or a postgres:// URL")
			fs.BoolVar(&opts.asJSON, "json", false, "print the summary as JSON")
			rest, err := parseFlags(fs, args[1:])
			if err != nil {
				return err
			}
			switch {
			case len(rest) > 0:
				return g.usageErrorf("db copy takes no arguments, only --from and --to (got %q)", rest[0])
			case opts.from == "" || opts.to == "":
				return g.usageErrorf("db copy needs both --from SOURCE and --to DEST (a file path or a postgres:// URL each)")
			case opts.from == opts.to:
				return g.usageErrorf("db copy: --from and --to name the same database %s", backend.Redact(opts.from))
			}
			return runDBCopy(ctx, g, opts)
		}})
}

type dbCopyOptions struct {
	from, to string
	asJSON   bool
}

func runDBCopy(ctx context.Context, g *globals, opts dbCopyOptions) (err error) {
	from, err := backend.Open(ctx, opts.from, backend.Options{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("open the source: %w", err)
	}
	defer func() {
		if cerr := from.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", from.Info().Location, cerr)
		}
	}()
	to, err := backend.Open(ctx, opts.to, backend.Options{})
	if err != nil {
		return fmt.Errorf("open the destination: %w", err)
	}
	defer func() {
		if cerr := to.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close %s: %w", to.Info().Location, cerr)
		}
	}()
	fmt.Fprintf(g.stderr, "copying %s (%s) to %s (%s)\n", from.Info().Location, from.Info().Backend, to.Info().Location, to.Info().Backend)
	p := &copyProgress{w: g.stderr}
	rep, err := dbcopy.Copy(ctx, from, to, p.report)
	p.finish()
	if errors.Is(err, dbcopy.ErrNotEmpty) {
		return err
	}
	if err != nil {
		return fmt.Errorf("%w; %s now holds part of the copy: delete it (or drop and create the PostgreSQL database again) before copying again", err, to.Info().Location)
	}
	if opts.asJSON {
		return writeJSON(g.stdout, dbCopyJSON(rep))
	}
	writeDBCopyReport(g.stdout, rep)
	return nil
}

// copyProgress prints a line per part copied, and in between at most one
// line a second while a part takes long.
type copyProgress struct {
	w     io.Writer
	last  dbcopy.Progress
	shown time.Time
}

func (p *copyProgress) report(pr dbcopy.Progress) {
	if p.last.Part != "" && pr.Part != p.last.Part {
		p.line(p.last)
	}
	p.last = pr
	if time.Since(p.shown) >= time.Second && pr.Done < pr.Total {
		p.line(pr)
	}
}

func (p *copyProgress) finish() {
	if p.last.Part != "" {
		p.line(p.last)
	}
}

func (p *copyProgress) line(pr dbcopy.Progress) {
	p.shown = time.Now()
	if pr.Part == "artifacts" {
		fmt.Fprintf(p.w, "  %s: %d/%d (%s)\n", pr.Part, pr.Done, pr.Total, byteSize(pr.Bytes))
		return
	}
	fmt.Fprintf(p.w, "  %s: %d/%d\n", pr.Part, pr.Done, pr.Total)
}

func writeDBCopyReport(w io.Writer, rep dbcopy.Report) {
	fmt.Fprintf(w, "copied %s (%s) to %s (%s): %d studies, %d trials, %d runs, %d stages, %d artifacts (%s), %d work items\n",
		rep.From.Location, rep.From.Backend, rep.To.Location, rep.To.Backend,
		rep.Studies, rep.Trials, rep.Runs, rep.Stages, rep.Artifacts, byteSize(rep.ArtifactBytes), rep.WorkItems)
	if len(rep.StudyIDs) == 0 && rep.TrialIDsChanged == 0 {
		fmt.Fprintln(w, "every id is kept")
	} else {
		var moved []string
		for _, from := range sortedIntKeys(rep.StudyIDs) {
			moved = append(moved, fmt.Sprintf("%d->%d", from, rep.StudyIDs[from]))
		}
		if len(moved) > 0 {
			fmt.Fprintf(w, "the destination could not keep these study ids (runs and stages name the new ones): %s\n", strings.Join(moved, ", "))
		}
		if rep.TrialIDsChanged > 0 {
			fmt.Fprintf(w, "%d trials have new ids (their studies and numbers are kept)\n", rep.TrialIDsChanged)
		}
	}
	fmt.Fprintf(w, "check the copy with: cgx --db %s check\n", shellQuote(rep.To.Location))
}

func sortedIntKeys(m map[int]int) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

// shellQuote quotes s for a POSIX shell when it holds anything but safe characters.
func shellQuote(s string) string {
	safe := s != ""
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./:@%+=,", c)) {
			safe = false
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

type dbInfoJSON struct {
	Backend       string `json:"backend"`
	Location      string `json:"location"`
	FormatVersion int    `json:"format_version"`
}

type dbCopyOutput struct {
	From            dbInfoJSON     `json:"from"`
	To              dbInfoJSON     `json:"to"`
	Studies         int            `json:"studies"`
	Trials          int            `json:"trials"`
	Runs            int            `json:"runs"`
	Stages          int            `json:"stages"`
	Artifacts       int            `json:"artifacts"`
	ArtifactBytes   int64          `json:"artifact_bytes"`
	WorkItems       int            `json:"work_items"`
	StudyIDs        map[string]int `json:"study_ids"` // source id (decimal) -> destination id, only those that changed
	TrialIDsChanged int            `json:"trial_ids_changed"`
}

func dbCopyJSON(rep dbcopy.Report) dbCopyOutput {
	info := func(i tracker.Info) dbInfoJSON { return dbInfoJSON{i.Backend, i.Location, i.FormatVersion} }
	ids := map[string]int{}
	for k, v := range rep.StudyIDs {
		ids[fmt.Sprint(k)] = v
	}
	return dbCopyOutput{From: info(rep.From), To: info(rep.To), Studies: rep.Studies, Trials: rep.Trials, Runs: rep.Runs,
		Stages: rep.Stages, Artifacts: rep.Artifacts, ArtifactBytes: rep.ArtifactBytes, WorkItems: rep.WorkItems,
		StudyIDs: ids, TrialIDsChanged: rep.TrialIDsChanged}
}
