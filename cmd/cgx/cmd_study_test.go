package main

import (
	"strings"
	"testing"
)

func TestStudyFailStaleVerb(t *testing.T) {
	db, _ := makeFixtureDB(t)
	code, out, errs := cgxCLI(t, db, "study", "fail-stale", "run-1/fit/blur/cg-to-real")
	if code != 0 || !strings.Contains(out, "study 2 (run-1/fit/blur/cg-to-real): marked 1 stale trial(s) FAIL") {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	code, out, _ = cgxCLI(t, db, "trials", "2")
	if code != 0 || !strings.Contains(out, "FAIL") || strings.Contains(out, "RUNNING") {
		t.Errorf("after fail-stale:\n%s", out)
	}
	code, out, _ = cgxCLI(t, db, "study", "fail-stale", "--all")
	if code != 0 || !strings.Contains(out, "0 stale trial(s) marked FAIL") {
		t.Errorf("--all after: exit %d\n%s", code, out)
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"study"}, 2, "Usage: cgx study fail-stale"},
		{[]string{"study", "fail-stale"}, 2, "one study id or name, or --all"},
		{[]string{"study", "fail-stale", "1", "--all"}, 2, "one study id or name, or --all"},
		{[]string{"study", "delete", "1"}, 2, "unknown study command"},
		{[]string{"study", "fail-stale", "99"}, 1, `study "99" not found`},
	}
	for _, tc := range tests {
		code, out, errs := cgxCLI(t, db, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, want %d with %q\n%s%s", tc.args, code, tc.code, tc.want, out, errs)
		}
	}
}
