package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/scene"
)

const benchRenderUsage = `Usage: cgx bench render [--json] [--size N] [--scenes N] [--rounds N] [--workers N]
                        [--samples N] [--blender-scenes N] [--blender-rounds N] [--no-blender]

Measures the embedded renderer against Blender Cycles on the same scenes:
experiment 2's shelf with six products, --size pixels square (default 64).

  embedded_img_per_s  images per second of the embedded renderer, all cores
                      (median of --rounds rounds over --scenes distinct scenes)
  blender_img_per_s   images per second of Cycles on the CPU (--samples
                      samples, denoiser off, colour and mask passes): pairs
                      of batches (N and 3N scenes), one Blender process each;
                      their difference gives the cost per image (median over
                      --blender-rounds pairs), process start-up is reported
                      apart as blender_startup_s
  ratio               embedded_img_per_s / blender_img_per_s

Without Blender (Debian package "blender") only the embedded figure is
printed. The machine's load changes the figures; compare figures from one run.

Examples:
  cgx bench render
  cgx bench render --json
  cgx bench render --size 256 --samples 32
  cgx bench render --no-blender --rounds 10`

type benchRenderOptions struct {
	json    bool
	noBlend bool
	samples int
	cfg     blender.BenchConfig
}

// benchRenderReport is the --json output.
type benchRenderReport struct {
	Subject string `json:"subject"`
	blender.BenchResult
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPU        string `json:"cpu"`
	GoVersion  string `json:"go_version"`
}

func init() {
	registerBench("render", benchSub{
		summary: "embedded renderer vs Blender Cycles, images per second",
		run: func(ctx context.Context, g *globals, args []string) error {
			var o benchRenderOptions
			fs := g.newFlagSet("bench render", benchRenderUsage)
			fs.BoolVar(&o.json, "json", false, "print JSON")
			fs.IntVar(&o.cfg.Size, "size", 64, "image side in `pixels`")
			fs.IntVar(&o.cfg.Scenes, "scenes", 256, "distinct scenes in the embedded batch")
			fs.IntVar(&o.cfg.Rounds, "rounds", 5, "embedded rounds (the median is reported)")
			fs.IntVar(&o.cfg.Workers, "workers", 0, "embedded workers, 0 (all cores) to 256")
			fs.IntVar(&o.samples, "samples", 16, "Cycles samples per pixel")
			fs.IntVar(&o.cfg.BlenderScenes, "blender-scenes", 8, "scenes in Blender's smaller batch (the larger has 3×)")
			fs.IntVar(&o.cfg.BlenderRounds, "blender-rounds", 3, "pairs of Blender batches (the median cost per image is reported)")
			fs.BoolVar(&o.noBlend, "no-blender", false, "measure the embedded renderer only")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("bench render takes no arguments")
			}
			if err := checkWorkers(g, o.cfg.Workers); err != nil {
				return err
			}
			if o.cfg.Size < scene.MinResolution || o.cfg.Size > scene.MaxResolution || o.cfg.Scenes < 1 || o.cfg.Rounds < 1 || o.cfg.BlenderScenes < 1 || o.cfg.BlenderRounds < 1 {
				return g.usageErrorf("bench render: --size must be 32..512 and --scenes, --rounds, --blender-scenes, --blender-rounds at least 1")
			}
			return runBenchRender(ctx, g, o)
		}})
}

func runBenchRender(ctx context.Context, g *globals, o benchRenderOptions) error {
	if !o.noBlend {
		o.cfg.Cycles = &blender.Cycles{Samples: o.samples}
	}
	res, err := blender.BenchRender(ctx, o.cfg)
	if err != nil {
		return err
	}
	rep := benchRenderReport{Subject: "render", BenchResult: res, GOMAXPROCS: runtime.GOMAXPROCS(0),
		CPU: benchRenderCPU(), GoVersion: runtime.Version()}
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	fmt.Fprintf(g.stdout, "render benchmark: %dx%d, experiment-2 shelf scenes with %d products\n", res.Size, res.Size, res.Objects)
	fmt.Fprintf(g.stdout, "machine: %s, %d CPUs (GOMAXPROCS %d), %s\n", rep.CPU, runtime.NumCPU(), rep.GOMAXPROCS, rep.GoVersion)
	fmt.Fprintf(g.stdout, "  embedded_img_per_s  %10.1f  (median of %d rounds over %d scenes, %d workers)\n",
		res.EmbeddedImgPerS, len(res.EmbeddedRounds), res.Scenes, res.Workers)
	if res.BlenderImgPerS == 0 {
		fmt.Fprintf(g.stdout, "  blender_img_per_s   %10s  (%s)\n", "-", res.BlenderNote)
		return nil
	}
	fmt.Fprintf(g.stdout, "  blender_img_per_s   %10.2f  (%s, Cycles CPU, %d samples, %.0f ms/image, median of %d; start-up %.1f s)\n",
		res.BlenderImgPerS, res.BlenderVersion, res.BlenderSamples, 1000/res.BlenderImgPerS,
		len(res.BlenderRounds), res.BlenderStartupS)
	fmt.Fprintf(g.stdout, "  ratio               %10.0fx\n", res.Ratio)
	return nil
}

// benchRenderCPU returns the CPU model from /proc/cpuinfo, or the
// architecture.
func benchRenderCPU() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}
