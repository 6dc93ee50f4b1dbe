package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender/datasets"
)

func TestDatasetVerb(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cgx.db")
	if code, out, _ := sceneCLI(t, db, "dataset", "ls"); code != 0 || !strings.Contains(out, "no database") {
		t.Errorf("ls before any dataset: exit %d %q", code, out)
	}
	gen := []string{"dataset", "generate", "--generator", "exp2-random", "--count", "6", "--size", "32", "--masks", "--domain", "real", "--json"}
	code, out, errs := sceneCLI(t, db, gen...)
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errs)
	}
	var first datasetJSON
	if err := json.Unmarshal([]byte(out), &first); err != nil || first.Cached || len(first.Manifest.Images) != 6 {
		t.Fatalf("generate --json: %v cached %v\n%s", err, first.Cached, out)
	}
	if first.Manifest.Domain.Name != "real" || first.Manifest.Images[0].Label != "random" || first.Manifest.Images[0].Mask.IsZero() {
		t.Errorf("manifest %+v", first.Manifest.Images[0])
	}
	if !strings.Contains(errs, "generate exp2-random: 6/6 images (100%") {
		t.Errorf("no progress on stderr: %q", errs)
	}
	code, out, _ = sceneCLI(t, db, gen[:len(gen)-1]...)
	if code != 0 || !strings.Contains(out, "already stored (cache hit, nothing rendered)") || !strings.Contains(out, first.ID.String()) {
		t.Errorf("second generate: exit %d\n%s", code, out)
	}

	code, out, _ = sceneCLI(t, db, "dataset", "ls", "--json")
	var list []datasets.Info
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || len(list) != 1 || list[0].ID != first.ID {
		t.Fatalf("ls --json: exit %d %v %s", code, err, out)
	}
	if code, out, _ := sceneCLI(t, db, "dataset", "ls"); code != 0 || !strings.Contains(out, first.ID.String()[:12]) || !strings.Contains(out, "exp2-random/real ×6 @32px seed 1") {
		t.Errorf("ls:\n%s", out)
	}

	prefix := first.ID.String()[:10]
	code, out, _ = sceneCLI(t, db, "dataset", "show", prefix)
	if code != 0 {
		t.Errorf("show %s: exit %d", prefix, code)
	}
	for _, w := range []string{"exp2-random, 6 images, 32px, seed 1", "domain real", "blur 0.9 px", "labels       random (6)", "instances    6.00 per image"} {
		if !strings.Contains(out, w) {
			t.Errorf("show lacks %q:\n%s", w, out)
		}
	}
	code, out, _ = sceneCLI(t, db, "dataset", "show", first.Manifest.SpecDigest[:12], "--json")
	var shown datasetJSON
	if err := json.Unmarshal([]byte(out), &shown); code != 0 || err != nil || shown.ID != first.ID {
		t.Errorf("show by spec digest --json: exit %d %v", code, err)
	}

	exp := filepath.Join(dir, "export")
	if code, out, errs := sceneCLI(t, db, "dataset", "export", prefix, "-o", exp, "--masks"); code != 0 || !strings.Contains(out, "wrote 6 images") {
		t.Fatalf("export: exit %d %s %s", code, out, errs)
	}
	files, _ := os.ReadDir(exp)
	if len(files) != 12 {
		t.Errorf("export wrote %d files, want 6 images and 6 masks", len(files))
	}

	// A folder dataset from the exported files.
	masks := filepath.Join(dir, "masks")
	os.Mkdir(masks, 0o755)
	photos := filepath.Join(dir, "photos")
	os.Mkdir(photos, 0o755)
	for i := range 3 {
		b, _ := os.ReadFile(filepath.Join(exp, "0000"+string(rune('0'+i))+".png"))
		os.WriteFile(filepath.Join(photos, "p"+string(rune('0'+i))+".png"), b, 0o644)
		m, _ := os.ReadFile(filepath.Join(exp, "0000"+string(rune('0'+i))+"-mask.png"))
		os.WriteFile(filepath.Join(masks, "p"+string(rune('0'+i))+".png"), m, 0o644)
	}
	code, out, errs = sceneCLI(t, db, "dataset", "folder", photos, "--masks", masks, "--size", "48", "--policy", "stretch")
	if code != 0 || !strings.Contains(out, `3 images from folder `+photos+`, 48x48 (stretch), label "photos", with masks`) {
		t.Errorf("folder: exit %d\n%s%s", code, out, errs)
	}

	bad := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"dataset", "generate"}, 2, "needs --generator"},
		{[]string{"dataset", "generate", "--generator", "exp9"}, 1, `generator "exp9"`},
		{[]string{"dataset", "generate", "--generator", "products", "--domain-json", filepath.Join(dir, "none.json")}, 1, "none.json"},
		{[]string{"dataset", "folder", filepath.Join(dir, "empty-none")}, 1, "empty-none"},
		{[]string{"dataset", "show", "xyz"}, 1, `"xyz" is not a dataset id`},
		{[]string{"dataset", "show", "0123456789"}, 1, "no dataset id or spec digest starts with 0123456789"},
		{[]string{"dataset", "export", prefix}, 2, "-o DIR"},
		{[]string{"dataset", "rm"}, 2, "unknown dataset command"},
	}
	for _, tt := range bad {
		code, _, errs := sceneCLI(t, db, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", tt.args, code, tt.code, errs, tt.want)
		}
	}

	// --domain-json: custom parameters are stored with the dataset.
	dj := filepath.Join(dir, "domain.json")
	os.WriteFile(dj, []byte(`{"name":"warm","gain":[1.1,1,0.9],"offset":[0,0,0],"gamma":1,"blur_sigma":0.5}`), 0o644)
	code, out, errs = sceneCLI(t, db, "dataset", "generate", "--generator", "products", "--count", "2", "--size", "32", "--domain-json", dj, "--json")
	var custom datasetJSON
	if err := json.Unmarshal([]byte(out), &custom); code != 0 || err != nil || custom.Manifest.Domain.Name != "warm" || custom.Manifest.Domain.Gain[0] != 1.1 {
		t.Errorf("--domain-json: exit %d %v %s", code, err, errs)
	}
}
