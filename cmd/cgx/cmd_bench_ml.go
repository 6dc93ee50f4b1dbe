package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/cgx-dev/cgx/ml/disc"
	"github.com/cgx-dev/cgx/ml/nn"
	"github.com/cgx-dev/cgx/tracker"
)

const benchMLUsage = `Usage: cgx bench ml [--json] [--peer SCRIPT] [--steps N] [--rounds N] [--warmup N] [--batch N]

Measures the speed of cgx's ML hot paths on the reference discriminator
(64x64 RGB; conv 3->32, 32->64, 64->64 with ReLU and 2x2 max-pooling; linear
4096->2) on random data:

  train_img_per_s  one training step: forward, cross-entropy, backward, Adam
  manip_img_per_s  one fitting step of per-channel brightness/contrast
                   (x' = x*(1+c)+b, 6 parameters per image) with frozen
                   weights: forward, backward to c and b, Adam on them

Each figure is the median over --rounds rounds of --steps steps. The output
names the kernels that ran (the portable SGEMM's AVX2 or pure-Go kernel, or
OpenBLAS and its core type), GOMAXPROCS and the machine's load average
before and after. The default backend is the portable one (same bits on
every machine); CGX_SIMD=off forces its pure-Go kernels; CGX_BLAS=openblas
opts into OpenBLAS (results then bound to the machine), and
OPENBLAS_CORETYPE, when set, is passed to OpenBLAS unchanged.

--peer runs a PyTorch script measuring the same steps (bench/torch_disc.py,
needs python3-torch) right after cgx's own figures and prints both with
their ratio. The machine's load changes figures; compare only figures from
the same run.

Examples:
  cgx bench ml
  cgx bench ml --json
  cgx bench ml --peer bench/torch_disc.py
  CGX_SIMD=off cgx bench ml --rounds 3
  CGX_BLAS=openblas cgx bench ml --peer bench/torch_disc.py`

type benchMLOptions struct {
	json   bool
	peer   string
	python string
	cfg    disc.BenchConfig
}

// benchMLReport is the --json output.
type benchMLReport struct {
	Subject      string          `json:"subject"`
	TrainImgPerS float64         `json:"train_img_per_s"`
	ManipImgPerS float64         `json:"manip_img_per_s"`
	TrainRounds  []float64       `json:"train_rounds"`
	ManipRounds  []float64       `json:"manip_rounds"`
	Batch        int             `json:"batch"`
	Size         int             `json:"size"`
	Steps        int             `json:"steps"`
	Rounds       int             `json:"rounds"`
	Kernels      string          `json:"kernels"`
	MachineBound bool            `json:"machine_bound"`
	BLASNote     string          `json:"blas_note,omitempty"`
	LoadBefore   string          `json:"load_before,omitempty"`
	LoadAfter    string          `json:"load_after,omitempty"`
	GOMAXPROCS   int             `json:"gomaxprocs"`
	CPU          string          `json:"cpu"`
	GoVersion    string          `json:"go_version"`
	Peer         json.RawMessage `json:"peer,omitempty"`
	Ratio        *benchMLRatio   `json:"ratio,omitempty"`
}

type benchMLRatio struct {
	Train float64 `json:"train"`
	Manip float64 `json:"manip"`
}

// torchPeer holds the fields of bench/torch_disc.py's JSON that cgx reads.
type torchPeer struct {
	Peer         string  `json:"peer"`
	Version      string  `json:"version"`
	Kernels      string  `json:"kernels"`
	Threads      int     `json:"threads"`
	TrainImgPerS float64 `json:"train_img_per_s"`
	ManipImgPerS float64 `json:"manip_img_per_s"`
}

func init() {
	registerBench("ml", benchSub{
		summary: "discriminator training and fitting speed (vs PyTorch with --peer)",
		run: func(ctx context.Context, g *globals, args []string) error {
			var o benchMLOptions
			fs := g.newFlagSet("bench ml", benchMLUsage)
			fs.BoolVar(&o.json, "json", false, "print JSON")
			fs.StringVar(&o.peer, "peer", "", "PyTorch peer `script` to run after cgx's figures (bench/torch_disc.py)")
			fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python `interpreter` for --peer")
			fs.IntVar(&o.cfg.Steps, "steps", 10, "steps per timed round")
			fs.IntVar(&o.cfg.Rounds, "rounds", 5, "timed rounds (the figure is their median)")
			fs.IntVar(&o.cfg.Warmup, "warmup", 3, "untimed steps first")
			fs.IntVar(&o.cfg.Batch, "batch", 32, "images per step")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("bench ml takes no arguments, got %q", rest)
			}
			if o.cfg.Steps < 1 || o.cfg.Rounds < 1 || o.cfg.Batch < 1 || o.cfg.Warmup < 0 {
				return g.usageErrorf("bench ml: --steps, --rounds and --batch must be at least 1, --warmup at least 0")
			}
			if o.cfg.Warmup == 0 {
				o.cfg.Warmup = -1 // none; disc.BenchConfig reads 0 as its default
			}
			return runBenchML(ctx, g, o)
		},
	})
}

func runBenchML(ctx context.Context, g *globals, o benchMLOptions) error {
	bl, err := nn.DefaultBLAS()
	if err != nil {
		return err
	}
	loadBefore := benchMLLoad()
	fmt.Fprintf(g.stderr, "bench ml: %d rounds of %d steps, batch %d ...\n", o.cfg.Rounds, o.cfg.Steps, o.cfg.Batch)
	res, err := disc.Benchmark(ctx, o.cfg)
	if err != nil {
		return err
	}
	goV, _, _, cpu := tracker.BuildInfo()
	rep := benchMLReport{
		Subject: "ml", TrainImgPerS: res.TrainImgPerS, ManipImgPerS: res.ManipImgPerS,
		TrainRounds: res.TrainRounds, ManipRounds: res.ManipRounds,
		Batch: res.Batch, Size: res.Size, Steps: o.cfg.Steps, Rounds: o.cfg.Rounds,
		Kernels: res.Kernels, MachineBound: nn.MachineBound(bl), BLASNote: nn.DefaultBLASNote(), GOMAXPROCS: res.GOMAXPROCS,
		CPU: cpu, GoVersion: goV, LoadBefore: loadBefore,
	}
	if _, simd := nn.SIMD(); !nn.MachineBound(bl) {
		rep.Kernels += "; " + simd
	}
	var peer *torchPeer
	if o.peer != "" {
		fmt.Fprintf(g.stderr, "bench ml: running peer %s ...\n", o.peer)
		raw, p, err := runTorchPeer(ctx, o)
		if err != nil {
			return err
		}
		rep.Peer, peer = raw, p
		if p.TrainImgPerS > 0 && p.ManipImgPerS > 0 {
			rep.Ratio = &benchMLRatio{Train: rep.TrainImgPerS / p.TrainImgPerS, Manip: rep.ManipImgPerS / p.ManipImgPerS}
		}
	}
	rep.LoadAfter = benchMLLoad()
	if o.json {
		enc := json.NewEncoder(g.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	w := g.stdout
	fmt.Fprintf(w, "reference discriminator, %dx%d RGB, batch %d; median of %d rounds of %d steps\n", rep.Size, rep.Size, rep.Batch, rep.Rounds, rep.Steps)
	fmt.Fprintf(w, "cpu        %s, GOMAXPROCS %d, %s\n", benchMLOrDash(rep.CPU), rep.GOMAXPROCS, rep.GoVersion)
	fmt.Fprintf(w, "kernels    %s\n", rep.Kernels)
	if rep.BLASNote != "" {
		fmt.Fprintf(w, "note       %s\n", rep.BLASNote)
	}
	if rep.LoadBefore != "" {
		fmt.Fprintf(w, "load       %s before, %s after (1, 5, 15-minute averages)\n", rep.LoadBefore, rep.LoadAfter)
	}
	fmt.Fprintf(w, "train_img_per_s  %8.1f   rounds %s\n", rep.TrainImgPerS, benchMLRates(rep.TrainRounds))
	fmt.Fprintf(w, "manip_img_per_s  %8.1f   rounds %s\n", rep.ManipImgPerS, benchMLRates(rep.ManipRounds))
	if peer != nil {
		fmt.Fprintf(w, "peer       %s %s (%s), %d threads\n", peer.Peer, peer.Version, peer.Kernels, peer.Threads)
		fmt.Fprintf(w, "peer train_img_per_s %8.1f\n", peer.TrainImgPerS)
		fmt.Fprintf(w, "peer manip_img_per_s %8.1f\n", peer.ManipImgPerS)
		if rep.Ratio != nil {
			fmt.Fprintf(w, "ratio      train %.2fx, manip %.2fx (cgx / peer)\n", rep.Ratio.Train, rep.Ratio.Manip)
		}
	}
	return nil
}

// runTorchPeer runs the PyTorch script with --json and the same step
// counts, and returns its raw JSON and the fields cgx compares.
func runTorchPeer(ctx context.Context, o benchMLOptions) (json.RawMessage, *torchPeer, error) {
	cmd := exec.CommandContext(ctx, o.python, o.peer, "--json",
		"--steps", fmt.Sprint(o.cfg.Steps), "--rounds", fmt.Sprint(o.cfg.Rounds), "--warmup", fmt.Sprint(max(o.cfg.Warmup, 0)))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			msg = "is Debian's python3-torch installed (apt-get install -y python3-torch)?"
		}
		return nil, nil, fmt.Errorf("run peer %s with %s: %w: %s", o.peer, o.python, err, benchMLLastLine(msg))
	}
	var p torchPeer
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
		return nil, nil, fmt.Errorf("read peer %s output: %w", o.peer, err)
	}
	if p.TrainImgPerS <= 0 || p.ManipImgPerS <= 0 {
		return nil, nil, fmt.Errorf("read peer %s output: missing train_img_per_s or manip_img_per_s", o.peer)
	}
	return json.RawMessage(bytes.TrimSpace(stdout.Bytes())), &p, nil
}

// benchMLLoad returns the 1, 5 and 15-minute load averages from
// /proc/loadavg ("" where there is none): figures taken on a busy machine
// say so.
func benchMLLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func benchMLRates(v []float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%.0f", x)
	}
	return strings.Join(parts, " ")
}

func benchMLOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func benchMLLastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
