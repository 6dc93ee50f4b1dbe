package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

const checkUsage = `Usage: cgx check [--json] [--salvage NEW.db | --accept-loss]

Verifies the database: the file's page structure, its format record, that every
study, trial, run, stage and artifact record decodes, that indexes and trial
numbers agree, that stored summaries match the trials, that runs and stages
name artifacts that exist, and re-hashes every artifact's bytes under objects/.
Prints what it checked, every problem found, notes that need no repair
(RUNNING trials, unreferenced object files) and, when something is damaged,
how to recover. Exits 1 when anything is damaged. Works while a run is writing
the database, and on a file every other command refuses as damaged. On a
PostgreSQL database (--db postgres://...) it checks the same records and
re-hashes every artifact stored there.

Recovering:
  --salvage NEW.db  copy every record that still decodes (and the artifact
                    files next to it) into the new database NEW.db; the damaged
                    file is only read. Gaps in a study's trial numbers get FAIL
                    placeholder trials (system attribute cgx:salvage).
  --accept-loss     (bbolt files only, as is --salvage)
                    continue the database from what is intact, when check
                    reports lost commits (a damaged newest root page, a file
                    older than its commit record) or a damaged journal (its
                    intact records are kept; the journal is copied aside to
                    <journal>.damaged-N first).

Examples:
  cgx check
  cgx check --json | jq '.problems'
  cgx check --salvage .cgx/salvaged.db && cgx --db .cgx/salvaged.db check`

func init() {
	register(&command{name: "check", summary: "verify the database and re-hash every artifact", usage: checkUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var opts checkOptions
			fs := g.newFlagSet("check", checkUsage)
			fs.BoolVar(&opts.asJSON, "json", false, "print JSON")
			fs.StringVar(&opts.salvage, "salvage", "", "copy what still decodes into this new database `file`")
			fs.BoolVar(&opts.acceptLoss, "accept-loss", false, "continue from what is intact after lost commits or a damaged journal")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("check takes no arguments")
			}
			if opts.salvage != "" && opts.acceptLoss {
				return g.usageErrorf("--salvage and --accept-loss do not go together: salvage leaves the damaged file as it is")
			}
			return runCheck(ctx, g, opts)
		}})
}

type checkOptions struct {
	asJSON     bool
	salvage    string // output database, "" for none
	acceptLoss bool
}

func runCheck(ctx context.Context, g *globals, opts checkOptions) error {
	path := g.dbPath()
	switch {
	case opts.salvage != "":
		if err := bboltOnly(path, "check --salvage", "restore a backup of the database (pg_dump, pg_restore) instead, or copy it with 'cgx db copy'"); err != nil {
			return err
		}
	case opts.acceptLoss:
		if err := bboltOnly(path, "check --accept-loss", "PostgreSQL loses no acknowledged commit; restore a backup if its server lost data"); err != nil {
			return err
		}
	}
	if backend.IsPostgres(path) {
		return checkDB(ctx, g, path, opts)
	}
	switch {
	case opts.salvage != "":
		return runSalvage(ctx, g, path, opts)
	case opts.acceptLoss:
		if err := acceptLoss(ctx, g, path); err != nil {
			return err
		}
	}
	if _, serr := os.Stat(path); serr != nil {
		if _, err := bolt.CheckFile(ctx, path); err != nil {
			return err // says what is wrong with the path, and what to do
		}
		return fmt.Errorf("check %s: %w", path, serr)
	}
	fmt.Fprintf(g.stderr, "checking %s and re-hashing the objects next to it ...\n", path)
	rep, err := bolt.CheckFile(ctx, path)
	if err != nil {
		return err
	}
	return printCheck(g, rep, opts)
}

// checkDB checks a database that is not a bbolt file through the tracker
// contract's Check, which re-hashes every artifact too.
func checkDB(ctx context.Context, g *globals, target string, opts checkOptions) (err error) {
	st, err := backend.Open(ctx, target, backend.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	fmt.Fprintf(g.stderr, "checking %s and re-hashing every artifact ...\n", st.Info().Location)
	rep, err := st.Check(ctx)
	if err != nil {
		return err
	}
	rep.Path = st.Info().Location
	return printCheck(g, rep, opts)
}

// printCheck prints a check report; it fails (silently, having printed
// why) when the report holds damage.
func printCheck(g *globals, rep tracker.CheckReport, opts checkOptions) error {
	if rep.Problems == nil {
		rep.Problems = []tracker.Problem{}
	}
	if rep.Notes == nil {
		rep.Notes = []string{}
	}
	if rep.Recover == nil {
		rep.Recover = []string{}
	}
	if opts.asJSON {
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
		for i, r := range rep.Recover {
			if i == 0 {
				fmt.Fprintln(g.stdout, "to recover:")
			}
			fmt.Fprintf(g.stdout, "  - %s\n", r)
		}
		if rep.OK() {
			fmt.Fprintln(g.stdout, "ok: no damage found")
		}
	}
	if !rep.OK() {
		p := rep.Problems[0]
		fmt.Fprintf(g.stderr, "cgx check: %d problem(s) in %s (first: %s: %s); see above for how to recover\n", len(rep.Problems), rep.Path, p.Object, p.Problem)
		return errSilentFailure
	}
	return nil
}

// acceptLoss opens the database for writing with bolt.AcceptLoss, once
// check has shown a loss that this accepts.
func acceptLoss(ctx context.Context, g *globals, path string) error {
	rep, err := bolt.CheckFile(ctx, path)
	if err != nil {
		return err
	}
	accepts := false
	for _, p := range rep.Problems {
		if p.Object == "commits" || strings.HasPrefix(p.Object, "journal ") || strings.Contains(p.Problem, "commits were made") {
			accepts = true
			fmt.Fprintf(g.stderr, "accepting: %s: %s\n", p.Object, p.Problem)
		}
	}
	if !accepts {
		return fmt.Errorf("check --accept-loss: %s reports no lost commits and no damaged journal, so there is nothing to accept; run 'cgx check' (damage of another kind needs --salvage or a backup)", path)
	}
	st, err := bolt.Open(path, bolt.AcceptLoss())
	if err != nil {
		return err
	}
	aside := st.KeptAside()
	if err := st.Close(); err != nil {
		return err
	}
	if aside != "" {
		fmt.Fprintf(g.stderr, "the damaged journal is kept at %s\n", aside)
	}
	fmt.Fprintf(g.stderr, "%s continues from what was intact\n", path)
	return nil
}

// runSalvage copies what still decodes into a new database and checks it.
func runSalvage(ctx context.Context, g *globals, path string, opts checkOptions) error {
	rep, err := bolt.Salvage(ctx, path, opts.salvage)
	if err != nil {
		return err
	}
	if opts.asJSON {
		if rep.Lost == nil {
			rep.Lost = []tracker.Problem{}
		}
		return writeJSON(g.stdout, rep)
	}
	fmt.Fprintf(g.stdout, "salvaged %s into %s: %d studies, %d trials (and %d FAIL placeholders for lost ones), %d runs, %d stages, %d artifacts (%d object files in place)\n",
		rep.From, rep.To, rep.Studies, rep.Trials, rep.Placeholders, rep.Runs, rep.Stages, rep.Artifacts, rep.Objects)
	for _, p := range rep.Lost {
		fmt.Fprintf(g.stdout, "not copied: %s: %s\n", p.Object, p.Problem)
	}
	fmt.Fprintf(g.stdout, "check it with 'cgx --db %s check', then use it with --db %s (the damaged file is unchanged)\n", rep.To, rep.To)
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
