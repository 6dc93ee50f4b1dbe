package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
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
// everything the page shows, nothing fetched from the network. Every file is
// written atomically (temporary file, fsync, rename), index.html last, so a
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
	for _, d := range []string{abs, filepath.Join(abs, FiguresDir), filepath.Join(abs, TablesDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return "", fmt.Errorf("write report: create folder %s: %w; choose another folder with -o", d, err)
		}
	}
	written := map[string]bool{}
	put := func(rel string, data []byte) error {
		written[rel] = true
		return writeFileAtomic(filepath.Join(abs, filepath.FromSlash(rel)), data)
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
	if err := writeFileAtomic(index, page.Bytes()); err != nil {
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

// writeFileAtomic writes data to path through a temporary file in the same
// folder: write, fsync, rename over path, fsync the folder.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder of %s: %w", path, err)
	}
	defer d.Close()
	// Some file systems cannot fsync a folder (EINVAL); the rename stands.
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("sync folder of %s: %w", path, err)
	}
	return nil
}
