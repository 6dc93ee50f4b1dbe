package blender

import (
	"context"
	"fmt"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/blender/scene"
)

// BenchConfig sets up the render benchmark: the same experiment-2 shelf
// scenes (six products each) rendered by both backends.
type BenchConfig struct {
	Size   int // image side in pixels; 0 means 64
	Scenes int // distinct scenes in the embedded batch; 0 means 256
	Rounds int // embedded rounds, each at least MinRound long; 0 means 5
	// MinRound is the least wall time of one embedded round; 0 means 0.5 s.
	MinRound time.Duration
	// Workers for the embedded renderer; 0 means GOMAXPROCS.
	Workers int
	// Cycles, when set, is measured too: pairs of batches of BlenderScenes
	// and 3×BlenderScenes scenes, each in one Blender process, the cost per
	// image taken from their difference (median over BlenderRounds pairs),
	// so process start-up is reported apart and not charged to every image.
	Cycles        *Cycles
	BlenderScenes int // 0 means 8
	BlenderRounds int // pairs of batches; the median cost per image is kept; 0 means 3
}

// BenchResult holds the figures; rates are images per second of wall time.
type BenchResult struct {
	Size            int       `json:"size"`
	Scenes          int       `json:"scenes"`
	Objects         int       `json:"objects_per_scene"`
	Workers         int       `json:"workers"`
	EmbeddedImgPerS float64   `json:"embedded_img_per_s"` // median of the rounds
	EmbeddedRounds  []float64 `json:"embedded_rounds"`
	BlenderImgPerS  float64   `json:"blender_img_per_s,omitempty"`
	BlenderStartupS float64   `json:"blender_startup_s,omitempty"`
	BlenderSamples  int       `json:"blender_samples,omitempty"`
	BlenderScenes   []int     `json:"blender_batches,omitempty"`
	BlenderRounds   []float64 `json:"blender_rounds,omitempty"` // img/s of each pair of batches
	BlenderVersion  string    `json:"blender_version,omitempty"`
	BlenderNote     string    `json:"blender_note,omitempty"` // why Blender was not measured
	Ratio           float64   `json:"ratio,omitempty"`        // embedded / blender
}

// BenchScenes returns n experiment-2 shelf scenes at size×size pixels: the
// scenes both backends are measured on.
func BenchScenes(n, size int) []scene.Scene {
	out := make([]scene.Scene, n)
	for i := range out {
		// exp2-shelf is a built-in generator, so scene.Generate cannot fail.
		out[i], _ = scene.Generate("exp2-shelf", 1, i, size)
	}
	return out
}

// BenchRender measures the embedded renderer and, if configured, Cycles on
// the same scenes.
func BenchRender(ctx context.Context, cfg BenchConfig) (BenchResult, error) {
	if cfg.Size == 0 {
		cfg.Size = 64
	}
	if cfg.Scenes == 0 {
		cfg.Scenes = 256
	}
	if cfg.Rounds == 0 {
		cfg.Rounds = 5
	}
	if cfg.MinRound == 0 {
		cfg.MinRound = 500 * time.Millisecond
	}
	if cfg.BlenderScenes == 0 {
		cfg.BlenderScenes = 8
	}
	if cfg.BlenderRounds == 0 {
		cfg.BlenderRounds = 3
	}
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	scenes := BenchScenes(cfg.Scenes, cfg.Size)
	res := BenchResult{Size: cfg.Size, Scenes: cfg.Scenes, Objects: len(scenes[0].Objects), Workers: workers}
	emb := &Embedded{Workers: workers}
	if _, err := emb.Render(ctx, scenes); err != nil { // warm up
		return res, err
	}
	for range cfg.Rounds {
		n := 0
		start := time.Now()
		for time.Since(start) < cfg.MinRound {
			if _, err := emb.Render(ctx, scenes); err != nil {
				return res, err
			}
			n += len(scenes)
		}
		res.EmbeddedRounds = append(res.EmbeddedRounds, float64(n)/time.Since(start).Seconds())
	}
	res.EmbeddedImgPerS = median(res.EmbeddedRounds)
	if cfg.Cycles == nil {
		res.BlenderNote = "not measured"
		return res, nil
	}
	if err := cfg.Cycles.Available(); err != nil {
		res.BlenderNote = err.Error()
		return res, nil
	}
	res.BlenderVersion = cfg.Cycles.Version(ctx)
	res.BlenderSamples = cfg.Cycles.samples()
	n1, n2 := cfg.BlenderScenes, 3*cfg.BlenderScenes
	res.BlenderScenes = []int{n1, n2}
	var costs, startups []float64
	for range cfg.BlenderRounds {
		var times [2]float64
		for k, n := range res.BlenderScenes {
			start := time.Now()
			if _, err := cfg.Cycles.Render(ctx, BenchScenes(n, cfg.Size)); err != nil {
				return res, fmt.Errorf("bench blender: %w", err)
			}
			times[k] = time.Since(start).Seconds()
		}
		perImage := (times[1] - times[0]) / float64(n2-n1)
		if perImage <= 0 {
			return res, fmt.Errorf("bench blender: %d scenes took %.2fs, %d took %.2fs: machine too busy to measure; rerun", n1, times[0], n2, times[1])
		}
		costs = append(costs, perImage)
		startups = append(startups, times[0]-float64(float64(n1)*perImage))
		res.BlenderRounds = append(res.BlenderRounds, 1/perImage)
	}
	res.BlenderImgPerS = 1 / median(costs)
	res.BlenderStartupS = median(startups)
	res.Ratio = res.EmbeddedImgPerS / res.BlenderImgPerS
	return res, nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Version returns the first line of 'blender --version', or "" if it
// cannot be run.
func (c *Cycles) Version(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, c.exe(), "--version").Output()
	if err != nil {
		return ""
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return strings.TrimSpace(line)
}

func (c *Cycles) samples() int {
	if c.Samples <= 0 {
		return 16
	}
	return c.Samples
}
