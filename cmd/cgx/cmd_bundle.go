package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const bundleUsage = `Usage: cgx bundle RUN -o FILE [--with-artifacts] [--json]

Writes one file with everything needed to re-execute a succeeded run on another machine
and check it bit for bit with 'cgx verify --bundle FILE': the spec text as run, its
resolved settings, profile and seed, the code version, database format and environment
that computed it (BLAS backend, machine-bound or not, OS and architecture), and the
record of every stage: its inputs, output digests and metrics, and every trial
(parameters, value, per-step losses, attributes) with its digest, plus the digest of
every artifact the run reached. --with-artifacts adds the artifacts' bytes (images,
weights, manifests), so a reader can inspect what differs; without it the file holds
digests only and stays small.

The file is versioned (bundle format ` + "%d" + `), compressed and checksummed; docs/BUNDLE.md
describes it. A run whose spec reads image folders needs those folders where the
bundle is verified (see 'cgx verify --help', --spec-dir).

Examples:
  cgx bundle 3 -o blur.cgxb
  cgx bundle 3 -o blur-full.cgxb --with-artifacts
  cgx verify --bundle blur.cgxb            # on another machine`

type bundleOptions struct {
	out           string
	withArtifacts bool
	json          bool
}

// bundleSummary is what 'cgx bundle --json' prints.
type bundleSummary struct {
	Run          int    `json:"run"`
	Name         string `json:"name"`
	Profile      string `json:"profile"`
	File         string `json:"file"`
	Bytes        int    `json:"bytes"`
	Format       int    `json:"format"`
	CodeVersion  string `json:"code_version"`
	MachineBound bool   `json:"machine_bound"`
	Stages       int    `json:"stages"`
	Trials       int    `json:"trials"`
	Artifacts    int    `json:"artifacts"`
	Included     int    `json:"artifacts_included"`
}

func init() {
	usage := fmt.Sprintf(bundleUsage, experiments.BundleFormat)
	register(&command{name: "bundle", summary: "write a run into one file that 'cgx verify --bundle' re-executes elsewhere", usage: usage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o bundleOptions
			fs := g.newFlagSet("bundle", usage)
			fs.StringVar(&o.out, "o", "", "write the bundle to `FILE`")
			fs.BoolVar(&o.withArtifacts, "with-artifacts", false, "include the artifacts' bytes, not only their digests")
			fs.BoolVar(&o.json, "json", false, "print what was written as JSON")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return g.usageErrorf("bundle takes one run id; 'cgx runs' lists them")
			}
			if o.out == "" {
				return g.usageErrorf("bundle needs -o FILE, the file to write")
			}
			id, err := parseRunID(g, rest[0])
			if err != nil {
				return err
			}
			return runBundle(ctx, o, id, g)
		}})
}

func runBundle(ctx context.Context, o bundleOptions, id int, g *globals) (err error) {
	st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	b, err := experiments.MakeBundle(ctx, st, id, o.withArtifacts)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	err = experiments.WriteBundle(&buf, b, func(aid tracker.ID) ([]byte, error) {
		data, _, err := st.GetArtifact(ctx, aid)
		return data, err
	})
	if err != nil {
		return fmt.Errorf("bundle run %d: %w", id, err)
	}
	if err := atomicfile.WriteFile(ctx, o.out, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("bundle run %d: %w", id, err)
	}
	stages, _, trials := b.Record.Counts()
	sum := bundleSummary{Run: id, Name: b.Run.Name, Profile: b.Run.Profile, File: o.out, Bytes: buf.Len(),
		Format: b.Format, CodeVersion: b.Environment.CodeVersion, MachineBound: b.Environment.MachineBound,
		Stages: stages, Trials: trials, Artifacts: len(b.Artifacts)}
	for _, a := range b.Artifacts {
		if a.Included {
			sum.Included++
		}
	}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(sum)
	}
	what := "digests only"
	if o.withArtifacts {
		what = "with their bytes"
	}
	fmt.Fprintf(g.stdout, "wrote %s (%s): run %d, %s, profile %s, code version %s: %d stages, %d trials, %d artifacts (%s)\n",
		o.out, byteSize(int64(buf.Len())), id, b.Run.Name, b.Run.Profile, b.Environment.CodeVersion,
		stages, trials, len(b.Artifacts), what)
	if b.Environment.MachineBound {
		fmt.Fprintf(g.stdout, "note: the run is machine-bound (BLAS %s): another CPU or library may compute other bits\n", b.Environment.BLAS)
	}
	fmt.Fprintf(g.stdout, "Next: copy it to another machine and run 'cgx verify --bundle %s'\n", o.out)
	return nil
}
