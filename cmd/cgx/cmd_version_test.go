package main

import (
	"encoding/json"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker/bolt"
)

func TestVersionVerb(t *testing.T) {
	code, out, errs := cgxCLI(t, "/nonexistent/never-created.db", "version")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"cgx ", "revision:", runtime.Version(), "database format: " + strconv.Itoa(bolt.FormatVersion)} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	code, out, _ = cgxCLI(t, "/nonexistent/never-created.db", "version", "--json")
	var v versionInfo
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}
	if v.DatabaseFormat != bolt.FormatVersion || v.GoVersion != runtime.Version() || v.Module != "github.com/cgx-dev/cgx" {
		t.Errorf("version --json = %+v", v)
	}
}
