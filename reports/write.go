package reports

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cgx-dev/cgx/internal/atomicfile"
)

// Report file layout under the output folder.
const (
	IndexFile  = "index.html"
	FiguresDir = "figures"
	TablesDir  = "tables"
	SpecFile   = "spec.toml"
)

// WriteReport writes the static report of run runID into dir and returns the
// absolute path of its index.html. The folder then holds index.html,
// spec.toml, figures/NAME.{png,svg} and tables/NAME.{md,csv,tex,json,html}:
// everything the page shows, nothing fetched from the network. dir is created
// when missing, but only inside a folder that exists. Every file is written
// with atomicfile (temporary file, fsync, rename), index.html last, so a
// reader never sees a half-written file; files a previous report left in
// figures/ and tables/ that this one does not write are removed. The same
// database gives the same bytes. A figure that cannot be drawn is named on
// the page instead of failing the report.
func WriteReport(ctx context.Context, src Source, runID int, dir string) (string, error) {
	rd, err := LoadRun(ctx, src, runID)
	if err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	return WriteRunReport(ctx, src, rd, dir)
}

// WriteRunReport is WriteReport for a run already loaded.
func WriteRunReport(ctx context.Context, src Source, rd *RunData, dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("write report to %s: %w", dir, err)
	}
	// The report folder is created only inside a folder that exists, as
	// every cgx output is; its own sub-folders are the report's layout.
	if err := atomicfile.EnsureDir(abs); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	for _, d := range []string{filepath.Join(abs, FiguresDir), filepath.Join(abs, TablesDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("write report: create folder %s: %w; choose another folder with -o", d, err)
		}
	}
	written := map[string]bool{}
	put := func(rel string, data []byte) error {
		written[rel] = true
		return atomicfile.WriteFile(ctx, filepath.Join(abs, filepath.FromSlash(rel)), data, 0o644)
	}
	var entries []FigureEntry
	for _, f := range rd.Figures() {
		e := FigureEntry{Figure: f}
		for _, format := range []string{FigurePNG, FigureSVG} {
			b, err := f.Render(ctx, src, format)
			if err != nil {
				if ctx.Err() != nil {
					return "", fmt.Errorf("write report: %w", ctx.Err())
				}
				e.Err = err
				break
			}
			if err := put(FiguresDir+"/"+f.Name+"."+format, b); err != nil {
				return "", fmt.Errorf("write report: %w", err)
			}
		}
		entries = append(entries, e)
	}
	for _, t := range rd.Tables() {
		for _, format := range Formats() {
			var b bytes.Buffer
			if err := t.Write(&b, format); err != nil {
				return "", fmt.Errorf("write report: %w", err)
			}
			if err := put(TablesDir+"/"+t.Name+"."+format, b.Bytes()); err != nil {
				return "", fmt.Errorf("write report: %w", err)
			}
		}
	}
	if err := put(SpecFile, []byte(rd.Run.Spec)); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	if err := removeStale(abs, written); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	var page bytes.Buffer
	if err := WriteRunPage(&page, rd, entries, FileLinks); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	index := filepath.Join(abs, IndexFile)
	if err := atomicfile.WriteFile(ctx, index, page.Bytes(), 0o644); err != nil {
		return "", fmt.Errorf("write report: %w", err)
	}
	return index, nil
}

// reportExts are the file kinds a report writes into its sub-folders; only
// those are removed as stale.
var reportExts = map[string]map[string]bool{
	FiguresDir: {".png": true, ".svg": true},
	TablesDir:  {".md": true, ".csv": true, ".tex": true, ".json": true, ".html": true},
}

func removeStale(root string, written map[string]bool) error {
	for sub, exts := range reportExts {
		ents, err := os.ReadDir(filepath.Join(root, sub))
		if err != nil {
			return fmt.Errorf("list %s: %w", sub, err)
		}
		for _, e := range ents {
			rel := sub + "/" + e.Name()
			if !e.Type().IsRegular() || written[rel] || !exts[filepath.Ext(e.Name())] {
				continue
			}
			if err := os.Remove(filepath.Join(root, sub, e.Name())); err != nil {
				return fmt.Errorf("remove stale report file %s: %w", rel, err)
			}
		}
	}
	return nil
}
