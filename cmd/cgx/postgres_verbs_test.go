package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

// TestVerbsOnPostgres runs the verbs against a PostgreSQL URL that holds a
// password, checks that each works, and that the password appears in no
// output, no file written, and no stored record.
func TestVerbsOnPostgres(t *testing.T) {
	const secret = "pwZq8s3cretH1"
	u, err := url.Parse(pgtest.NewDatabase(t))
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Skipf("%s is not a postgres:// URL (%v); this test adds a password to one", pgtest.EnvVar, err)
	}
	q := u.Query()
	q.Set("password", secret) // the test server trusts its socket: pgx sends it only if asked
	u.RawQuery = q.Encode()
	db := u.String()
	out := t.TempDir()
	t.Chdir(out) // a default reports folder lands here, not in the package

	var all strings.Builder
	cli := func(wantCode int, args ...string) string {
		t.Helper()
		code, stdout, stderr := cgxCLI(t, db, args...)
		all.WriteString(stdout + stderr)
		if code != wantCode {
			t.Fatalf("cgx %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, wantCode, stdout, stderr)
		}
		return stdout + stderr
	}
	cli(0, "run", "style/blur", "--profile", "smoke")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"runs"}, "style/blur"},
		{[]string{"runs", "--json"}, `"Status"`},
		{[]string{"show", "1"}, "style/blur"},
		{[]string{"show", "1", "--json"}, `"Spec"`},
		{[]string{"studies"}, "run-1/fit/blur/cg-to-real"},
		{[]string{"trials", "1"}, "COMPLETE"},
		{[]string{"artifact", "ls"}, "dataset-manifest"},
		{[]string{"export", "1", "--format", "json", "-o", filepath.Join(out, "trials.json")}, "8 trials"},
		{[]string{"report", "1", "-o", filepath.Join(out, "report")}, "index.html"},
		{[]string{"report", "1"}, "index.html"},
		{[]string{"check"}, "ok: no damage found"},
		{[]string{"verify", "1"}, "identical"},
		{[]string{"diff", "1", "1"}, "same settings"},
		{[]string{"tag", "1", "pg"}, "pg"},
		{[]string{"note", "1", "on postgres"}, "note"},
		{[]string{"gc", "--dry-run"}, "would remove"},
	} {
		if got := cli(0, tc.args...); !strings.Contains(got, tc.want) {
			t.Errorf("cgx %s: output lacks %q:\n%s", strings.Join(tc.args, " "), tc.want, got)
		}
	}
	for _, flag := range [][]string{{"--salvage", filepath.Join(out, "x.db")}, {"--accept-loss"}} {
		got := cli(1, append([]string{"check"}, flag...)...)
		if !strings.Contains(got, "bbolt database files only") || strings.Count(strings.TrimSpace(got), "\n") != 0 {
			t.Errorf("cgx check %s on PostgreSQL: want one line saying it is bbolt-only, got:\n%s", flag[0], got)
		}
	}
	if strings.Contains(all.String(), secret) {
		t.Errorf("the password appears in cgx's output:\n%s", all.String())
	}
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), secret) {
				t.Errorf("the password appears in %s", p)
			}
		}
		return nil
	})
	// Every stored record: runs (spec, attributes, environment) and stages.
	stored := cli(0, "show", "1", "--json") + cli(0, "runs", "--json")
	if strings.Contains(stored, secret) {
		t.Errorf("the password is stored in the run record")
	}
}
