package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

const versionUsage = `Usage: cgx version [--json]

Prints what this cgx binary is: its module version, the VCS revision it was
built from ("-dirty" when the tree had uncommitted changes), the Go version,
the CPU it runs on, and the database format it reads and writes. Runs record
the same fields, so 'cgx show RUN' tells you whether a rerun uses the same code.

Examples:
  cgx version
  cgx version --json`

type versionInfo struct {
	Module         string `json:"module"`
	ModuleVersion  string `json:"module_version"`
	VCSRevision    string `json:"vcs_revision"`
	GoVersion      string `json:"go_version"`
	CPUModel       string `json:"cpu_model"`
	DatabaseFormat int    `json:"database_format"`
}

func init() {
	register(&command{name: "version", summary: "print the cgx version, VCS revision, Go version and database format", usage: versionUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var asJSON bool
			fs := g.newFlagSet("version", versionUsage)
			fs.BoolVar(&asJSON, "json", false, "print JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("version takes no arguments")
			}
			return runVersion(g, asJSON)
		}})
}

func runVersion(g *globals, asJSON bool) error {
	goV, modV, rev, cpu := tracker.BuildInfo()
	v := versionInfo{Module: "github.com/cgx-dev/cgx", ModuleVersion: modV, VCSRevision: rev,
		GoVersion: goV, CPUModel: cpu, DatabaseFormat: bolt.FormatVersion}
	if asJSON {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	orUnknown := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	fmt.Fprintf(g.stdout, "cgx %s\n", orUnknown(v.ModuleVersion))
	fmt.Fprintf(g.stdout, "  revision:        %s\n", orUnknown(v.VCSRevision))
	fmt.Fprintf(g.stdout, "  go:              %s\n", v.GoVersion)
	fmt.Fprintf(g.stdout, "  cpu:             %s\n", orUnknown(v.CPUModel))
	fmt.Fprintf(g.stdout, "  database format: %d\n", v.DatabaseFormat)
	return nil
}
