package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportGolden(t *testing.T) {
	db, _ := makeFixtureDB(t)
	for _, format := range []string{"csv", "json", "md", "tex"} {
		t.Run(format, func(t *testing.T) {
			code, out, errs := cgxCLI(t, db, "export", "run-1/search/exp1/round-1", "--format", format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden(t, filepath.Join("export", "study."+format), []byte(out))
		})
	}
}

func TestExportToFile(t *testing.T) {
	db, _ := makeFixtureDB(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "tables", "study1.csv")
	// A missing folder is refused, not created, like every -o.
	code, stdout, errs := cgxCLI(t, db, "export", "1", "--format", "csv", "-o", out)
	if code != 1 || stdout != "" || !strings.Contains(errs, "mkdir -p "+filepath.Dir(out)) {
		t.Fatalf("missing folder: exit %d, stdout %q, stderr %q; want a refusal saying to create it", code, stdout, errs)
	}
	if _, err := os.Stat(filepath.Dir(out)); err == nil {
		t.Fatalf("export created the missing folder %s", filepath.Dir(out))
	}
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	code, stdout, errs = cgxCLI(t, db, "export", "1", "--format", "csv", "-o", out)
	if code != 0 || stdout != "" || !strings.Contains(errs, "wrote 5 trials") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, errs)
	}
	_, want, _ := cgxCLI(t, db, "export", "1", "--format", "csv")
	if b, _ := os.ReadFile(out); string(b) != want {
		t.Errorf("file differs from stdout export")
	}
	// Unwritable target: one line naming it, nothing half-written.
	bad := filepath.Join(out, "under-a-file.csv")
	code, _, errs = cgxCLI(t, db, "export", "1", "--format", "csv", "-o", bad)
	if code != 1 || !strings.Contains(errs, bad) || strings.Count(strings.TrimSpace(errs), "\n") > 0 {
		t.Errorf("unwritable -o: exit %d, stderr %q", code, errs)
	}
	entries, _ := os.ReadDir(filepath.Dir(out))
	if len(entries) != 1 {
		t.Errorf("files left next to the export: %v", entries)
	}
	for _, args := range [][]string{{"export", "1"}, {"export", "1", "--format", "xlsx"}, {"export", "--format", "csv"}} {
		if code, _, _ := cgxCLI(t, db, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}
