package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cgx-dev/cgx/blender/datasets"
	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/blender/style"
	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const datasetUsage = `Usage: cgx dataset generate --generator G [--count N] [--size N] [--seed N] [--domain D]
                          [--domain-json FILE] [--masks] [--renderer R] [--storage S]
                          [--workers N] [--json]
       cgx dataset folder DIR [--masks DIR|COCO.json] [--size N] [--policy P] [--label L]
                          [--max-pixels N] [--json]
       cgx dataset ls [--json]
       cgx dataset show ID [--json]
       cgx dataset export ID -o DIR [--masks]

generate renders a dataset and stores its images (PNG), masks and manifest in
the database. Generators:
  products       random products on the two-level shelf (style sets, segmentation)
  exp1-lying     experiment 1: one 500 ml bottle lying on a table
  exp1-standing  experiment 1: the same bottle standing (same positions per seed)
  exp2-shelf     experiment 2: small items standing on top, large items lying
                 at the bottom facing the camera (the shelf rule)
  exp2-random    experiment 2: the same products and base positions, random
                 order and orientation
--domain applies a style domain: cg (greener, sharp, render noise), real
(optical blur, sensor noise, neutral colour), identity, cg-varied (cg with its
cast, blur and noise drawn per image), or the blur-only pair cg-varied-blur and
real-blur (docs/MANIPULATIONS.md); --domain-json reads
the parameters from a JSON file instead (see docs/DATASETS.md). The domain's
parameters are stored with the dataset, so reports can score how well fitted
manipulations recover the gap between two domains.
--storage regenerate keeps only the images' digests: they are rendered again
when read and must hash to the recorded digest (embedded renderer only).
Generating a dataset that is already stored is a cache hit: same spec, same
digest, nothing rendered.

folder makes a dataset from a directory of PNG/JPEG images, with optional
instance masks: a directory of PNG id maps named like the images (NAME.png,
value = instance id, 0 = background) or a COCO instances JSON file (polygon or
RLE). Images of mixed sizes are brought to --size by --policy: crop (default;
scale the shorter side, crop the centre), pad (scale the longer side, pad with
black) or stretch. Errors name the file at fault. Only regular files (and links
to them) are read: a pipe or device named like an image is skipped with a note.
An image or mask whose header declares more than --max-pixels pixels (default
$CGX_MAX_PIXELS, else 67108864 = 8192x8192) is refused before it is decoded.

ls lists stored datasets; show prints one (ID: a manifest id or spec digest,
or a unique prefix of 8 or more characters); export writes its images (and
masks) as PNG files to look at.

Examples:
  cgx dataset generate --generator products --domain cg --count 1000
  cgx dataset generate --generator exp2-shelf --count 10000 --size 64 --seed 1
  cgx dataset generate --generator products --domain real --masks --count 200 --json
  cgx dataset folder photos/ --masks photos/instances.json --size 128
  cgx dataset ls
  cgx dataset show 3fa2b91c
  cgx dataset export 3fa2b91c -o /tmp/look --masks`

type datasetOptions struct {
	spec       datasets.Spec
	domain     string
	domainJSON string
	workers    int
	json       bool
	// folder
	folder    datasets.FolderSpec
	maxPixels int
	// export
	out   string
	masks bool
}

func init() {
	register(&command{name: "dataset", summary: "generate datasets, read image folders, list and show them", usage: datasetUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
				fmt.Fprintln(g.stderr, datasetUsage)
				if len(args) == 0 {
					return errUsage
				}
				return nil
			}
			var o datasetOptions
			fs := g.newFlagSet("dataset "+args[0], datasetUsage)
			switch args[0] {
			case "generate":
				fs.StringVar(&o.spec.Generator, "generator", "", "scene `family`: "+strings.Join(scene.Generators, ", "))
				fs.IntVar(&o.spec.Count, "count", 100, "number of images")
				fs.IntVar(&o.spec.Size, "size", 64, "image side in `pixels` (32..512)")
				fs.Int64Var(&o.spec.Seed, "seed", 1, "seed of the scenes and the domain noise")
				fs.StringVar(&o.domain, "domain", "cg", "style `domain`: "+strings.Join(style.DomainNames(), ", "))
				fs.StringVar(&o.domainJSON, "domain-json", "", "read the domain parameters from `FILE` (overrides --domain)")
				fs.BoolVar(&o.spec.Masks, "masks", false, "store instance masks (for segmentation)")
				fs.StringVar(&o.spec.Renderer, "renderer", "embedded", "renderer: embedded or blender")
				fs.StringVar(&o.spec.Storage, "storage", datasets.StoreArtifacts, "artifacts (store images) or regenerate (store digests only)")
				fs.IntVar(&o.workers, "workers", 0, "parallel workers, 0 (all cores) to 256; never changes the bytes")
				fs.BoolVar(&o.json, "json", false, "print the result as JSON")
			case "folder":
				fs.StringVar(&o.folder.Masks, "masks", "", "instance masks: a `DIR` of PNG id maps or a COCO JSON file")
				fs.IntVar(&o.folder.Size, "size", 64, "image side in `pixels` (32..512)")
				fs.StringVar(&o.folder.Policy, "policy", datasets.PolicyCrop, "resize `policy`: "+strings.Join(datasets.Policies, ", "))
				fs.StringVar(&o.folder.Label, "label", "", "label of the images (default: the folder's name)")
				fs.IntVar(&o.maxPixels, "max-pixels", 0, "refuse an image or mask of more than `N` pixels (0 = $"+datasets.MaxPixelsEnv+", else "+strconv.Itoa(datasets.DefaultMaxPixels)+")")
				fs.IntVar(&o.workers, "workers", 0, "parallel workers, 0 (all cores) to 256")
				fs.BoolVar(&o.json, "json", false, "print the result as JSON")
			case "ls", "show":
				fs.BoolVar(&o.json, "json", false, "print JSON")
			case "export":
				fs.StringVar(&o.out, "o", "", "write the PNG files into `DIR` (created if its parent folder exists)")
				fs.BoolVar(&o.masks, "masks", false, "also write the masks (NNNNN-mask.png)")
			default:
				return g.usageErrorf("unknown dataset command %q; use generate, folder, ls, show or export", args[0])
			}
			rest, err := parseFlags(fs, args[1:])
			if err != nil {
				return err
			}
			if err := checkWorkers(g, o.workers); err != nil {
				return err
			}
			return runDataset(ctx, g, args[0], o, rest)
		}})
}

func runDataset(ctx context.Context, g *globals, sub string, o datasetOptions, args []string) error {
	switch sub {
	case "generate":
		if len(args) > 0 {
			return g.usageErrorf("dataset generate takes flags only; got %q", args[0])
		}
		if o.spec.Generator == "" {
			return g.usageErrorf("dataset generate needs --generator (%s)", strings.Join(scene.Generators, ", "))
		}
		return runDatasetGenerate(ctx, g, o)
	case "folder":
		if len(args) != 1 {
			return g.usageErrorf("dataset folder takes one directory")
		}
		if o.maxPixels < 0 {
			return g.usageErrorf("--max-pixels %d: want a positive number of pixels (0 = the default)", o.maxPixels)
		}
		o.folder.Dir = args[0]
		return runDatasetFolder(ctx, g, o)
	case "ls":
		if len(args) > 0 {
			return g.usageErrorf("dataset ls takes no arguments")
		}
		return runDatasetList(ctx, g, o.json)
	case "show":
		if len(args) != 1 {
			return g.usageErrorf("dataset show takes one dataset id ('cgx dataset ls' lists them)")
		}
		return runDatasetShow(ctx, g, args[0], o.json)
	default: // export
		if len(args) != 1 || o.out == "" {
			return g.usageErrorf("dataset export takes one dataset id and -o DIR")
		}
		return runDatasetExport(ctx, g, args[0], o)
	}
}

// progressPrinter reports progress on stderr at most every two seconds and
// at the end.
func datasetProgress(g *globals, what string) func(done, total int) {
	var last time.Time
	start := time.Now()
	what = safeText(what)
	return func(done, total int) {
		if done < total && time.Since(last) < 2*time.Second {
			return
		}
		last = time.Now()
		fmt.Fprintf(g.stderr, "%s: %d/%d images (%.0f%%, %s)\n", what, done, total, 100*float64(done)/float64(total), time.Since(start).Round(100*time.Millisecond))
	}
}

func runDatasetGenerate(ctx context.Context, g *globals, o datasetOptions) (err error) {
	if o.domainJSON != "" {
		data, err := os.ReadFile(o.domainJSON)
		if err != nil {
			return fmt.Errorf("read domain: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o.spec.Domain); err != nil {
			return fmt.Errorf("%s: decode domain parameters: %w", o.domainJSON, err)
		}
	} else {
		d, err := style.DomainByName(o.domain)
		if err != nil {
			return err
		}
		o.spec.Domain = d
	}
	if err := o.spec.Validate(); err != nil {
		return err
	}
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	res, err := datasets.Generate(ctx, st, o.spec, datasets.GenerateOptions{Workers: o.workers,
		Progress: datasetProgress(g, "generate "+o.spec.Generator)})
	if err != nil {
		return err
	}
	return printGenerated(g, res, o.json)
}

func runDatasetFolder(ctx context.Context, g *globals, o datasetOptions) (err error) {
	if err := o.folder.Validate(); err != nil {
		return err
	}
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	res, err := datasets.FromFolder(ctx, st, o.folder, datasets.GenerateOptions{Workers: o.workers,
		Progress: datasetProgress(g, "folder "+o.folder.Dir)},
		datasets.WithMaxPixels(o.maxPixels),
		datasets.WithNotes(func(note string) { fmt.Fprintf(g.stderr, "cgx dataset folder: note: %s\n", safeText(note)) }))
	if err != nil {
		return err
	}
	return printGenerated(g, res, o.json)
}

// datasetJSON is the --json form of a dataset: its manifest id and manifest.
type datasetJSON struct {
	ID       tracker.ID         `json:"id"`
	Cached   bool               `json:"cached"`
	Manifest *datasets.Manifest `json:"manifest"`
}

func printGenerated(g *globals, res datasets.GenerateResult, asJSON bool) error {
	if asJSON {
		return datasetWriteJSON(g, datasetJSON{ID: res.ID, Cached: res.Cached, Manifest: res.Manifest})
	}
	verb := "stored"
	if res.Cached {
		verb = "already stored (cache hit, nothing rendered)"
	}
	fmt.Fprintf(g.stdout, "dataset %s %s: %s\n", res.ID, verb, describeManifest(res.Manifest))
	fmt.Fprintf(g.stdout, "show it with 'cgx dataset show %s'\n", res.ID.String()[:12])
	return nil
}

func datasetWriteJSON(g *globals, v any) error {
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// describeManifest summarises a manifest in one line.
func describeManifest(m *datasets.Manifest) string {
	masks := "no masks"
	if m.HasMasks() {
		masks = "with masks"
	}
	if m.Source == "folder" {
		return fmt.Sprintf("%s from folder %s, %dx%d (%s), label %q, %s",
			nounCount(len(m.Images), "image"), safeText(m.Folder.Dir), m.Size, m.Size, m.Folder.Policy, m.Folder.Label, masks)
	}
	s := m.Spec
	return fmt.Sprintf("%s %s, %dx%d, seed %d, domain %s, %s renderer, %s",
		nounCount(len(m.Images), "image"), s.Generator, m.Size, m.Size, s.Seed, s.Domain.Name, s.Renderer, masks)
}

func runDatasetList(ctx context.Context, g *globals, asJSON bool) (err error) {
	st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
	if errors.Is(err, tracker.ErrNotFound) {
		if asJSON {
			return datasetWriteJSON(g, []datasets.Info{})
		}
		fmt.Fprintf(g.stdout, "no database at %s yet; make a dataset with 'cgx dataset generate --generator products'\n", g.dbName())
		return nil
	}
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	list, err := datasets.List(ctx, st)
	if err != nil {
		return err
	}
	if asJSON {
		return datasetWriteJSON(g, list)
	}
	if len(list) == 0 {
		fmt.Fprintln(g.stdout, "no datasets yet; make one with 'cgx dataset generate --generator products'")
		return nil
	}
	tw := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSPEC DIGEST\tRUN\tDATASET")
	for _, d := range list {
		run := "-"
		if d.RunID != 0 {
			run = fmt.Sprint(d.RunID)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", d.ID.String()[:12], d.SpecDigest[:min(12, len(d.SpecDigest))], run, safeText(d.Summary))
	}
	return tw.Flush()
}

// resolveDataset finds the dataset whose manifest id or spec digest starts
// with ref.
func resolveDataset(ctx context.Context, st datasets.ArtifactStore, ref string) (tracker.ID, error) {
	ref = strings.ToLower(ref)
	if len(ref) < 8 || strings.Trim(ref, "0123456789abcdef") != "" {
		return tracker.ID{}, fmt.Errorf("%q is not a dataset id: give 8 to 64 hex characters ('cgx dataset ls' lists them)", ref)
	}
	list, err := datasets.List(ctx, st)
	if err != nil {
		return tracker.ID{}, err
	}
	var found []tracker.ID
	for _, d := range list {
		if strings.HasPrefix(d.ID.String(), ref) || strings.HasPrefix(d.SpecDigest, ref) {
			found = append(found, d.ID)
		}
	}
	switch len(found) {
	case 0:
		return tracker.ID{}, fmt.Errorf("no dataset id or spec digest starts with %s ('cgx dataset ls' lists them): %w", ref, tracker.ErrNotFound)
	case 1:
		return found[0], nil
	}
	return tracker.ID{}, fmt.Errorf("%d datasets match %s; give more characters", len(found), ref)
}

func openDataset(ctx context.Context, g *globals, ref string) (backend.DB, *datasets.Dataset, error) {
	st, err := openDB(ctx, g, backend.Options{ReadOnly: true})
	if err != nil {
		return nil, nil, err
	}
	id, err := resolveDataset(ctx, st, ref)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	ds, err := datasets.Open(ctx, st, id)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return st, ds, nil
}

func runDatasetShow(ctx context.Context, g *globals, ref string, asJSON bool) (err error) {
	st, ds, err := openDataset(ctx, g, ref)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	m := ds.Manifest()
	if asJSON {
		return datasetWriteJSON(g, datasetJSON{ID: ds.ID(), Manifest: m})
	}
	w := tabwriter.NewWriter(g.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "dataset\t%s\n", ds.ID())
	fmt.Fprintf(w, "summary\t%s\n", describeManifest(m))
	fmt.Fprintf(w, "spec digest\t%s (%s)\n", m.SpecDigest, m.Generator)
	if m.Source == "generate" {
		s := m.Spec
		fmt.Fprintf(w, "generator\t%s, %d images, %dpx, seed %d, renderer %s, storage %s\n", s.Generator, s.Count, s.Size, s.Seed, s.Renderer, s.Storage)
		d := s.Domain
		fmt.Fprintf(w, "domain %s\tgain %v offset %v exposure %v gamma %v\n", d.Name, d.Gain, d.Offset, d.Exposure, d.Gamma)
		fmt.Fprintf(w, "\tblur %v px, chromatic aberration %v px, vignetting %v\n", d.BlurSigma, d.ChromaticAberration, d.Vignetting)
		fmt.Fprintf(w, "\tshot noise %v, read noise %v, render noise %v, JPEG quality %d\n", d.ShotNoise, d.ReadNoise, d.RenderNoise, d.JPEGQuality)
	} else {
		f := m.Folder
		masks := f.Masks
		if masks == "" {
			masks = "none"
		}
		fmt.Fprintf(w, "folder\t%s, masks %s, %dpx, policy %s\n", safeText(f.Dir), safeText(masks), f.Size, f.Policy)
	}
	counts := map[string]int{}
	objects := 0
	for _, e := range m.Images {
		counts[e.Label]++
		objects += e.Objects
	}
	var labels []string
	for _, l := range m.Labels() {
		labels = append(labels, fmt.Sprintf("%s (%d)", safeText(l), counts[l]))
	}
	fmt.Fprintf(w, "labels\t%s\n", strings.Join(labels, ", "))
	if n := len(m.Images); n > 0 {
		fmt.Fprintf(w, "instances\t%.2f per image\n", float64(objects)/float64(n))
	}
	for i, e := range m.Images[:min(3, len(m.Images))] {
		mask := "-"
		if !e.Mask.IsZero() {
			mask = e.Mask.String()[:12]
		}
		src := e.File
		if src == "" {
			src = "scene " + e.Scene[:min(12, len(e.Scene))]
		}
		fmt.Fprintf(w, "image %d\t%s mask %s %s %s\n", i, e.Image.String()[:12], mask, safeText(e.Label), safeText(src))
	}
	if len(m.Images) > 3 {
		fmt.Fprintf(w, "\t... %d more ('--json' lists all; 'cgx dataset export' writes them)\n", len(m.Images)-3)
	}
	return w.Flush()
}

func runDatasetExport(ctx context.Context, g *globals, ref string, o datasetOptions) (err error) {
	st, ds, err := openDataset(ctx, g, ref)
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	if err := atomicfile.EnsureDir(o.out); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	progress := datasetProgress(g, "export")
	for i := range ds.Len() {
		b, err := ds.ImagePNG(ctx, i)
		if err != nil {
			return err
		}
		if err := atomicfile.WriteFile(ctx, filepath.Join(o.out, fmt.Sprintf("%05d.png", i)), b, 0o644); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if o.masks {
			m, err := ds.Mask(ctx, i)
			if err != nil {
				return err
			}
			if err := imageio.WritePNG(ctx, filepath.Join(o.out, fmt.Sprintf("%05d-mask.png", i)), m); err != nil {
				return err
			}
		}
		progress(i+1, ds.Len())
	}
	fmt.Fprintf(g.stdout, "wrote %s to %s\n", nounCount(ds.Len(), "image"), safeText(o.out))
	return nil
}
