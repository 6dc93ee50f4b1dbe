package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

func TestCheckVerb(t *testing.T) {
	db, img := makeFixtureDB(t)
	code, out, errs := cgxCLI(t, db, "check")
	if code != 0 {
		t.Fatalf("clean database: exit %d\n%s%s", code, out, errs)
	}
	for _, w := range []string{"format " + strconv.Itoa(tracker.FormatVersion), "2 studies, 6 trials (1 running)", "1 artifacts", "ok: no damage found", "note: study 2", "fail-stale 2"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	// Damage the artifact's bytes.
	h := img.String()
	obj := filepath.Join(filepath.Dir(db), "objects", h[:2], h[2:])
	os.Chmod(obj, 0o644)
	if err := os.WriteFile(obj, []byte("fake pnG"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = cgxCLI(t, db, "check")
	if code != 1 || !strings.Contains(out, "DAMAGED artifact "+h) || !strings.Contains(errs, "1 problem(s)") {
		t.Errorf("damaged artifact: exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = cgxCLI(t, db, "check", "--json")
	var rep tracker.CheckReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if code != 1 || len(rep.Problems) != 1 || rep.Problems[0].Object != "artifact "+h || rep.Trials != 6 {
		t.Errorf("check --json: exit %d, %+v", code, rep)
	}
	// Missing object file.
	os.Remove(obj)
	code, out, _ = cgxCLI(t, db, "check")
	if code != 1 || !strings.Contains(out, "is missing") {
		t.Errorf("missing artifact: exit %d\n%s", code, out)
	}
}
