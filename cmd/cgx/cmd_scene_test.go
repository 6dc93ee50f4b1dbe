package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/blender/scene"
)

// sceneCLI runs cgx with a database under a temporary directory.
func sceneCLI(t *testing.T, db string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), append([]string{"--db", db}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestSceneVerb(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	for _, kind := range []string{"shelf", "bottle"} {
		code, out, errs := sceneCLI(t, db, "scene", "example", "--kind", kind, "--size", "96")
		if code != 0 {
			t.Fatalf("example %s: exit %d: %s", kind, code, errs)
		}
		s, err := scene.Decode([]byte(out))
		if err != nil {
			t.Fatalf("example %s does not decode: %v", kind, err)
		}
		want := map[string]int{"shelf": 6, "bottle": 1}[kind]
		if len(s.Objects) != want || s.Camera.Width != 96 || s.Objects[0].Body.IsZero() {
			t.Errorf("example %s: %d objects, width %d, colours spelled out %v", kind, len(s.Objects), s.Camera.Width, !s.Objects[0].Body.IsZero())
		}
	}
	if code, _, errs := sceneCLI(t, db, "scene", "example", "--kind", "fridge"); code != 1 || !strings.Contains(errs, `example scene "fridge": want one of [bottle shelf]`) {
		t.Errorf("bad kind: exit %d, %q", code, errs)
	}

	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	_, out, _ := sceneCLI(t, db, "scene", "example")
	os.WriteFile(good, []byte(out), 0o644)
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(strings.Replace(out, `"bottle-500ml"`, `"bottle-9l"`, 1)), 0o644)
	code, stdout, errs := sceneCLI(t, db, "scene", "validate", good, bad)
	if code != 1 || !strings.Contains(stdout, good+": ok, 6 objects, 256x256, digest ") ||
		!strings.Contains(errs, bad+`: invalid scene: object 1: unknown product kind "bottle-9l"`) {
		t.Errorf("validate: exit %d\nstdout %s\nstderr %s", code, stdout, errs)
	}

	code, out, _ = sceneCLI(t, db, "scene", "products", "--json")
	var products []map[string]any
	if err := json.Unmarshal([]byte(out), &products); code != 0 || err != nil || len(products) < 6 {
		t.Errorf("products --json: exit %d, %v, %d products", code, err, len(products))
	}
	if code, out, _ := sceneCLI(t, db, "scene", "products"); code != 0 || !strings.Contains(out, "bottle-2l") || !strings.Contains(out, "large: bottom, lying") {
		t.Errorf("products: exit %d\n%s", code, out)
	}
	if code, _, errs := sceneCLI(t, db, "scene", "draw"); code != 2 || !strings.Contains(errs, "use example, validate or products") {
		t.Errorf("unknown sub-verb: exit %d %q", code, errs)
	}
}
