package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

func TestCheckVerb(t *testing.T) {
	db, img := makeFixtureDB(t)
	code, out, errs := cgxCLI(t, db, "check")
	if code != 0 {
		t.Fatalf("clean database: exit %d\n%s%s", code, out, errs)
	}
	for _, w := range []string{"format " + strconv.Itoa(bolt.FormatVersion), "2 studies, 6 trials (1 running)", "1 artifacts", "ok: no damage found", "note: study 2", "fail-stale 2"} {
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

// TestDamagedDatabaseCommands: on a damaged file every command says so in
// one line and leaves the file as it was; check lists the damage and how to
// recover, and --salvage makes a new database that checks clean.
func TestDamagedDatabaseCommands(t *testing.T) {
	db, _ := makeFixtureDB(t)
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	// Flip the type of every data page's header: each one is damage.
	damaged := append([]byte(nil), raw...)
	for off := 2 * 4096; off+8 < len(damaged); off += 4096 {
		damaged[off+8] ^= 0xff
	}
	if err := os.WriteFile(db, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"runs"}, {"studies"}, {"trials", "1"}, {"artifact", "ls"}, {"study", "fail-stale", "--all"}} {
		code, out, errs := cgxCLI(t, db, args...)
		if code == 0 || strings.Count(strings.TrimSpace(errs), "\n") != 0 || !strings.Contains(errs, "damaged") {
			t.Errorf("%v: exit %d\nstdout: %s\nstderr: %s; want one line saying the database is damaged", args, code, out, errs)
		}
	}
	code, out, errs := cgxCLI(t, db, "check")
	if code != 1 || !strings.Contains(out, "DAMAGED") || !strings.Contains(out, "to recover:") || !strings.Contains(out, "--salvage") {
		t.Errorf("check: exit %d\n%s%s", code, out, errs)
	}
	if now, _ := os.ReadFile(db); string(now) != string(damaged) {
		t.Fatal("a command changed the damaged file")
	}

	// Salvage a file whose structure holds but one trial record is gone.
	if err := os.WriteFile(db, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	out2 := filepath.Join(filepath.Dir(db), "salvaged.db")
	code, out, errs = cgxCLI(t, db, "check", "--salvage", out2)
	if code != 0 || !strings.Contains(out, "2 studies, 6 trials") {
		t.Errorf("salvage of a clean file: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = cgxCLI(t, out2, "check")
	if code != 0 || !strings.Contains(out, "2 studies, 6 trials") {
		t.Errorf("check of the salvaged file: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cgxCLI(t, db, "check", "--salvage", out2); code == 0 || !strings.Contains(errs, "exists") {
		t.Errorf("salvage over an existing file: exit %d, %s", code, errs)
	}
	if code, _, errs := cgxCLI(t, db, "check", "--accept-loss"); code == 0 || !strings.Contains(errs, "nothing to accept") {
		t.Errorf("accept-loss without a loss: exit %d, %s", code, errs)
	}
}

// TestDamageFromTheIssue: the truncations and byte flips of issue 12 on a
// database of a few hundred KiB: every verb answers in one line or works,
// none crashes, and the file stays as it was when a verb refuses it.
func TestDamageFromTheIssue(t *testing.T) {
	db, _ := makeFixtureDB(t)
	st, err := bolt.Open(db, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sid, err := st.CreateNewStudy("big-" + strconv.Itoa(i))
		if err != nil {
			t.Fatal(err)
		}
		trials := make([]goptuna.FrozenTrial, 700)
		for k := range trials {
			trials[k] = goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: float64(k),
				InternalParams: map[string]float64{"x": 0.5}, Distributions: map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}},
				UserAttrs: map[string]string{"note": strings.Repeat("n", k%40)}}
		}
		if _, err := st.AddFinishedTrials(sid, trials); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(db)
	rec, _ := os.ReadFile(db + ".commit")
	if len(orig) <= 262200 {
		t.Fatalf("database of %d bytes, want more than 262200", len(orig))
	}
	type damage struct {
		name string
		b    []byte
	}
	var ds []damage
	for _, n := range []int{64 << 10, 128 << 10, 200000, 256 << 10} {
		ds = append(ds, damage{"truncated to " + strconv.Itoa(n), append([]byte(nil), orig[:n]...)})
	}
	for _, off := range []int{8200, 65552, 262200} {
		b := append([]byte(nil), orig...)
		b[off] ^= 0xff
		ds = append(ds, damage{"byte " + strconv.Itoa(off) + " flipped", b})
	}
	for _, d := range ds {
		if err := os.WriteFile(db, d.b, 0o644); err != nil {
			t.Fatal(err)
		}
		// A verb that accepted the previous file wrote to it: start each
		// case from the original commit record.
		if err := os.WriteFile(db+".commit", rec, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"runs"}, {"studies"}, {"trials", "1"}, {"artifact", "ls"}, {"check"}, {"study", "fail-stale", "--all"}} {
			code, out, errs := cgxCLI(t, db, args...)
			if args[0] == "check" {
				t.Logf("%s: check exits %d: %s", d.name, code, firstLine(errs, out))
			}
			if code == 0 {
				continue // the damage is in bytes nothing uses
			}
			lines := strings.Split(strings.TrimSpace(errs), "\n")
			if args[0] == "check" {
				if !strings.Contains(out, "DAMAGED") || !strings.Contains(out, "to recover:") {
					t.Errorf("%s: check: exit %d\n%s%s", d.name, code, out, errs)
				}
				continue
			}
			if len(lines) != 1 || !strings.Contains(errs, "damaged") {
				t.Errorf("%s: %v: exit %d, stderr %q; want one line saying the database is damaged", d.name, args, code, errs)
			}
			if now, _ := os.ReadFile(db); !bytes.Equal(now, d.b) {
				t.Fatalf("%s: %v changed the damaged file", d.name, args)
			}
		}
	}
}

// firstLine returns the last line of errs, or of out when errs is empty.
func firstLine(errs, out string) string {
	s := strings.TrimSpace(errs)
	if s == "" {
		s = strings.TrimSpace(out)
	}
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}

// TestCheckAcceptLoss: a damaged newest root page (bbolt would silently
// open the previous commit) is refused by every verb until
// 'check --accept-loss'.
func TestCheckAcceptLoss(t *testing.T) {
	db, _ := makeFixtureDB(t)
	raw, _ := os.ReadFile(db)
	txid := func(page int) uint64 {
		return uint64(raw[page*4096+16+48]) | uint64(raw[page*4096+16+49])<<8 | uint64(raw[page*4096+16+50])<<16
	}
	newest := 0
	if txid(1) > txid(0) {
		newest = 1
	}
	raw[newest*4096+16+20] ^= 0x01 // the root page id: the checksum fails
	os.WriteFile(db, raw, 0o644)
	if code, _, errs := cgxCLI(t, db, "studies"); code == 0 || !strings.Contains(errs, "lost its last") {
		t.Errorf("studies: exit %d, %s", code, errs)
	}
	code, out, errs := cgxCLI(t, db, "check")
	if code != 1 || !strings.Contains(out, "DAMAGED commits") || !strings.Contains(out, "--accept-loss") {
		t.Errorf("check: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = cgxCLI(t, db, "check", "--accept-loss")
	if code != 0 || !strings.Contains(out, "ok: no damage found") || !strings.Contains(errs, "accepting: commits") {
		t.Errorf("check --accept-loss: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := cgxCLI(t, db, "studies"); code != 0 {
		t.Errorf("studies after accepting: exit %d, %s", code, errs)
	}
}

// TestRunsListsPastADamagedRecord: one run record whose bytes changed does
// not hide the others: `cgx runs` prints every run that decodes, then says
// which record is damaged and exits non-zero.
func TestRunsListsPastADamagedRecord(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	st, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, name := range []string{"first-marker-run", "second-marker-run", "third-marker-run"} {
		if _, err := st.CreateRun(ctx, tracker.Run{Name: name, Spec: "name = \"" + name + "\"", Seed: 1, Status: tracker.RunSucceeded}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateNewStudy(strings.Replace(name, "-run", "-study", 1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	// Every copy of the name (bbolt leaves older page versions in free
	// pages): 's' -> 'r' still decodes, but the record's checksum fails.
	n := 0
	for _, name := range []string{"second-marker-run", "second-marker-study"} {
		for at := bytes.Index(raw, []byte(name)); at >= 0; at = bytes.Index(raw, []byte(name)) {
			raw[at] ^= 0x01
			n++
		}
	}
	if n == 0 {
		t.Fatal("the run's name is not stored as plain bytes; the test needs another way to damage one record")
	}
	if err := os.WriteFile(db, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := cgxCLI(t, db, "runs")
	if code == 0 || !strings.Contains(out, "first-marker-run") || !strings.Contains(out, "third-marker-run") || strings.Contains(out, "econd-marker-run") {
		t.Errorf("runs: exit %d\nstdout:\n%s\nstderr: %s\nwant the two intact runs listed, the damaged one left out, and a failure", code, out, errs)
	}
	if strings.TrimSpace(errs) == "" {
		t.Errorf("runs: nothing on stderr about the damaged record")
	}
	code, out, errs = cgxCLI(t, db, "studies")
	if code == 0 || !strings.Contains(out, "first-marker-study") || !strings.Contains(out, "third-marker-study") || strings.TrimSpace(errs) == "" {
		t.Errorf("studies: exit %d\nstdout:\n%s\nstderr: %s\nwant the intact studies listed, then a failure naming the damage", code, out, errs)
	}
}
