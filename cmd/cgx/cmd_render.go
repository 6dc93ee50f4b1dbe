package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/cgx-dev/cgx/blender"
	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
)

const renderUsage = `Usage: cgx render SCENE.json -o OUT.png [--mask MASK.png] [--backend embedded|blender]
                  [--size N] [--domain cg|real|identity] [--seed N] [--samples N]

Renders a scene (a file, or - for standard input) to a PNG. -o and --mask
replace a file atomically, follow links, write pipes and devices in place,
and need their folder to exist. --mask also writes
the instance mask: a grayscale PNG whose value is the object id, 0 for
background and shelf, objects numbered from 1 in the scene's order.

Backends:
  embedded  the built-in renderer (default): pure Go, deterministic, fast
  blender   the system's Blender with Cycles on the CPU (Debian package
            "blender"); same camera, geometry and mask convention, so the
            masks agree with the embedded ones

--size N renders N pixels high (the width keeps the camera's aspect ratio),
overriding the scene's camera resolution; 32 to 512.
--domain applies a style domain to the colour image (the mask is unchanged):
"cg" (greener, sharp, render noise), "real" (optical blur, sensor noise,
neutral colour) or another built-in domain (cgx dataset generate --help lists
them); --seed drives its noise.

Examples:
  cgx scene example > shelf.json
  cgx render shelf.json -o shelf.png --mask shelf-mask.png
  cgx render shelf.json -o small.png --size 64 --domain real
  cgx render shelf.json -o cycles.png --backend blender --samples 32
  cgx scene example --kind bottle | cgx render - -o bottle.png`

type renderOptions struct {
	out, mask, backend, domain string
	size, samples              int
	seed                       uint64
}

func init() {
	register(&command{name: "render", summary: "render a scene to PNG (colour and instance mask)", usage: renderUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o renderOptions
			fs := g.newFlagSet("render", renderUsage)
			fs.StringVar(&o.out, "o", "", "write the colour image to `OUT.png` (required)")
			fs.StringVar(&o.mask, "mask", "", "also write the instance mask to `MASK.png`")
			fs.StringVar(&o.backend, "backend", "embedded", "renderer: embedded or blender")
			fs.IntVar(&o.size, "size", 0, "render `N` pixels high, overriding the camera resolution")
			fs.StringVar(&o.domain, "domain", "", "apply a style domain: "+strings.Join(style.DomainNames(), ", "))
			fs.Uint64Var(&o.seed, "seed", 1, "seed of the domain's noise")
			fs.IntVar(&o.samples, "samples", 16, "Cycles samples per pixel (blender backend)")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) != 1 {
				return g.usageErrorf("render takes one scene file (or - for standard input); see 'cgx render --help'")
			}
			if o.out == "" {
				return g.usageErrorf("render needs -o OUT.png")
			}
			return runRender(ctx, g, o, rest[0])
		}})
}

func runRender(ctx context.Context, g *globals, o renderOptions, path string) error {
	var s scene.Scene
	var err error
	if path == "-" {
		data, rerr := io.ReadAll(os.Stdin)
		if rerr != nil {
			return fmt.Errorf("read scene from standard input: %w", rerr)
		}
		if s, err = scene.Decode(data); err != nil {
			return fmt.Errorf("standard input: %w", err)
		}
	} else if s, err = scene.ReadFile(path); err != nil {
		return err
	}
	if o.size != 0 {
		w := int(math.Round(float64(o.size) * float64(s.Camera.Width) / float64(s.Camera.Height)))
		s.Camera.Width, s.Camera.Height = w, o.size
		if err := s.Validate(); err != nil {
			return fmt.Errorf("--size %d: %w", o.size, err)
		}
	}
	var r blender.Renderer
	switch o.backend {
	case "embedded":
		r = &blender.Embedded{}
	case "blender":
		r = &blender.Cycles{Samples: o.samples}
	default:
		return g.usageErrorf("--backend %q: want embedded or blender", o.backend)
	}
	var dom *style.Domain
	if o.domain != "" {
		d, err := style.DomainByName(o.domain)
		if err != nil {
			return err
		}
		dom = &d
	}
	frames, err := r.Render(ctx, []scene.Scene{s})
	if err != nil {
		return err
	}
	img := frames[0].RGB
	if dom != nil {
		if img, err = dom.Apply(img, o.seed); err != nil {
			return err
		}
	}
	if err := imageio.WritePNG(ctx, o.out, img); err != nil {
		return err
	}
	fmt.Fprintf(g.stdout, "%s: %dx%d, %s, %s backend", safeText(o.out), s.Camera.Width, s.Camera.Height, nounCount(len(s.Objects), "object"), r.Name())
	if dom != nil {
		fmt.Fprintf(g.stdout, ", %s domain", dom.Name)
	}
	fmt.Fprintln(g.stdout)
	if o.mask != "" {
		if err := imageio.WritePNG(ctx, o.mask, frames[0].Mask); err != nil {
			return err
		}
		visible := map[uint8]bool{}
		for _, id := range frames[0].Mask.Pix {
			if id != 0 {
				visible[id] = true
			}
		}
		fmt.Fprintf(g.stdout, "%s: instance mask, %d of %d objects visible\n", safeText(o.mask), len(visible), len(s.Objects))
	}
	return nil
}

// countNoun writes "1 object", "2 objects".
func nounCount(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
