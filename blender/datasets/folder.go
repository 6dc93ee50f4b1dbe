package datasets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	_ "image/jpeg" // decode JPEG images in folders
	"image/png"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/cgx-dev/cgx/blender/imageio"
	"github.com/cgx-dev/cgx/blender/scene"
	"github.com/cgx-dev/cgx/tracker"
)

// FolderSpec describes a dataset read from a directory of PNG and JPEG
// images (not recursive, hidden files skipped, sorted by name; only regular
// files and links to them are read).
//
// Masks is optional: a directory holding, for image NAME.ext, an instance
// id map NAME.png (8- or 16-bit grey, or paletted; value = instance id,
// 0 = background) of the image's size; or a COCO instances JSON file whose
// images are matched by file name, with polygon or RLE segmentations
// (annotation k of an image gets id k; an image with no annotations has an
// empty mask).
//
// Every image is resized to Size×Size by Policy (PolicyCrop, the default,
// PolicyPad or PolicyStretch; see resample.go); masks follow the same
// geometry by nearest neighbour, so ids are never blended.
type FolderSpec struct {
	Dir    string `json:"dir"`
	Masks  string `json:"masks,omitempty"`
	Size   int    `json:"size"`
	Policy string `json:"policy"`
	Label  string `json:"label"` // default: the directory's base name
}

func (f FolderSpec) normalize() FolderSpec {
	if f.Policy == "" {
		f.Policy = PolicyCrop
	}
	if f.Label == "" {
		f.Label = filepath.Base(filepath.Clean(f.Dir))
	}
	return f
}

// Validate checks the spec without reading the folder.
func (f FolderSpec) Validate() error {
	f = f.normalize()
	var bad []string
	if f.Dir == "" {
		bad = append(bad, "dir is empty: name the image folder")
	}
	if f.Size < scene.MinResolution || f.Size > scene.MaxResolution {
		bad = append(bad, fmt.Sprintf("size %d: want %d..%d pixels", f.Size, scene.MinResolution, scene.MaxResolution))
	}
	if !slices.Contains(Policies, f.Policy) {
		bad = append(bad, fmt.Sprintf("policy %q: want one of %s", f.Policy, strings.Join(Policies, ", ")))
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidSpec, strings.Join(bad, "; "))
	}
	return nil
}

// cocoRaster names how COCO segmentations become masks (ml/coco, as
// pycocotools); it enters the digest of folder datasets with COCO masks.
const cocoRaster = "raster=pycocotools"

// folderFile is one source image and, if any, its mask. Bytes are not
// kept: a folder may hold more than memory does. Conversion reads the files
// again and checks them against the digests taken when listing.
type folderFile struct {
	name     string   // base name
	sum      [32]byte // SHA-256 of the image file
	pixels   int64    // width × height from its header (0 if unreadable)
	maskPath string   // PNG mask file, or ""
	maskSum  [32]byte
	coco     *cocoImage // COCO instances, or nil
}

// listFolder returns the folder's images in name order with their masks,
// and the digest of everything that determines the dataset. Only regular
// files (or links to them) are read: a pipe, socket or device with an image
// name is skipped with a note, so it can neither hang the import nor feed it
// endless bytes. Every image header is checked against the pixel limit
// before anything is decoded.
func listFolder(ctx context.Context, f FolderSpec, cfg folderConfig) ([]folderFile, string, error) {
	entries, err := os.ReadDir(f.Dir)
	if err != nil {
		return nil, "", fmt.Errorf("%w %s: %w", ErrFolder, f.Dir, err)
	}
	var coco map[string]*cocoImage
	maskDir := ""
	h := sha256.New()
	spec := f
	spec.Dir, spec.Masks = "", ""
	sb, _ := json.Marshal(spec)
	fmt.Fprintf(h, "%s\n%s\n", GeneratorVersion, sb)
	if f.Masks != "" {
		fi, err := os.Stat(f.Masks)
		if err != nil {
			return nil, "", fmt.Errorf("%w: masks %s: %w", ErrFolder, f.Masks, err)
		}
		if fi.IsDir() {
			maskDir = f.Masks
		} else {
			data, err := readRegular(f.Masks, maxCOCOBytes)
			if err != nil {
				return nil, "", fmt.Errorf("%w: masks: %w", ErrFolder, err)
			}
			if coco, err = parseCOCO(data); err != nil {
				return nil, "", fmt.Errorf("%w: %s: %w", ErrFolder, f.Masks, err)
			}
			// The rasteriser is part of what the masks are: datasets made
			// with the earlier even-odd fill must not be reused.
			fmt.Fprintf(h, "coco %x %s\n", sha256.Sum256(data), cocoRaster)
		}
	}
	var files []folderFile
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return nil, "", fmt.Errorf("read folder %s: %w", f.Dir, err)
		}
		name := e.Name()
		ext := strings.ToLower(filepath.Ext(name))
		if e.IsDir() || strings.HasPrefix(name, ".") || (ext != ".png" && ext != ".jpg" && ext != ".jpeg") {
			continue
		}
		path := filepath.Join(f.Dir, name)
		if kind, ok := regularFile(path, e); !ok {
			cfg.note(fmt.Sprintf("skipped %s: a %s, not an image file", path, kind))
			continue
		}
		data, err := readRegular(path, cfg.maxBytes())
		if err != nil {
			return nil, "", fmt.Errorf("%w: %w", ErrFolder, err)
		}
		px, err := cfg.checkHeader(path, data)
		if err != nil {
			return nil, "", err
		}
		ff := folderFile{name: name, sum: sha256.Sum256(data), pixels: px}
		fmt.Fprintf(h, "image %s %x\n", name, ff.sum)
		switch {
		case maskDir != "":
			ff.maskPath = filepath.Join(maskDir, strings.TrimSuffix(name, filepath.Ext(name))+".png")
			md, err := readRegular(ff.maskPath, cfg.maxBytes())
			if err != nil {
				return nil, "", fmt.Errorf("%w: mask for %s: %w", ErrFolder, path, err)
			}
			if _, err := cfg.checkHeader(ff.maskPath, md); err != nil {
				return nil, "", err
			}
			ff.maskSum = sha256.Sum256(md)
			fmt.Fprintf(h, "mask %x\n", ff.maskSum)
		case coco != nil:
			ci, ok := coco[name]
			if !ok {
				return nil, "", fmt.Errorf("%w: %s is not among the images of %s", ErrFolder, path, f.Masks)
			}
			ff.coco = ci
		}
		files = append(files, ff)
	}
	if len(files) == 0 {
		return nil, "", fmt.Errorf("%w %s: empty: no .png, .jpg or .jpeg files", ErrFolder, f.Dir)
	}
	return files, hex.EncodeToString(h.Sum(nil)), nil
}

// folderItem is one converted image.
type folderItem struct {
	png, mask []byte
	objects   int
}

func convertFolderFile(f FolderSpec, cfg folderConfig, ff folderFile) (folderItem, error) {
	path := filepath.Join(f.Dir, ff.name)
	data, err := readListed(path, ff.sum, cfg.maxBytes())
	if err != nil {
		return folderItem{}, err
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return folderItem{}, fmt.Errorf("%w: %s: unreadable image: %w", ErrFolder, path, err)
	}
	src := imageio.NRGBA(img)
	w, h := src.Rect.Dx(), src.Rect.Dy()
	var it folderItem
	if it.png, err = imageio.EncodePNG(resizeRGB(src, f.Size, f.Policy)); err != nil {
		return folderItem{}, err
	}
	var mask *image.Gray
	switch {
	case ff.maskPath != "":
		// The mask's header was checked against the pixel limit when the
		// folder was listed; a mask of another size is refused undecoded.
		md, err := readListed(ff.maskPath, ff.maskSum, cfg.maxBytes())
		if err != nil {
			return folderItem{}, err
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(md)); err == nil && (cfg.Width != w || cfg.Height != h) {
			return folderItem{}, fmt.Errorf("%w: mask %s is %dx%d but image %s is %dx%d", ErrFolder, ff.maskPath, cfg.Width, cfg.Height, path, w, h)
		}
		mi, err := png.Decode(bytes.NewReader(md))
		if err != nil {
			return folderItem{}, fmt.Errorf("%w: %s: unreadable mask: %w", ErrFolder, ff.maskPath, err)
		}
		if mask, err = imageio.Mask(mi); err != nil {
			return folderItem{}, fmt.Errorf("%w: %s: %w", ErrFolder, ff.maskPath, err)
		}
	case ff.coco != nil:
		if ff.coco.width != w || ff.coco.height != h {
			return folderItem{}, fmt.Errorf("%w: %s is %dx%d but %s declares %dx%d", ErrFolder, path, w, h, f.Masks, ff.coco.width, ff.coco.height)
		}
		if mask, err = ff.coco.mask(); err != nil {
			return folderItem{}, fmt.Errorf("%w: %s: %s: %w", ErrFolder, f.Masks, ff.name, err)
		}
	}
	if mask != nil {
		if mw, mh := mask.Rect.Dx(), mask.Rect.Dy(); mw != w || mh != h {
			return folderItem{}, fmt.Errorf("%w: mask %s is %dx%d but image %s is %dx%d", ErrFolder, ff.maskPath, mw, mh, path, w, h)
		}
		small := resizeMask(mask, f.Size, f.Policy)
		it.objects = countInstances(small.Pix)
		if it.mask, err = imageio.EncodePNG(small); err != nil {
			return folderItem{}, err
		}
	}
	return it, nil
}

// FromFolder makes a dataset from a user's image folder: every image
// resized by the spec's policy, stored as PNG artifacts with its mask, and a
// manifest. The spec digest covers the file names and bytes (not the
// folder's path), so the same folder read twice, or moved, is a cache hit.
// Errors name the file at fault. Options bound what one image may cost
// (WithMaxPixels) and receive notes about skipped files (WithNotes).
func FromFolder(ctx context.Context, store ArtifactStore, spec FolderSpec, opt GenerateOptions, opts ...FolderOption) (GenerateResult, error) {
	if err := spec.Validate(); err != nil {
		return GenerateResult{}, err
	}
	spec = spec.normalize()
	cfg, err := newFolderConfig(opts)
	if err != nil {
		return GenerateResult{}, err
	}
	files, digest, err := listFolder(ctx, spec, cfg)
	if err != nil {
		return GenerateResult{}, err
	}
	if m, id, ok, err := Find(ctx, store, digest); err != nil {
		return GenerateResult{}, err
	} else if ok {
		return GenerateResult{Manifest: m, ID: id, Cached: true}, nil
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// Decoded images cost memory by their pixels, not their file size: at
	// most two images of the largest allowed size are decoded at once,
	// whatever the number of workers; small ones run side by side.
	budget := newPixelBudget(2 * int64(cfg.maxPixels))
	items := make([]folderItem, len(files))
	err = forEach(ctx, len(files), workers, func(i int) (err error) {
		n := max(files[i].pixels, 1)
		if err := budget.acquire(ctx, n); err != nil {
			return err
		}
		defer budget.release(n)
		items[i], err = convertFolderFile(spec, cfg, files[i])
		return err
	})
	if cerr := ctx.Err(); cerr != nil {
		return GenerateResult{}, fmt.Errorf("read folder %s: %w", spec.Dir, cerr)
	}
	if err != nil {
		return GenerateResult{}, err
	}
	summary := fmt.Sprintf("folder %s (%s) ×%d @%dpx %s", spec.Dir, spec.Label, len(files), spec.Size, spec.Policy)
	m := &Manifest{Format: ManifestFormat, Source: "folder", Folder: &spec, SpecDigest: digest,
		Generator: GeneratorVersion, Size: spec.Size}
	// Stored generateBatch images (and their masks) at a time, each batch
	// with one putArtifacts call: one sync and one commit.
	for start := 0; start < len(items); start += generateBatch {
		end := min(start+generateBatch, len(items))
		var puts []tracker.ArtifactPut
		for i, it := range items[start:end] {
			name := fmt.Sprintf("%s %s", summary, files[start+i].name)
			puts = append(puts, tracker.ArtifactPut{Data: it.png, Meta: tracker.ArtifactMeta{Kind: KindImage, MediaType: mediaPNG,
				RunID: opt.RunID, Stage: opt.Stage, Name: name}})
			if it.mask != nil {
				puts = append(puts, tracker.ArtifactPut{Data: it.mask, Meta: tracker.ArtifactMeta{Kind: KindMask, MediaType: mediaPNG,
					RunID: opt.RunID, Stage: opt.Stage, Name: name + " mask"}})
			}
		}
		ids, err := putArtifacts(ctx, store, puts)
		if err != nil {
			return GenerateResult{}, fmt.Errorf("store %s to %s: %w", files[start].name, files[end-1].name, err)
		}
		j := 0
		for i, it := range items[start:end] {
			e := ManifestEntry{Label: spec.Label, Objects: it.objects, File: files[start+i].name, Image: ids[j]}
			j++
			if it.mask != nil {
				e.Mask = ids[j]
				j++
			}
			m.Images = append(m.Images, e)
		}
		if opt.Progress != nil && end%generateBatch == 0 {
			opt.Progress(end, len(items))
		}
	}
	data, err := m.Encode()
	if err != nil {
		return GenerateResult{}, err
	}
	id, err := store.PutArtifact(ctx, data, tracker.ArtifactMeta{Kind: KindManifest, MediaType: mediaJSON,
		RunID: opt.RunID, Stage: opt.Stage, Name: manifestName(digest, summary)})
	if err != nil {
		return GenerateResult{}, fmt.Errorf("store manifest: %w", err)
	}
	return GenerateResult{Manifest: m, ID: id}, nil
}
