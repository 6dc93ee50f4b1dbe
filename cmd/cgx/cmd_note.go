package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const noteUsage = `Usage: cgx note RUN TEXT...
       cgx note RUN --clear

Sets a run's note, replacing the one it had (the words of TEXT joined by
spaces; quote it to keep your own spacing). --clear removes it. 'cgx show RUN'
prints the note and 'cgx runs' its first line. Notes are the user's: verify
and diff ignore them.

Examples:
  cgx note 3 "baseline for the blur sweep; discriminator retrained"
  cgx note 3 --clear`

func init() {
	register(&command{name: "note", summary: "set or clear a run's note", usage: noteUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var clear bool
			fs := g.newFlagSet("note", noteUsage)
			fs.BoolVar(&clear, "clear", false, "remove the note")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) == 0 {
				return g.usageErrorf("note takes a run id and the text, e.g. 'cgx note 3 \"first try\"'")
			}
			id, err := parseRunID(g, rest[0])
			if err != nil {
				return err
			}
			text := strings.Join(rest[1:], " ")
			switch {
			case clear && text != "":
				return g.usageErrorf("note: give a text or --clear, not both")
			case !clear && strings.TrimSpace(text) == "":
				return g.usageErrorf("note needs a text; to remove the note use 'cgx note %d --clear'", id)
			case len(text) > tracker.MaxNoteBytes:
				return g.usageErrorf("note: %d bytes; a note has at most %d", len(text), tracker.MaxNoteBytes)
			}
			return runNote(ctx, g, id, text)
		}})
}

func runNote(ctx context.Context, g *globals, id int, text string) (err error) {
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	if err := st.SetRunNote(ctx, id, text); err != nil {
		return fmt.Errorf("%w; 'cgx runs' lists the runs", err)
	}
	if text == "" {
		fmt.Fprintf(g.stdout, "run %d: note removed\n", id)
	} else {
		fmt.Fprintf(g.stdout, "run %d: note set\n", id)
	}
	return nil
}
