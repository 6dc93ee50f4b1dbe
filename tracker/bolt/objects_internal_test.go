package bolt

import (
	"os"
	"path/filepath"
	"testing"
)

// TestWriteFileAtomic: the store's files are replaced whole, the folder is
// made, no temporary is left, and a path under a file is refused.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out", "table.csv")
	if err := writeFileAtomic(p, []byte("a,b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeFileAtomic(p, []byte("c,d\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "c,d\n" {
		t.Errorf("content %q", b)
	}
	entries, _ := os.ReadDir(filepath.Dir(p))
	if len(entries) != 1 {
		t.Errorf("%d files in the folder, want 1 (no temporaries)", len(entries))
	}
	if err := writeFileAtomic(filepath.Join(p, "under-a-file"), []byte("x"), 0o644); err == nil {
		t.Error("writing under a file succeeded")
	}
}
