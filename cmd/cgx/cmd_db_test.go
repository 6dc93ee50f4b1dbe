package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

// smokeDB runs style/blur with the smoke profile into a new database file
// and returns its path; the run is run 1.
func smokeDB(t *testing.T) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "src", "cgx.db")
	if code, out, errs := cgxCLI(t, db, "run", "style/blur", "--profile", "smoke"); code != 0 {
		t.Fatalf("cgx run style/blur: exit %d\n%s%s", code, out, errs)
	}
	return db
}

// copyDB runs 'cgx db copy' and returns its JSON summary.
func copyDB(t *testing.T, from, to string) dbCopyOutput {
	t.Helper()
	code, out, errs := runCgx(t, "db", "copy", "--from", from, "--to", to, "--json")
	if code != 0 {
		t.Fatalf("cgx db copy --from %s --to %s: exit %d\n%s%s", from, to, code, out, errs)
	}
	for _, part := range []string{"studies:", "trials:", "runs:", "artifacts:", "stages:"} {
		if !strings.Contains(errs, part) {
			t.Errorf("progress on stderr lacks %q:\n%s", part, errs)
		}
	}
	var rep dbCopyOutput
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if rep.Runs != 1 || rep.Studies == 0 || rep.Trials == 0 || rep.Artifacts == 0 || rep.Stages == 0 || len(rep.StudyIDs) != 0 || rep.TrialIDsChanged != 0 {
		t.Errorf("copy summary %+v: want run 1 with its studies, trials, stages and artifacts, every id kept", rep)
	}
	return rep
}

// checkAndVerify runs 'cgx check' and 'cgx verify 1' on db.
func checkAndVerify(t *testing.T, db string) {
	t.Helper()
	if code, out, errs := cgxCLI(t, db, "check"); code != 0 || !strings.Contains(out, "ok: no damage found") {
		t.Errorf("cgx check of the copy: exit %d\n%s%s", code, out, errs)
	}
	if code, out, errs := cgxCLI(t, db, "verify", "1"); code != 0 {
		t.Errorf("cgx verify 1 on the copy: exit %d\n%s%s", code, out, errs)
	}
}

// TestDBCopyBolt: a copied database file checks clean and its run verifies;
// a destination that is not empty is refused, naming it.
func TestDBCopyBolt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs and verifies a smoke experiment")
	}
	src := smokeDB(t)
	dst := filepath.Join(t.TempDir(), "copy", "cgx.db")
	rep := copyDB(t, src, dst)
	if rep.From.Backend != "bbolt" || rep.To.Location != dst {
		t.Errorf("summary names %+v -> %+v", rep.From, rep.To)
	}
	checkAndVerify(t, dst)
	code, out, errs := runCgx(t, "db", "copy", "--from", src, "--to", dst)
	if code != 1 || !strings.Contains(errs, dst) || !strings.Contains(errs, "not empty") {
		t.Errorf("copy into the copy again: exit %d, want 1 and an error naming %s:\n%s%s", code, dst, out, errs)
	}
}

// TestDBCopyPostgresRoundTrip: bbolt -> PostgreSQL -> bbolt; both copies
// check clean and the run verifies on each.
func TestDBCopyPostgresRoundTrip(t *testing.T) {
	pg := pgtest.NewDatabase(t)
	if testing.Short() {
		t.Skip("runs and verifies a smoke experiment")
	}
	src := smokeDB(t)
	rep := copyDB(t, src, pg)
	if rep.To.Backend != "postgres" || strings.Contains(rep.To.Location, "password") {
		t.Errorf("summary names the destination %+v", rep.To)
	}
	checkAndVerify(t, pg)
	back := filepath.Join(t.TempDir(), "back", "cgx.db")
	copyDB(t, pg, back)
	checkAndVerify(t, back)
}

func TestDBCopyUsage(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"no sub-command", []string{"db"}, "needs a sub-command"},
		{"unknown sub-command", []string{"db", "move"}, `unknown sub-command "move"`},
		{"no destination", []string{"db", "copy", "--from", "a.db"}, "needs both --from SOURCE and --to DEST"},
		{"same database", []string{"db", "copy", "--from", "a.db", "--to", "a.db"}, "name the same database"},
		{"password hidden", []string{"db", "copy", "--from", "postgres://u:hunter2@h/d", "--to", "postgres://u:hunter2@h/d"}, "the same database postgres://u"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCgx(t, c.args...)
			if code != 2 || !strings.Contains(errs, c.want) || strings.Contains(out+errs, "hunter2") {
				t.Errorf("exit %d (want 2), stderr lacks %q or shows the password:\n%s%s", code, c.want, out, errs)
			}
		})
	}
	code, out, _ := runCgx(t, "help", "db")
	for _, want := range []string{"--from", "--to", "postgres://", "empty", "cgx --db DEST check", "verify", "docs/SECURITY.md"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("'cgx help db' lacks %q", want)
		}
	}
}
