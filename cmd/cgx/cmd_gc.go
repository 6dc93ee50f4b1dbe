package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const gcUsage = `Usage: cgx gc [--dry-run] [--unowned] [--json]

Removes the artifacts that nothing in the database references any more
(after 'cgx runs rm') and object files no artifact names (left by an
interrupted write). An artifact is referenced when a run lists it, a stage
outputs it, a run, stage or trial attribute names it, or a referenced
dataset manifest or image list names it. Artifacts made outside any run
('cgx dataset generate', 'cgx dataset folder') are kept unless --unowned.

gc takes the database for writing for its whole duration, so no run can add
artifacts meanwhile: a 'cgx run' started then fails at once, saying the
database is open for writing, and gc fails the same way while a run is in
progress. Readers ('cgx show', the dashboard) keep working. docs/INTEROP.md
has the details.

Examples:
  cgx runs rm 3
  cgx gc --dry-run
  cgx gc`

type gcOptions struct {
	dryRun, unowned, json bool
}

func init() {
	register(&command{name: "gc", summary: "remove artifacts no run references", usage: gcUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o gcOptions
			fs := g.newFlagSet("gc", gcUsage)
			fs.BoolVar(&o.dryRun, "dry-run", false, "list what would be removed; remove nothing")
			fs.BoolVar(&o.unowned, "unowned", false, "also remove unreferenced artifacts made outside any run")
			fs.BoolVar(&o.json, "json", false, "print the report as JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("gc takes no arguments")
			}
			return runGC(ctx, g, o)
		}})
}

func runGC(ctx context.Context, g *globals, o gcOptions) (err error) {
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	rep, err := st.GC(ctx, tracker.GCOptions{DryRun: o.dryRun, Unowned: o.unowned})
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	verb := "removed"
	if o.dryRun {
		verb = "would remove"
		for _, m := range rep.Artifacts {
			fmt.Fprintf(g.stdout, "  %s  %-16s %9s  run %d  %s\n", m.ID, safeText(m.Kind), humanBytes(m.Size), m.RunID, safeText(m.Name))
		}
		for _, p := range rep.Orphans {
			fmt.Fprintf(g.stdout, "  %s (no artifact names it)\n", safeText(p))
		}
	}
	fmt.Fprintf(g.stdout, "%s %d artifacts and %d orphan files, %s; %d artifacts are referenced and kept\n",
		verb, len(rep.Artifacts), len(rep.Orphans), humanBytes(rep.Bytes), rep.Kept)
	return nil
}

// humanBytes formats a size for people: 512 B, 1.5 KiB, 3.2 MiB.
func humanBytes(n int64) string {
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
