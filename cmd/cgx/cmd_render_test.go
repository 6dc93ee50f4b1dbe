package main

import (
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func decodePNGFile(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

func TestRenderVerb(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cgx.db")
	_, scene, _ := sceneCLI(t, db, "scene", "example")
	sp := filepath.Join(dir, "shelf.json")
	os.WriteFile(sp, []byte(scene), 0o644)
	out, mask := filepath.Join(dir, "out.png"), filepath.Join(dir, "mask.png")

	code, stdout, errs := sceneCLI(t, db, "render", sp, "-o", out, "--mask", mask, "--size", "48", "--domain", "real")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(stdout, "48x48, 6 objects, embedded backend, real domain") || !strings.Contains(stdout, "6 of 6 objects visible") {
		t.Errorf("output:\n%s", stdout)
	}
	img := decodePNGFile(t, out)
	m, ok := decodePNGFile(t, mask).(*image.Gray)
	if !ok || img.Bounds().Dx() != 48 || m.Bounds() != img.Bounds() {
		t.Fatalf("image %v, mask %T %v", img.Bounds(), m, m)
	}
	ids := map[uint8]bool{}
	for _, v := range m.Pix {
		ids[v] = true
	}
	if len(ids) != 7 || !ids[0] || !ids[6] || ids[7] {
		t.Errorf("mask ids %v, want 0..6", ids)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no output", []string{"render", sp}, 2, "render needs -o OUT.png"},
		{"no scene", []string{"render", "-o", out}, 2, "render takes one scene file"},
		{"bad backend", []string{"render", sp, "-o", out, "--backend", "povray"}, 2, `--backend "povray"`},
		{"bad size", []string{"render", sp, "-o", out, "--size", "1000"}, 1, "--size 1000: invalid scene: camera resolution 1000x1000 out of range"},
		{"missing file", []string{"render", filepath.Join(dir, "nope.json"), "-o", out}, 1, "nope.json: no such file"},
		{"bad domain", []string{"render", sp, "-o", out, "--domain", "film"}, 1, `unknown domain "film"`},
	}
	for _, tt := range tests {
		code, _, errs := sceneCLI(t, db, tt.args...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%s: exit %d (want %d), stderr %q (want %q)", tt.name, code, tt.code, errs, tt.want)
		}
	}

	// Without blender on PATH: one line naming the Debian package.
	t.Setenv("PATH", t.TempDir())
	code, _, errs = sceneCLI(t, db, "render", sp, "-o", out, "--backend", "blender")
	if code != 1 || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, `install the Debian package "blender"`) {
		t.Errorf("blender missing: exit %d, stderr %q", code, errs)
	}
}
