package reports

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/internal/atomicfile"
	"github.com/cgx-dev/cgx/reports/reporttest"
)

// readTree returns every file under dir by slash path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var refAttr = regexp.MustCompile(`(?:src|href)="([^"]*)"`)

func TestWriteReport(t *testing.T) {
	ctx := context.Background()
	src := reporttest.Demo()
	dir := filepath.Join(t.TempDir(), "report")
	index, err := WriteReport(ctx, src, reporttest.DemoRunID, dir)
	if err != nil {
		t.Fatal(err)
	}
	if index != filepath.Join(dir, IndexFile) {
		t.Errorf("index path %s, want %s", index, filepath.Join(dir, IndexFile))
	}
	files := readTree(t, dir)
	page := files[IndexFile]
	checkGolden(t, "report/index.html", []byte(page))

	// Every link and image of the page resolves to a file of the report.
	refs := refAttr.FindAllStringSubmatch(page, -1)
	if len(refs) < 50 {
		t.Fatalf("index.html has only %d links", len(refs))
	}
	for _, m := range refs {
		ref := m[1]
		if strings.HasPrefix(ref, "#") {
			if !strings.Contains(page, `id="`+ref[1:]+`"`) {
				t.Errorf("index.html links to %q, which it lacks", ref)
			}
			continue
		}
		if strings.Contains(ref, "//") || strings.HasPrefix(ref, "/") {
			t.Errorf("index.html refers outside the report: %q", ref)
			continue
		}
		if _, ok := files[ref]; !ok {
			t.Errorf("index.html refers to %q, which the report did not write", ref)
		}
	}
	rd := loadDemo(t)
	for _, f := range rd.Figures() {
		if !strings.Contains(page, `<img src="figures/`+f.Name+`.png"`) {
			t.Errorf("page does not show figure %s", f.Name)
		}
	}
	for _, tab := range rd.Tables() {
		if !strings.Contains(page, `id="table-`+tab.Name+`"`) {
			t.Errorf("page does not show table %s", tab.Name)
		}
	}
	for _, want := range []string{"0123456789abcdef0123456789abcdef01234567", "v0.1.0", "go1.26.8", `name = &#34;demo&#34;`, "seed 42", "spec SHA-256"} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	if files[SpecFile] != reporttest.DemoSpec {
		t.Errorf("spec.toml differs from the run's spec")
	}

	// A second report of the same run into another folder is byte-identical,
	// and rewriting the first folder removes what it no longer writes.
	dir2 := filepath.Join(t.TempDir(), "again")
	if _, err := WriteReport(ctx, src, reporttest.DemoRunID, dir2); err != nil {
		t.Fatal(err)
	}
	files2 := readTree(t, dir2)
	if len(files) != len(files2) {
		t.Fatalf("%d files then %d", len(files), len(files2))
	}
	for name, b := range files {
		if files2[name] != b {
			t.Errorf("%s differs between two reports of the same run", name)
		}
	}
	stale := filepath.Join(dir, FiguresDir, "old-figure.png")
	keep := filepath.Join(dir, FiguresDir, "notes.txt")
	os.WriteFile(stale, []byte("x"), 0o644)
	os.WriteFile(keep, []byte("x"), 0o644)
	if _, err := WriteReport(ctx, src, reporttest.DemoRunID, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale figure kept (err %v)", err)
	}
	if _, err := os.Stat(keep); err != nil {
		t.Errorf("a file the report does not own was removed: %v", err)
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, "*", ".*.tmp-*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestWriteReportEscapes(t *testing.T) {
	src := reporttest.Demo()
	index, err := WriteReport(context.Background(), src, reporttest.HostileRunID, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(index)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	if strings.Contains(page, "<script") || strings.Contains(page, "<b>x") {
		t.Errorf("hostile run name reached the page unescaped")
	}
	if !strings.Contains(page, "&lt;script&gt;alert(&#34;cgx&#34;)&lt;/script&gt;") {
		t.Errorf("escaped run name missing from the page")
	}
	if !strings.Contains(page, "not a probability") {
		t.Errorf("warning about the bad threshold missing")
	}
}

func TestWriteReportUnknownRun(t *testing.T) {
	_, err := WriteReport(context.Background(), reporttest.Demo(), 99, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Fatalf("err = %v, want not found", err)
	}
}

// TestWriteReportOutputFolder checks the rule every cgx output follows: the
// report folder is made only inside a folder that exists, and a path that is
// not a folder is refused, untouched.
func TestWriteReportOutputFolder(t *testing.T) {
	ctx := context.Background()
	base := t.TempDir()
	missing := filepath.Join(base, "no", "report")
	_, err := WriteReport(ctx, reporttest.Demo(), reporttest.DemoRunID, missing)
	if !errors.Is(err, atomicfile.ErrNoParent) || !strings.Contains(err.Error(), "mkdir -p") {
		t.Errorf("missing parent: got %v, want atomicfile.ErrNoParent saying mkdir -p", err)
	}
	if _, err := os.Stat(filepath.Join(base, "no")); err == nil {
		t.Errorf("the missing parent folder was created")
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := WriteReport(ctx, reporttest.Demo(), reporttest.DemoRunID, file); !errors.Is(err, atomicfile.ErrNotDir) {
		t.Errorf("a file as the report folder: got %v, want atomicfile.ErrNotDir", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("the file named as the report folder changed")
	}
}
