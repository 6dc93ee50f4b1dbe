package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker/bolt"
)

func TestStudiesVerb(t *testing.T) {
	db, _ := makeFixtureDB(t)
	code, out, errs := cgxCLI(t, db, "studies")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, w := range []string{"ID  NAME", "run-1/search/exp1/round-1", "minimize", "0.25 (#1)", "2021-06-01", "run-1/fit/blur/cg-to-real"} {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	code, out, errs = cgxCLI(t, db, "studies", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var studies []studyJSON
	if err := json.Unmarshal([]byte(out), &studies); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if len(studies) != 2 || studies[0].Trials != 5 || studies[0].Complete != 4 || studies[0].Fail != 1 ||
		studies[0].BestNumber == nil || *studies[0].BestNumber != 1 || studies[1].Running != 1 || studies[1].BestValue != nil ||
		studies[0].UserAttrs["cgx.sampler"] != "tpe" {
		t.Errorf("studies --json = %+v", studies)
	}
	if code, _, errs := cgxCLI(t, db, "studies", "extra"); code != 2 || !strings.Contains(errs, "cgx trials extra") {
		t.Errorf("studies with an argument: exit %d, %q", code, errs)
	}
}

func TestStudiesEmptyDatabase(t *testing.T) {
	db := t.TempDir() + "/cgx.db"
	makeEmpty := func() {
		// A writable verb creates the file; fail-stale needs an existing one,
		// so use the tracker directly.
		st, err := openTestStore(db)
		if err != nil {
			t.Fatal(err)
		}
		st.Close()
	}
	makeEmpty()
	code, out, _ := cgxCLI(t, db, "studies")
	if code != 0 || !strings.Contains(out, "no studies") {
		t.Errorf("exit %d: %q", code, out)
	}
	code, out, _ = cgxCLI(t, db, "studies", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("--json on an empty database: exit %d: %q", code, out)
	}
}

func openTestStore(path string) (*bolt.Store, error) { return bolt.Open(path, bolt.NoSync()) }
