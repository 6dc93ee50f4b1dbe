package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

const verifyUsage = `Usage: cgx verify RUN [--workers N] [--json] [--keep DIR] [--spec-dir DIR]
       cgx verify --bundle FILE [--db PATH] [--workers N] [--json] [--keep DIR] [--spec-dir DIR]

Re-executes a run from scratch (its spec text, seed and profile) in a scratch database,
then compares every stage's artifact digests, metrics and every trial (parameters,
values, per-step losses, attributes) bit for bit, and exits non-zero on any difference.

When results differ it says where they start (the first stage, in execution order, whose
outputs differ, with the digests of its inputs and whether those inputs were the same),
then one line per difference with a few particulars (stored value -> recomputed value).
It names every recorded environment difference (BLAS backend, machine-bound, code
version, database format, architecture, Go version) even when results match.

RUN is a run of the database. --bundle FILE verifies a bundle made by 'cgx bundle',
usually on another machine: the re-execution goes into the database named by --db
(kept, so 'cgx show' and 'cgx artifact' can inspect it; the bundle's artifacts, when it
carries them, are stored there too) or, without --db, a temporary one. A bundle from a
newer bundle or database format, or computed by a code version whose results differ, is
refused with the version it needs.

A spec's relative folder paths resolve against the spec file's folder as the run recorded
it (for a bundle: the bundle file's folder); --spec-dir names another.

Examples:
  cgx verify 3
  cgx verify 3 --workers 1      # a different worker count must give the same bytes
  cgx verify 3 --json
  cgx bundle 3 -o blur.cgxb && cgx verify --bundle blur.cgxb
  cgx --db rerun.db verify --bundle blur.cgxb --spec-dir ~/photos-parent`

type verifyOptions struct {
	workers int
	json    bool
	keep    string
	bundle  string
	specDir string
}

func init() {
	register(&command{name: "verify", summary: "re-execute a run or a bundle from scratch and compare it bit for bit", usage: verifyUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o verifyOptions
			fs := g.newFlagSet("verify", verifyUsage)
			fs.IntVar(&o.workers, "workers", 0, "parallel workers for the re-execution (0 = all cores)")
			fs.BoolVar(&o.json, "json", false, "print the comparison as JSON")
			fs.StringVar(&o.keep, "keep", "", "keep the scratch database in `DIR`")
			fs.StringVar(&o.bundle, "bundle", "", "verify the bundle `FILE` made by 'cgx bundle'")
			fs.StringVar(&o.specDir, "spec-dir", "", "resolve the spec's relative folder paths against `DIR`")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if o.bundle != "" {
				if len(rest) != 0 {
					return g.usageErrorf("verify takes a run id or --bundle FILE, not both")
				}
				return runVerifyBundle(ctx, o, g)
			}
			if len(rest) != 1 {
				return g.usageErrorf("verify takes one run id (or --bundle FILE); 'cgx runs' lists them")
			}
			id, err := parseRunID(g, rest[0])
			if err != nil {
				return err
			}
			return runVerify(ctx, o, id, g)
		}})
}

func runVerify(ctx context.Context, o verifyOptions, id int, g *globals) (err error) {
	st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	scratch, closeScratch, err := openScratch(o.keep)
	if err != nil {
		return err
	}
	defer closeScratch(&err)
	rep, err := experiments.Verify(ctx, st, scratch, id, experiments.Options{Workers: o.workers, SpecDir: o.specDir,
		Progress: experiments.NewProgress(g.stderr, isTerminal(g.stderr))})
	if err != nil {
		return err
	}
	return reportVerify(g, o, rep, fmt.Sprintf("run %d", id))
}

// runVerifyBundle re-executes a bundle into --db (kept) or a scratch
// database and compares. A kept database also receives the bundle's
// artifacts the re-execution did not write (the stored versions of what
// differs), so 'cgx artifact cat' can show them.
func runVerifyBundle(ctx context.Context, o verifyOptions, g *globals) (err error) {
	b, err := readBundleFile(o.bundle, nil)
	if err != nil {
		return err
	}
	var st backend.DB
	kept := o.keep != "" || g.db != ""
	if o.keep == "" && g.db != "" {
		if st, err = backend.Open(ctx, g.db, backend.Options{}); err != nil {
			return err
		}
		defer closeInto(&err, st)
	} else {
		var closeScratch func(*error)
		if st, closeScratch, err = openScratch(o.keep); err != nil {
			return err
		}
		defer closeScratch(&err)
	}
	if e := b.Environment; e.MachineBound {
		fmt.Fprintf(g.stderr, "note: run %d of the bundle is machine-bound (BLAS %s on %s/%s): expect differences unless this machine has the same CPU kernels and CGX_BLAS=openblas\n",
			b.Run.ID, e.BLAS, e.OS, e.Arch)
	}
	specDir := o.specDir
	if specDir == "" {
		if abs, err := filepath.Abs(o.bundle); err == nil {
			specDir = filepath.Dir(abs)
		}
	}
	rep, err := experiments.VerifyBundle(ctx, b, st, experiments.Options{Workers: o.workers, SpecDir: specDir,
		Progress: experiments.NewProgress(g.stderr, isTerminal(g.stderr))})
	if err != nil {
		return fmt.Errorf("verify bundle %s: %w", o.bundle, err)
	}
	if kept && hasIncluded(b) {
		n := 0
		_, err := readBundleFile(o.bundle, func(a experiments.BundleArtifact, data []byte) error {
			if _, err := st.StatArtifact(ctx, a.ID); err == nil {
				return nil
			}
			n++
			_, err := st.PutArtifact(ctx, data, tracker.ArtifactMeta{Kind: a.Kind, MediaType: a.MediaType, Name: a.Name,
				Stage: "bundle of run " + fmt.Sprint(b.Run.ID)})
			return err
		})
		if err != nil {
			return fmt.Errorf("store the bundle's artifacts in %s: %w", st.Info().Location, err)
		}
		if n > 0 {
			fmt.Fprintf(g.stderr, "stored %d artifacts of the bundle that the re-execution did not produce in %s\n", n, st.Info().Location)
		}
	}
	return reportVerify(g, o, rep, fmt.Sprintf("bundle %s of run %d", filepath.Base(o.bundle), b.Run.ID))
}

func hasIncluded(b *experiments.Bundle) bool {
	for _, a := range b.Artifacts {
		if a.Included {
			return true
		}
	}
	return false
}

// readBundleFile reads and checks the bundle at path.
func readBundleFile(path string, put func(experiments.BundleArtifact, []byte) error) (*experiments.Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open bundle: %w", err)
	}
	defer f.Close()
	b, err := experiments.ReadBundle(f, put)
	if err != nil {
		return nil, fmt.Errorf("read bundle %s: %w", path, err)
	}
	return b, nil
}

// openScratch opens an empty database in keep (created when missing), or in
// a temporary folder; closeScratch closes it (reporting a failed close into
// its argument when kept) and removes the temporary folder.
func openScratch(keep string) (st *bolt.Store, closeScratch func(*error), err error) {
	dir := keep
	remove := func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "cgx-verify-"); err != nil {
			return nil, nil, fmt.Errorf("create scratch directory: %w", err)
		}
		remove = func() { os.RemoveAll(dir) }
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("create scratch directory %s: %w", dir, err)
	}
	if st, err = bolt.Open(filepath.Join(dir, "cgx.db")); err != nil {
		remove()
		return nil, nil, err
	}
	return st, func(errp *error) {
		if cerr := st.Close(); cerr != nil && keep != "" && *errp == nil {
			*errp = fmt.Errorf("close scratch database in %s: %w", keep, cerr)
		}
		remove()
	}, nil
}

// reportVerify prints rep (what names the verified run or bundle) and turns
// differences into an error.
func reportVerify(g *globals, o verifyOptions, rep experiments.VerifyReport, what string) error {
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		writeVerifyReport(g.stdout, rep, what)
	}
	if !rep.OK() {
		return fmt.Errorf("%s: %w (%d)", what, experiments.ErrVerifyMismatch, len(rep.Differences))
	}
	return nil
}

// writeVerifyReport prints rep for a person: environment differences, where
// differences start, one line per difference, then the verdict.
func writeVerifyReport(w io.Writer, rep experiments.VerifyReport, what string) {
	if len(rep.Environment) > 0 {
		fmt.Fprintln(w, "Environment differences (stored -> recomputed):")
		for _, e := range rep.Environment {
			fmt.Fprintf(w, "  %s: %s -> %s\n", e.Key, e.Stored, e.Recomputed)
			if e.Note != "" {
				fmt.Fprintf(w, "    (%s)\n", e.Note)
			}
		}
		fmt.Fprintln(w)
	}
	if o := rep.FirstDifference; o != nil {
		fmt.Fprintf(w, "Differences start at stage %s: %s.\n", o.Stage, o.Note)
		if len(o.Inputs) > 0 {
			fmt.Fprintln(w, "  inputs of its key:")
			for _, in := range o.Inputs {
				if in.Same {
					fmt.Fprintf(w, "    %s = %s\n", in.Name, shortDigest(in.Stored))
				} else {
					fmt.Fprintf(w, "    %s = %s -> %s\n", in.Name, orDash(shortDigest(in.Stored)), orDash(shortDigest(in.Recomputed)))
				}
			}
		}
		fmt.Fprintln(w)
		fmt.Fprintln(w, "Differences (stored -> recomputed):")
		for _, d := range rep.Differences {
			fmt.Fprintf(w, "  %s, %s: %s\n", d.Stage, d.What, d.Summary)
			for _, l := range d.Details {
				fmt.Fprintf(w, "      %s\n", l)
			}
		}
		fmt.Fprintln(w)
	}
	verdict := "identical"
	if n := len(rep.Differences); n == 1 {
		verdict = "1 difference"
	} else if n > 1 {
		verdict = fmt.Sprintf("%d differences", n)
	}
	fmt.Fprintf(w, "%s (%s, profile %s, seed %d) verified against a fresh re-execution: %d stages, %d artifacts, %d trials compared: %s\n",
		what, rep.Name, orDash(rep.Profile), rep.Seed, rep.Stages, rep.Artifacts, rep.Trials, verdict)
}

// shortDigest shortens a 64-hex-digit digest to 12 digits; other values are
// printed whole.
func shortDigest(s string) string {
	if len(s) == 64 && strings.Trim(s, "0123456789abcdef") == "" {
		return s[:12]
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
