package blender

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/internal/fmath"
)

//go:embed cycles.py
var cyclesScript []byte

// Cycles renders scenes with the system's Blender (Debian package
// "blender", 3.4) using Cycles on the CPU. One Blender process renders the
// whole batch given to Render; the scenes travel in a JSON file, never on
// the command line.
//
// Geometry, camera and pixel convention are the embedded renderer's: the
// batch file carries the same triangles and normals (at the same level of
// detail), the same world matrices and the same pinhole camera (vertical
// field of view, principal point at the image centre). The colour pass uses
// Samples samples with Blackman-Harris filtering, no denoiser (the Debian
// build has no OpenImageDenoise), shadows off and no bounces; the mask pass
// traces one ray through each pixel centre and reads Cycles' object index
// pass, which holds exact integer ids.
type Cycles struct {
	// Exec is the Blender executable; "" means "blender" on PATH.
	Exec string
	// Samples per pixel of the colour pass; 0 means 16.
	Samples int
	// Threads for Cycles; 0 lets Blender use every core.
	Threads int
	// Log, when set, receives Blender's output as it runs.
	Log io.Writer
}

var _ Renderer = (*Cycles)(nil)

// Name returns "blender".
func (c *Cycles) Name() string { return "blender" }

// Available reports whether the Blender executable can be found, with
// ErrBlenderMissing when it cannot.
func (c *Cycles) Available() error {
	if _, err := exec.LookPath(c.exe()); err != nil {
		return ErrBlenderMissing
	}
	return nil
}

func (c *Cycles) exe() string {
	if c.Exec == "" {
		return "blender"
	}
	return c.Exec
}

// Render renders the scenes in one Blender process; see Renderer.
func (c *Cycles) Render(ctx context.Context, scenes []scene.Scene) ([]Frame, error) {
	prepared := make([]*preparedScene, len(scenes))
	for i, s := range scenes {
		p, err := prepare(s)
		if err != nil {
			return nil, fmt.Errorf("render scene %d: %w", i, err)
		}
		prepared[i] = p
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("render: %w", err)
	}
	exe, err := exec.LookPath(c.exe())
	if err != nil {
		return nil, ErrBlenderMissing
	}
	if len(scenes) == 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", "cgx-cycles-")
	if err != nil {
		return nil, fmt.Errorf("blender backend: %w", err)
	}
	defer os.RemoveAll(dir)

	b := c.batch(scenes, prepared, dir)
	data, err := json.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("blender backend: encode batch: %w", err)
	}
	batchPath, scriptPath := filepath.Join(dir, "batch.json"), filepath.Join(dir, "cycles.py")
	if err := os.WriteFile(batchPath, data, 0o644); err != nil {
		return nil, fmt.Errorf("blender backend: %w", err)
	}
	if err := os.WriteFile(scriptPath, cyclesScript, 0o644); err != nil {
		return nil, fmt.Errorf("blender backend: %w", err)
	}
	cmd := exec.CommandContext(ctx, exe, "-b", "--factory-startup", "-noaudio",
		"--python-exit-code", "1", "--python", scriptPath, "--", batchPath)
	cmd.Dir = dir
	tail := &tailBuffer{max: 4096}
	var out io.Writer = tail
	if c.Log != nil {
		out = io.MultiWriter(tail, c.Log)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("render: %w", ctx.Err())
		}
		return nil, fmt.Errorf("%w: %v: %s", ErrBlender, err, tail.lastLines(6))
	}
	frames := make([]Frame, len(scenes))
	for i, fr := range b.Frames {
		f, err := readCyclesFrame(fr)
		if err != nil {
			return nil, fmt.Errorf("%w: frame %d: %v: %s", ErrBlender, i, err, tail.lastLines(6))
		}
		frames[i] = f
	}
	return frames, nil
}

// cyclesBatch is the batch file cycles.py reads. Matrices are row-major
// 4×4; colours are linear RGB.
type cyclesBatch struct {
	Samples   int                   `json:"samples"`
	Threads   int                   `json:"threads"`
	ClipStart float64               `json:"clip_start"`
	Meshes    map[string]cyclesMesh `json:"meshes"`
	Frames    []cyclesFrame         `json:"frames"`
}

type cyclesMesh struct {
	Pos  []float64 `json:"pos"`
	Nrm  []float64 `json:"nrm"`
	Tris []int32   `json:"tris"`
	Mat  []int     `json:"mat"`
}

type cyclesFrame struct {
	Width      int           `json:"width"`
	Height     int           `json:"height"`
	Lens       float64       `json:"lens"` // mm, for a 24 mm vertical sensor
	Camera     [16]float64   `json:"camera"`
	Background [3]float64    `json:"background"`
	Ambient    [3]float64    `json:"ambient"`
	Lights     []cyclesLight `json:"lights"`
	Parts      []cyclesPart  `json:"parts"`
	RGB        string        `json:"rgb"`
	Mask       string        `json:"mask"`
}

type cyclesLight struct {
	Direction scene.Vec3 `json:"direction"`
	Color     [3]float64 `json:"color"`
	Strength  float64    `json:"strength"`
}

type cyclesPart struct {
	Mesh   string        `json:"mesh"`
	Matrix [16]float64   `json:"matrix"`
	ID     int           `json:"id"`
	Albedo [4][3]float64 `json:"albedo"`
}

func (c *Cycles) batch(scenes []scene.Scene, prepared []*preparedScene, dir string) *cyclesBatch {
	b := &cyclesBatch{Samples: c.samples(), Threads: c.Threads, ClipStart: scene.NearClip, Meshes: map[string]cyclesMesh{}}
	names := map[*scene.Mesh]string{}
	meshName := func(m *scene.Mesh) string {
		if n, ok := names[m]; ok {
			return n
		}
		n := fmt.Sprintf("m%d", len(names))
		names[m] = n
		cm := cyclesMesh{Tris: make([]int32, 0, 3*len(m.Tris)), Mat: make([]int, len(m.Mat))}
		for i := range m.Pos {
			cm.Pos = append(cm.Pos, m.Pos[i][:]...)
			cm.Nrm = append(cm.Nrm, m.Normals[i][:]...)
		}
		for i, t := range m.Tris {
			cm.Tris = append(cm.Tris, t[:]...)
			cm.Mat[i] = int(m.Mat[i])
		}
		b.Meshes[n] = cm
		return n
	}
	for i, ps := range prepared {
		n := scenes[i].Normalize()
		fr := cyclesFrame{
			Width: ps.cam.Width, Height: ps.cam.Height,
			Lens:       12 / fmath.Tan(n.Camera.FOV*math.Pi/360),
			Camera:     flatten(ps.cam.BlenderMatrix()),
			Background: ps.bg, Ambient: ps.ambient,
			Lights: []cyclesLight{}, Parts: []cyclesPart{},
			RGB:  filepath.Join(dir, fmt.Sprintf("frame-%05d.png", i)),
			Mask: filepath.Join(dir, fmt.Sprintf("frame-%05d-mask.png", i)),
		}
		for _, l := range n.Lights {
			fr.Lights = append(fr.Lights, cyclesLight{Direction: l.Direction.Unit(), Color: l.Color.Linear(), Strength: l.Intensity})
		}
		for _, p := range ps.parts {
			var m [4][4]float64
			for r := range 3 {
				m[r] = [4]float64{p.rot[r][0], p.rot[r][1], p.rot[r][2], p.trans[r]}
			}
			m[3][3] = 1
			fr.Parts = append(fr.Parts, cyclesPart{Mesh: meshName(p.mesh), Matrix: flatten(m), ID: int(p.id), Albedo: p.albedo})
		}
		b.Frames = append(b.Frames, fr)
	}
	return b
}

func flatten(m [4][4]float64) [16]float64 {
	var f [16]float64
	for r := range 4 {
		copy(f[4*r:], m[r][:])
	}
	return f
}

func readCyclesFrame(fr cyclesFrame) (Frame, error) {
	data, err := os.ReadFile(fr.RGB)
	if err != nil {
		return Frame{}, fmt.Errorf("read colour pass: %w", err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return Frame{}, fmt.Errorf("decode colour pass: %w", err)
	}
	rgb := imageio.NRGBA(img)
	if rgb.Rect.Dx() != fr.Width || rgb.Rect.Dy() != fr.Height {
		return Frame{}, fmt.Errorf("colour pass is %v, want %dx%d", rgb.Rect.Size(), fr.Width, fr.Height)
	}
	data, err = os.ReadFile(fr.Mask)
	if err != nil {
		return Frame{}, fmt.Errorf("read mask pass: %w", err)
	}
	img, err = png.Decode(bytes.NewReader(data))
	if err != nil {
		return Frame{}, fmt.Errorf("decode mask pass: %w", err)
	}
	mask, err := imageio.Mask(img)
	if err != nil {
		return Frame{}, fmt.Errorf("mask pass: %w", err)
	}
	if mask.Rect != rgb.Rect {
		return Frame{}, fmt.Errorf("mask pass is %v, want %v", mask.Rect.Size(), rgb.Rect.Size())
	}
	return Frame{RGB: rgb, Mask: mask}, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

// lastLines returns up to n non-empty trailing lines joined by " | ".
func (t *tailBuffer) lastLines(n int) string {
	lines := strings.Split(strings.TrimSpace(string(t.buf)), "\n")
	var keep []string
	for i := len(lines) - 1; i >= 0 && len(keep) < n; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			keep = append([]string{l}, keep...)
		}
	}
	if len(keep) == 0 {
		return "no output"
	}
	return strings.Join(keep, " | ")
}
