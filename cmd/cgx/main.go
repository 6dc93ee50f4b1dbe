// Command cgx reruns computer-vision experiments on rendered images bit for bit
// and keeps every result in one embedded database.
//
// Each verb lives in its own file (cmd_<verb>.go) and registers itself in
// commands; main only parses the global flags, dispatches and exits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/cgx-dev/cgx/tracker/backend"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	if g := applyMemoryLimit(os.Getenv, debug.SetMemoryLimit); g != nil {
		go g.watch(ctx, 500*time.Millisecond)
	}
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go watchSignals(sigs, cancel, forceExitAfter, os.Stderr, os.Exit)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(code)
}

// forceExitAfter is how long cgx may take to stop cleanly after SIGINT or
// SIGTERM before it exits anyway.
const forceExitAfter = 15 * time.Second

// watchSignals cancels the verb's context on the first signal, so it stops
// cleanly (runs can be resumed, the database is closed). A verb blocked where
// no context reaches (a read from a pipe or terminal nobody writes to) must
// still stop: a second signal, or forceExitAfter without returning, exits
// with status 130. The database survives that: it is crash-safe.
func watchSignals(sigs <-chan os.Signal, cancel context.CancelFunc, grace time.Duration, stderr io.Writer, exit func(int)) {
	sig := <-sigs
	cancel()
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-sigs:
		fmt.Fprintln(stderr, "cgx: second signal: stopping now")
	case <-t.C:
		fmt.Fprintf(stderr, "cgx: not stopped %s after %v: stopping now\n", grace, sig)
	}
	exit(130)
}

// run executes one cgx invocation and returns the process exit code:
// 0 success, 1 failure, 2 usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	g := &globals{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("cgx", flag.ContinueOnError)
	fs.SetOutput(stderr)
	g.addDBFlag(fs)
	fs.Usage = func() { printUsage(stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		printUsage(stderr)
		return 2
	}
	name := rest[0]
	if name == "help" || name == "-h" || name == "--help" {
		if len(rest) > 1 {
			if c, ok := commands[rest[1]]; ok {
				fmt.Fprintln(stdout, c.usage)
				return 0
			}
		}
		printUsage(stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(stderr, "cgx: unknown command %q; run 'cgx help' for the list\n", name)
		return 2
	}
	err := c.run(ctx, g, rest[1:])
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.Is(err, errSilentFailure):
		return 1
	default:
		fmt.Fprintf(stderr, "cgx %s: %s\n", name, safeText(oneLine(backend.Scrub(err.Error(), g.dbPath()))))
		return 1
	}
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `cgx reruns CG-to-real experiments bit for bit and keeps every result in one database.

Usage: cgx [--db PATH|URL] COMMAND [ARGS]

Commands:
`)
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprint(w, `
The database is .cgx/cgx.db under the working directory unless --db or CGX_DB names another:
a bbolt file path, or a postgres://USER@HOST/DB URL for a PostgreSQL database shared by machines.
Memory: cgx sets the Go runtime a soft limit of 768 MiB, so garbage does not double what a run
keeps live (380-560 MiB at any dataset size on two cores); it rises to twice the live heap when a
run needs more. GOMEMLIMIT (e.g. 4GiB, or off) replaces it.
Run 'cgx COMMAND --help' for a command's flags and examples.
`)
}

// oneLine folds an error message onto one line so every failure prints as one.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
