package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// command is one cgx verb. Verbs with sub-verbs (dataset, study, report, ...)
// dispatch on args[0] themselves.
type command struct {
	name    string
	summary string // one line for 'cgx help'
	usage   string // full help text printed by 'cgx help NAME'
	run     func(ctx context.Context, g *globals, args []string) error
}

// commands is filled by init functions in the cmd_*.go files, one per verb, and
// is never written after init.
var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("cgx: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

var (
	// errUsage marks a usage error whose message was already printed; exit 2.
	errUsage = errors.New("usage error")
	// errSilentFailure marks a failure whose report was already printed; exit 1.
	errSilentFailure = errors.New("failure already reported")
)

// globals carries what every verb shares: output streams and the database path.
type globals struct {
	stdout, stderr io.Writer
	db             string // set by --db; empty means CGX_DB or the default
}

// DefaultDB is the database path used when neither --db nor CGX_DB is set.
const DefaultDB = ".cgx/cgx.db"

func (g *globals) addDBFlag(fs *flag.FlagSet) {
	fs.StringVar(&g.db, "db", g.db, "database: a bbolt file `path` or a postgres:// URL (default $CGX_DB or "+DefaultDB+")")
}

// dbPath resolves the database path: --db, then $CGX_DB, then the default.
func (g *globals) dbPath() string {
	if g.db != "" {
		return g.db
	}
	if p := os.Getenv("CGX_DB"); p != "" {
		return p
	}
	return filepath.FromSlash(DefaultDB)
}

// newFlagSet returns a flag set for verb name that prints usage to stderr and
// accepts --db after the verb too.
func (g *globals) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("cgx "+name, flag.ContinueOnError)
	fs.SetOutput(g.stderr)
	fs.Usage = func() {
		fmt.Fprintln(g.stderr, usage)
		fmt.Fprintln(g.stderr, "\nFlags:")
		fs.PrintDefaults()
	}
	g.addDBFlag(fs)
	return fs
}

// parseFlags parses args, allowing flags after positional arguments
// ("cgx trials 3 --json"); everything after "--" is positional. It maps flag
// errors onto errUsage (message already printed) and --help onto flag.ErrHelp.
// The positional arguments are returned in order.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, flag.ErrHelp
			}
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(positional, rest...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// usageErrorf prints a usage message for a verb and returns errUsage.
func (g *globals) usageErrorf(format string, a ...any) error {
	fmt.Fprintf(g.stderr, "cgx: "+format+"\n", a...)
	return errUsage
}
