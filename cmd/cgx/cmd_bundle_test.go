package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// rewriteBundle reads the bundle at src, lets edit change it and writes it
// to dst with valid digests and checksum, as a forger (or another cgx) would.
func rewriteBundle(t *testing.T, src, dst string, edit func(*experiments.Bundle)) {
	t.Helper()
	raw, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	arts := map[tracker.ID][]byte{}
	b, err := experiments.ReadBundle(bytes.NewReader(raw), func(a experiments.BundleArtifact, d []byte) error {
		arts[a.ID] = d
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	edit(b)
	var buf bytes.Buffer
	if err := experiments.WriteBundle(&buf, b, func(id tracker.ID) ([]byte, error) { return arts[id], nil }); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestBundleVerifyEndToEnd: a smoke run bundled, verified from a temporary
// database and into a kept one; a bundle whose record was altered is
// reported where it starts (JSON, and the same report printed for a person); a bundle from another code
// version, a newer database format or a damaged file is refused with what to do.
func TestBundleVerifyEndToEnd(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "a", "cgx.db")
	if code, out, errs := cgxCLI(t, db, "run", "style/blur", "--profile", "smoke", "--workers", "2"); code != 0 {
		t.Fatalf("run: exit %d\n%s%s", code, out, errs)
	}
	plain, full := filepath.Join(dir, "blur.cgxb"), filepath.Join(dir, "blur-full.cgxb")
	code, out, errs := cgxCLI(t, db, "bundle", "1", "-o", plain)
	if code != 0 || !strings.Contains(out, "digests only") || !strings.Contains(out, "code version "+experiments.CodeVersion) {
		t.Fatalf("bundle: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = cgxCLI(t, db, "bundle", "1", "-o", full, "--with-artifacts", "--json")
	var sum bundleSummary
	if code != 0 || json.Unmarshal([]byte(out), &sum) != nil || sum.Included == 0 || sum.Included != sum.Artifacts || sum.Trials != 8 {
		t.Fatalf("bundle --with-artifacts --json: exit %d %+v\n%s%s", code, sum, out, errs)
	}
	if a, b := fileSize(t, plain), fileSize(t, full); a >= b {
		t.Errorf("bundle with artifacts (%d B) is not larger than without (%d B)", b, a)
	}

	// Verify from a temporary database (no --db) and from another directory.
	t.Chdir(t.TempDir())
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"verify", "--bundle", plain, "--workers", "1"}, &o, &e); code != 0 ||
		!strings.HasSuffix(o.String(), "identical\n") {
		t.Fatalf("verify --bundle: exit %d\n%s%s", code, o.String(), e.String())
	}

	// An altered record: a trial value and a discriminator metric.
	forged := filepath.Join(dir, "forged.cgxb")
	var stage string
	rewriteBundle(t, full, forged, func(b *experiments.Bundle) {
		for i := range b.Record.Stages {
			s := &b.Record.Stages[i]
			if stage == "" && strings.HasPrefix(s.Name, "discriminator/") {
				stage = s.Name
				for k := range s.Metrics {
					s.Metrics[k] += 1
				}
			}
			for j := range s.Studies {
				tr := &s.Studies[j].Trials[0]
				tr.Value += 0.5
				tr.Digest = tr.ContentDigest()
			}
		}
	})
	kept := filepath.Join(dir, "b", "cgx.db")
	code, out, errs = cgxCLI(t, kept, "verify", "--bundle", forged, "--json")
	var rep experiments.VerifyReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 {
		t.Fatalf("verify --json of a forged bundle: exit %d, %v\n%s%s", code, err, out, errs)
	}
	if rep.FirstDifference == nil || rep.FirstDifference.Stage != stage || !rep.FirstDifference.InputsSame ||
		len(rep.FirstDifference.Inputs) == 0 || len(rep.Differences) < 2 {
		t.Errorf("forged bundle: first difference %+v, differences %+v; want stage %s with identical inputs", rep.FirstDifference, rep.Differences, stage)
	}
	if code, out, _ := cgxCLI(t, kept, "runs"); code != 0 || !strings.Contains(out, "style/blur") {
		t.Errorf("--db did not keep the re-executed run:\n%s", out)
	}
	if !strings.Contains(errs, "verification found differences") {
		t.Errorf("forged bundle: stderr %q", errs)
	}
	var human bytes.Buffer
	writeVerifyReport(&human, rep, "bundle")
	out = human.String()
	for _, want := range []string{"Differences start at stage " + stage + ": its inputs are identical", "inputs of its key:",
		"metrics differ", "trials differ", "value "} {
		if !strings.Contains(out, want) {
			t.Errorf("human output lacks %q:\n%s", want, out)
		}
	}

	// Refusals, each naming the version needed or the damage.
	other := filepath.Join(dir, "other.cgxb")
	newer := filepath.Join(dir, "newer.cgxb")
	rewriteBundle(t, plain, other, func(b *experiments.Bundle) { b.Environment.CodeVersion = "cgx-stages-0" })
	rewriteBundle(t, plain, newer, func(b *experiments.Bundle) { b.Environment.DBFormat = bolt.FormatVersion + 1 })
	damaged := filepath.Join(dir, "damaged.cgxb")
	raw, _ := os.ReadFile(plain)
	raw[len(raw)/2] ^= 1
	os.WriteFile(damaged, raw, 0o644)
	for _, tc := range []struct{ file, want string }{
		{other, "verify the bundle with a cgx of code version cgx-stages-0"},
		{newer, "verify the bundle with a cgx that writes database format"},
		{damaged, "damaged bundle"},
		{filepath.Join(dir, "missing.cgxb"), "no such file"},
	} {
		code, _, errs := cgxCLI(t, filepath.Join(dir, "c", "cgx.db"), "verify", "--bundle", tc.file)
		if code != 1 || !strings.Contains(errs, tc.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("verify --bundle %s: exit %d, want one line with %q:\n%s", filepath.Base(tc.file), code, tc.want, errs)
		}
	}
}

func fileSize(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
