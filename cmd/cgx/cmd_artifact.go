package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/tracker"
)

const artifactUsage = `Usage: cgx artifact ls [--kind KIND] [--json]
       cgx artifact cat ID [-o FILE]

ls lists stored artifacts: id, kind, media type, size, producing run and stage,
name. cat writes an artifact's bytes, after checking they still hash to ID, to
stdout or to FILE (atomically; a link is followed, a pipe or device is written
in place, the folder must exist). ID may be shortened to any unique prefix of at
least 8 characters.

Examples:
  cgx artifact ls --kind weights
  cgx artifact cat 3fa2b91c -o weights.bin
  cgx artifact cat 3fa2b91c > image.png`

func init() {
	register(&command{name: "artifact", summary: "list artifacts or write one's bytes (ls, cat)", usage: artifactUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
				fmt.Fprintln(g.stderr, artifactUsage)
				if len(args) == 0 {
					return errUsage
				}
				return nil
			}
			switch args[0] {
			case "ls":
				var kind string
				var asJSON bool
				fs := g.newFlagSet("artifact ls", artifactUsage)
				fs.StringVar(&kind, "kind", "", "list only artifacts of this `kind` (image, weights, dataset-manifest, ...)")
				fs.BoolVar(&asJSON, "json", false, "print JSON")
				rest, err := parseFlags(fs, args[1:])
				if err != nil {
					return err
				}
				if len(rest) > 0 {
					return g.usageErrorf("artifact ls takes no arguments")
				}
				return runArtifactList(ctx, g, kind, asJSON)
			case "cat":
				var out string
				fs := g.newFlagSet("artifact cat", artifactUsage)
				fs.StringVar(&out, "o", "", "write to `FILE` (atomically) instead of stdout")
				rest, err := parseFlags(fs, args[1:])
				if err != nil {
					return err
				}
				if len(rest) != 1 {
					return g.usageErrorf("artifact cat takes one artifact id; 'cgx artifact ls' lists them")
				}
				return runArtifactCat(ctx, g, rest[0], out)
			default:
				return g.usageErrorf("unknown artifact command %q; use ls or cat", args[0])
			}
		}})
}

func runArtifactList(ctx context.Context, g *globals, kind string, asJSON bool) (err error) {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	// A damaged record does not hide the others: every record that decodes
	// is listed, then the error naming the bad ones.
	list, listErr := st.ListArtifacts(ctx, kind)
	if listErr != nil && len(list) == 0 {
		return listErr
	}
	defer func() {
		if err == nil {
			err = listErr
		}
	}()
	if asJSON {
		if list == nil {
			list = []tracker.ArtifactMeta{}
		}
		return writeJSON(g.stdout, list)
	}
	if len(list) == 0 {
		fmt.Fprintf(g.stdout, "no artifacts%s in %s\n", map[bool]string{true: " of kind " + kind}[kind != ""], st.Info().Location)
		return nil
	}
	w := bufio.NewWriter(g.stdout)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tKIND\tMEDIA TYPE\tSIZE\tRUN\tSTAGE\tNAME")
	for _, m := range list {
		run := "-"
		if m.RunID != 0 {
			run = fmt.Sprint(m.RunID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.ID.String()[:16], safeText(m.Kind), safeText(m.MediaType), byteSize(m.Size), run, safeText(m.Stage), safeText(m.Name))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return w.Flush()
}

// resolveArtifact finds the artifact a full id or unique prefix names.
func resolveArtifact(ctx context.Context, st artifactLister, ref string) (tracker.ID, error) {
	ref = strings.ToLower(ref)
	if len(ref) == 64 {
		return tracker.ParseID(ref)
	}
	if len(ref) < 8 || !isHex(ref) {
		return tracker.ID{}, fmt.Errorf("%q is not an artifact id: give 8 to 64 hex characters ('cgx artifact ls' lists them)", ref)
	}
	list, err := st.ListArtifacts(ctx, "")
	if err != nil {
		return tracker.ID{}, err
	}
	var found []tracker.ID
	for _, m := range list {
		if strings.HasPrefix(m.ID.String(), ref) {
			found = append(found, m.ID)
		}
	}
	switch len(found) {
	case 0:
		return tracker.ID{}, fmt.Errorf("no artifact id starts with %s in %s: %w", ref, st.Info().Location, tracker.ErrNotFound)
	case 1:
		return found[0], nil
	default:
		return tracker.ID{}, fmt.Errorf("%d artifacts start with %s; give more characters", len(found), ref)
	}
}

func runArtifactCat(ctx context.Context, g *globals, ref, out string) (err error) {
	st, err := openForReading(g)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	id, err := resolveArtifact(ctx, st, ref)
	if err != nil {
		return err
	}
	data, _, err := st.GetArtifact(ctx, id)
	if errors.Is(err, tracker.ErrNotFound) && !strings.Contains(err.Error(), "file") {
		return fmt.Errorf("%w in %s; 'cgx artifact ls' lists the artifacts", err, st.Info().Location)
	}
	if err != nil {
		return err
	}
	if out == "" {
		_, err := g.stdout.Write(data)
		return err
	}
	if err := atomicfile.WriteFile(ctx, out, data, 0o644); err != nil {
		return fmt.Errorf("artifact cat %s: %w", id.String()[:16], err)
	}
	fmt.Fprintf(g.stderr, "wrote artifact %s (%s) to %s\n", id, byteSize(int64(len(data))), safeText(out))
	return nil
}
