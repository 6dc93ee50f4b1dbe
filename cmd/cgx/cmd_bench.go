package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
)

// benchSub is one 'cgx bench' sub-verb (render, ml, ...), registered by its own file.
type benchSub struct {
	summary string
	run     func(ctx context.Context, g *globals, args []string) error
}

// benchSubs is filled by init functions and never written after init.
var benchSubs = map[string]benchSub{}

func registerBench(name string, b benchSub) { benchSubs[name] = b }

func init() {
	register(&command{
		name:    "bench",
		summary: "measure cgx's speed against its peers (render, ml)",
		usage:   "Usage: cgx bench SUBJECT [--json]\n\n" + benchList(),
		run:     runBench,
	})
}

func benchList() string {
	names := make([]string, 0, len(benchSubs))
	for n := range benchSubs {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("Subjects:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-8s %s\n", n, benchSubs[n].summary)
	}
	return b.String()
}

func runBench(ctx context.Context, g *globals, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprintln(g.stderr, "Usage: cgx bench SUBJECT [--json]\n\n"+benchList())
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	sub, ok := benchSubs[args[0]]
	if !ok {
		return g.usageErrorf("unknown bench subject %q\n%s", args[0], benchList())
	}
	return sub.run(ctx, g, args[1:])
}
