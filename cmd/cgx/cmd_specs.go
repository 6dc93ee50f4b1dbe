package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/cgx-dev/cgx/experiments"
)

const specsUsage = `Usage: cgx specs [--json] [--show NAME]

Lists the built-in experiment specs, one line each. Run one with 'cgx run NAME'
(e.g. 'cgx run style/blur --profile smoke'); copy one to start your own with
'cgx specs --show style/blur > my.toml'.

Examples:
  cgx specs
  cgx specs --json
  cgx specs --show content/exp2.1`

type specsOptions struct {
	json bool
	show string
}

func init() {
	register(&command{name: "specs", summary: "list the built-in experiment specs", usage: specsUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o specsOptions
			fs := g.newFlagSet("specs", specsUsage)
			fs.BoolVar(&o.json, "json", false, "print JSON")
			fs.StringVar(&o.show, "show", "", "print the TOML of built-in spec `NAME`")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("specs takes no arguments; did you mean 'cgx specs --show %s'?", rest[0])
			}
			return runSpecs(ctx, o, g)
		}})
}

func runSpecs(_ context.Context, o specsOptions, g *globals) error {
	if o.show != "" {
		b, err := experiments.BuiltinText(o.show)
		if err != nil {
			return fmt.Errorf("%w; 'cgx specs' lists them", err)
		}
		_, err = g.stdout.Write(b)
		return err
	}
	bs, err := experiments.Builtins()
	if err != nil {
		return err
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(bs)
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tDESCRIPTION")
	for _, b := range bs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", b.Name, b.Kind, firstSentence(b.Description))
	}
	return tw.Flush()
}

// firstSentence shortens a description to its first sentence for one-line listings.
func firstSentence(s string) string {
	for i := 0; i+1 < len(s); i++ {
		if s[i] == '.' && s[i+1] == ' ' {
			return s[:i+1]
		}
	}
	return s
}
