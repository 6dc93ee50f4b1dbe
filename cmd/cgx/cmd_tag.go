package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const tagUsage = `Usage: cgx tag RUN TAG... [--rm] [--json]

Adds tags to a run (or, with --rm, removes them). Tags are short words
without spaces or commas ('baseline', 'paper-fig3', 'v2'); 'cgx runs' shows
them and 'cgx runs --tag TAG' lists the runs that have one. Tags are the
user's labels: verify and diff ignore them.

Examples:
  cgx tag 3 baseline paper
  cgx tag 3 paper --rm
  cgx runs --tag baseline`

type tagOptions struct {
	rm   bool
	json bool
}

func init() {
	register(&command{name: "tag", summary: "add or remove tags on a run", usage: tagUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o tagOptions
			fs := g.newFlagSet("tag", tagUsage)
			fs.BoolVar(&o.rm, "rm", false, "remove the tags instead of adding them")
			fs.BoolVar(&o.json, "json", false, "print the run's tags as JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) < 2 {
				return g.usageErrorf("tag takes a run id and at least one tag, e.g. 'cgx tag 3 baseline'")
			}
			id, err := parseRunID(g, rest[0])
			if err != nil {
				return err
			}
			for _, t := range rest[1:] {
				if err := tracker.CheckTag(t); err != nil {
					return g.usageErrorf("%v", err)
				}
			}
			return runTag(ctx, g, o, id, rest[1:])
		}})
}

func runTag(ctx context.Context, g *globals, o tagOptions, id int, tags []string) (err error) {
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	var add, rm []string
	if o.rm {
		rm = tags
	} else {
		add = tags
	}
	now, err := st.SetRunTags(ctx, id, add, rm)
	if err != nil {
		return fmt.Errorf("%w; 'cgx runs' lists the runs", err)
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			Run  int      `json:"run"`
			Tags []string `json:"tags"`
		}{id, now})
	}
	if len(now) == 0 {
		fmt.Fprintf(g.stdout, "run %d: no tags\n", id)
		return nil
	}
	fmt.Fprintf(g.stdout, "run %d: tags %s\n", id, safeText(strings.Join(now, ", ")))
	return nil
}
