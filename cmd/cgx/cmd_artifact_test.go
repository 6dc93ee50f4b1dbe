package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

func TestArtifactVerb(t *testing.T) {
	db, img := makeFixtureDB(t)
	h := img.String()
	code, out, errs := cgxCLI(t, db, "artifact", "ls")
	if code != 0 || !strings.Contains(out, h[:16]) || !strings.Contains(out, "image/png") || !strings.Contains(out, "scene_0.png") {
		t.Fatalf("ls: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = cgxCLI(t, db, "artifact", "ls", "--kind", "weights")
	if code != 0 || !strings.Contains(out, "no artifacts of kind weights") {
		t.Errorf("ls --kind weights: %q", out)
	}
	code, out, _ = cgxCLI(t, db, "artifact", "ls", "--json")
	var metas []tracker.ArtifactMeta
	if err := json.Unmarshal([]byte(out), &metas); err != nil || code != 0 || len(metas) != 1 || metas[0].ID != img {
		t.Errorf("ls --json: %v %+v", err, metas)
	}
	code, out, _ = cgxCLI(t, db, "artifact", "cat", h[:8])
	if code != 0 || out != "fake png" {
		t.Errorf("cat prefix: exit %d %q", code, out)
	}
	dst := filepath.Join(t.TempDir(), "x.png")
	if code, _, errs := cgxCLI(t, db, "artifact", "cat", h, "-o", dst); code != 0 {
		t.Errorf("cat -o: %s", errs)
	}
	if b, _ := os.ReadFile(dst); string(b) != "fake png" {
		t.Errorf("cat -o wrote %q", b)
	}
	obj := filepath.Join(filepath.Dir(db), "objects", h[:2], h[2:])
	os.Chmod(obj, 0o644)
	os.WriteFile(obj, []byte("fake jpg"), 0o644)
	code, out, errs = cgxCLI(t, db, "artifact", "cat", h[:10])
	if code != 1 || out != "" || !strings.Contains(errs, "is damaged") || !strings.Contains(errs, obj) {
		t.Errorf("cat of a damaged artifact: exit %d %q %q", code, out, errs)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"artifact", "cat", "abc"}, 1, "8 to 64 hex"},
		{[]string{"artifact", "cat", "00000000"}, 1, "no artifact id starts with 00000000"},
		{[]string{"artifact", "rm", h}, 2, "use ls or cat"},
	} {
		code, out, errs := cgxCLI(t, db, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d %q", tc.args, code, out+errs)
		}
	}
}
