package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/cgx-dev/cgx/blender/scene"
)

const sceneUsage = `Usage: cgx scene example [--kind bottle|shelf] [--size N]
       cgx scene validate SCENE.json...
       cgx scene products [--json]

example prints a valid scene to start from: "bottle" is experiment 1's 500 ml
bottle standing on a table, "shelf" (the default) experiment 2's two-level
shelf with six products arranged by the shelf rule. Edit it and render it with
'cgx render'.

validate checks scene files and prints each one's digest (the SHA-256 naming
its content); errors name the field or object and the allowed range.

products lists the product kinds with their real dimensions.

Scenes are JSON: units are metres and degrees, +Z is up, the camera usually
looks along +Y at the shelf. An object's position is the centre of its
bounding box, its rotation Euler XYZ in degrees (Blender's convention):
rotation [90, 0, 0] lays a product down with its top towards the camera.
Colours are "#rrggbb"; left out, they take the product's defaults.

Examples:
  cgx scene example > shelf.json
  cgx scene example --kind bottle --size 128 | cgx render - -o bottle.png
  cgx scene validate shelf.json
  cgx scene products`

type sceneOptions struct {
	kind string
	size int
	json bool
}

func init() {
	register(&command{name: "scene", summary: "print an example scene, validate scenes, list products", usage: sceneUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
				fmt.Fprintln(g.stderr, sceneUsage)
				if len(args) == 0 {
					return errUsage
				}
				return nil
			}
			var o sceneOptions
			fs := g.newFlagSet("scene "+args[0], sceneUsage)
			switch args[0] {
			case "example":
				fs.StringVar(&o.kind, "kind", "shelf", "scene `kind`: "+strings.Join(scene.ExampleKinds, " or "))
				fs.IntVar(&o.size, "size", 256, "image side in `pixels` (32..512)")
			case "products":
				fs.BoolVar(&o.json, "json", false, "print JSON")
			case "validate":
			default:
				return g.usageErrorf("unknown scene command %q; use example, validate or products", args[0])
			}
			rest, err := parseFlags(fs, args[1:])
			if err != nil {
				return err
			}
			return runScene(ctx, g, args[0], o, rest)
		}})
}

func runScene(_ context.Context, g *globals, sub string, o sceneOptions, args []string) error {
	switch sub {
	case "example":
		if len(args) > 0 {
			return g.usageErrorf("scene example takes no arguments")
		}
		s, err := scene.Example(o.kind, o.size)
		if err != nil {
			return err
		}
		// Spell out the default colours so they are there to edit.
		b, err := s.Normalize().EncodeJSON()
		if err != nil {
			return err
		}
		_, err = g.stdout.Write(b)
		return err
	case "validate":
		if len(args) == 0 {
			return g.usageErrorf("scene validate takes one or more scene files")
		}
		failed := 0
		for _, p := range args {
			s, err := scene.ReadFile(p)
			if err != nil {
				fmt.Fprintf(g.stderr, "cgx scene validate: %v\n", err)
				failed++
				continue
			}
			fmt.Fprintf(g.stdout, "%s: ok, %d objects, %dx%d, digest %s\n", p, len(s.Objects), s.Camera.Width, s.Camera.Height, s.Digest())
		}
		if failed > 0 {
			return errSilentFailure
		}
		return nil
	default: // products
		kinds := scene.ProductKinds()
		if o.json {
			type product struct {
				Name    string  `json:"name"`
				Shape   string  `json:"shape"`
				Litres  float64 `json:"litres"`
				HeightM float64 `json:"height_m"`
				WidthM  float64 `json:"width_m"`
				Small   bool    `json:"small"`
				Body    string  `json:"body"`
				Cap     string  `json:"cap"`
				Label   string  `json:"label"`
			}
			out := make([]product, len(kinds))
			for i, k := range kinds {
				out[i] = product{k.Name, string(k.Shape), k.Litres, k.Height, k.Width, k.Small(), k.Body.String(), k.Cap.String(), k.Label.String()}
			}
			enc := json.NewEncoder(g.stdout)
			enc.SetIndent("", "  ")
			return enc.Encode(out)
		}
		tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tSHAPE\tVOLUME\tHEIGHT\tWIDTH\tSHELF RULE\tCOLOURS (body cap label)")
		for _, k := range kinds {
			rule := "large: bottom, lying"
			if k.Small() {
				rule = "small: top, standing"
			}
			fmt.Fprintf(tw, "%s\t%s\t%g L\t%.0f mm\t%.0f mm\t%s\t%s %s %s\n", k.Name, k.Shape, k.Litres, k.Height*1000, k.Width*1000, rule, k.Body, k.Cap, k.Label)
		}
		return tw.Flush()
	}
}
