package bolt_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"go.etcd.io/bbolt"
)

// damage is one way to damage a database file.
type damage struct {
	name string
	fn   func(b []byte) []byte
}

func truncateTo(n int) damage {
	return damage{fmt.Sprintf("truncated to %d", n), func(b []byte) []byte { return b[:min(n, len(b))] }}
}

func flipAt(off int, mask byte) damage {
	return damage{fmt.Sprintf("byte %d xor %#x", off, mask), func(b []byte) []byte {
		if off < len(b) {
			b[off] ^= mask
		}
		return b
	}}
}

// damages lists truncations at and between page boundaries, and byte flips
// in every page's header, elements and body, for a file of size bytes.
func damages(size int, short bool) []damage {
	const ps = 4096
	var out []damage
	for _, n := range []int{0, 1, 100, 4095, 4096, 8191, 8192, 12288, 65536, 131072, 200000, 262144, size - 1} {
		if n < size {
			out = append(out, truncateTo(n))
		}
	}
	for p := 2; p*ps < size; p++ {
		out = append(out, truncateTo(p*ps), truncateTo(p*ps+ps/2))
	}
	offs := []int{0, 1, 7, 8, 9, 10, 11, 12, 15, 16, 17, 19, 20, 21, 23, 24, 25, 27, 28, 31, 32, 40, 48, 56, 63, 100, 200, 1000, ps / 2, ps - 1}
	masks := []byte{0xff, 0x01, 0x80}
	if short {
		offs, masks = []int{0, 8, 10, 12, 16, 20, 24, 28, 56, ps / 2}, []byte{0xff}
	}
	for p := 0; p*ps < size; p++ {
		for _, o := range offs {
			for _, m := range masks {
				out = append(out, flipAt(p*ps+o, m))
			}
		}
	}
	return out
}

// TestDamagedFileNeverCrashes damages a real database at many offsets and
// lengths and runs every kind of command on it: each must end in a one-line
// error (ErrCorruptDB) or work, never crash, and a refused open must leave
// the file as it was. A writer that accepts the file must find it clean.
func TestDamagedFileNeverCrashes(t *testing.T) {
	src := filepath.Join(t.TempDir(), "cgx.db")
	fillDB(t, src)
	orig, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := os.ReadFile(src + ".commit")
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	ds := damages(len(orig), testing.Short())
	for i, d := range ds {
		damaged := d.fn(bytes.Clone(orig))
		if bytes.Equal(damaged, orig) {
			continue
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "cgx.db")
		if err := os.WriteFile(path, damaged, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path+".commit", rec, 0o644); err != nil {
			t.Fatal(err)
		}
		// Salvage (which syncs what it writes) runs on every fourth file.
		if exerciseDamaged(t, d.name, path, damaged, i%4 == 0) {
			refused++
		}
	}
	t.Logf("%d damaged files: %d refused, the rest read and written cleanly", len(ds), refused)
}

// exerciseDamaged runs readers, check and a writer on the damaged file at
// path and reports whether the writer refused it.
func exerciseDamaged(t *testing.T, name, path string, damaged []byte, salvage bool) (refused bool) {
	t.Helper()
	ctx := context.Background()
	fail := func(op string, err error) {
		t.Helper()
		if err == nil {
			return
		}
		msg := err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("%s: %s: error spans lines: %q", name, op, msg)
		}
		if !errors.Is(err, tracker.ErrCorruptDB) && !errors.Is(err, tracker.ErrNotFound) {
			t.Errorf("%s: %s: %v; want ErrCorruptDB or ErrNotFound", name, op, err)
		}
	}
	guard := func(op string, fn func() error) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("%s: %s panicked: %v\n%s", name, op, r, debug.Stack())
			}
		}()
		fail(op, fn())
	}
	unchanged := func(op string) {
		t.Helper()
		if now, _ := os.ReadFile(path); !bytes.Equal(now, damaged) {
			t.Fatalf("%s: %s changed the file", name, op)
		}
	}
	guard("read-only open and reads", func() error {
		r, err := bolt.Open(path, bolt.ReadOnly(), bolt.ReaderWait(time.Second))
		if err != nil {
			return err
		}
		defer r.Close()
		var errs []error
		studies, err := r.Studies()
		errs = append(errs, err)
		for _, st := range studies {
			_, err := r.GetAllTrials(st.ID)
			errs = append(errs, err)
		}
		_, err = r.ListRuns(ctx)
		errs = append(errs, err)
		_, err = r.ListStages(ctx, 0)
		errs = append(errs, err)
		_, err = r.ListArtifacts(ctx, "")
		errs = append(errs, err)
		for _, e := range errs {
			fail("read", e)
		}
		_, err = r.Check(ctx)
		return err
	})
	unchanged("reading")
	guard("check", func() error {
		_, err := bolt.CheckFile(ctx, path)
		return err
	})
	unchanged("check")
	if !salvage {
		return exerciseWriter(t, name, path, damaged, guard, unchanged)
	}
	guard("salvage", func() error {
		out := filepath.Join(filepath.Dir(path), "salvaged.db")
		if _, err := bolt.Salvage(ctx, path, out); err != nil {
			t.Errorf("%s: salvage: %v", name, err)
			return nil
		}
		rep, err := bolt.CheckFile(ctx, out)
		if err != nil {
			t.Errorf("%s: check of the salvaged file: %v", name, err)
			return nil
		}
		for _, p := range rep.Problems {
			if !strings.HasPrefix(p.Object, "artifact ") { // objects are not copied
				t.Errorf("%s: the salvaged file is damaged: %s: %s", name, p.Object, p.Problem)
			}
		}
		return nil
	})
	unchanged("salvage")
	return exerciseWriter(t, name, path, damaged, guard, unchanged)
}

// exerciseWriter opens a writer on the damaged file: it must refuse it
// without changing it, or find it clean and write to it.
func exerciseWriter(t *testing.T, name, path string, damaged []byte, guard func(string, func() error), unchanged func(string)) (refused bool) {
	t.Helper()
	ctx := context.Background()
	var werr error
	guard("writer", func() error {
		w, err := bolt.Open(path, bolt.NoSync(), bolt.LockTimeout(time.Second), bolt.NoServe())
		if err != nil {
			werr = err
			return err
		}
		defer w.Close()
		rep, err := w.Check(ctx)
		if err != nil {
			return err
		}
		for _, p := range rep.Problems {
			if !strings.HasPrefix(p.Object, "artifact ") { // objects are not copied
				t.Errorf("%s: a writer accepted a file that check calls damaged: %s: %s", name, p.Object, p.Problem)
			}
		}
		_, err = w.CreateRun(ctx, tracker.Run{Name: "after damage"})
		return err
	})
	if werr != nil {
		unchanged("a refused writer")
		if _, err := os.Stat(path + ".journal"); err == nil {
			t.Errorf("%s: a refused writer left a journal", name)
		}
		return true
	}
	return false
}

// TestDeletedBucketIsRefused: with a bucket gone, writers refuse the file
// (today a run would write half a run into it) and check names the bucket.
func TestDeletedBucketIsRefused(t *testing.T) {
	for _, b := range []string{"meta", "studies", "study_names", "trials", "trial_ids", "runs", "stages", "artifacts"} {
		t.Run(b, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cgx.db")
			fillDB(t, path)
			poke(t, path, func(tx *bbolt.Tx) error { return tx.DeleteBucket([]byte(b)) })
			before, _ := os.ReadFile(path)
			_, err := bolt.Open(path, bolt.NoSync())
			if !errors.Is(err, tracker.ErrCorruptDB) || strings.Contains(err.Error(), "\n") {
				t.Errorf("writer: %v; want a one-line ErrCorruptDB", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
				t.Error("the refused writer changed the file")
			}
			if _, err := os.Stat(path + ".journal"); err == nil {
				t.Error("the refused writer left a journal")
			}
			rep, err := bolt.CheckFile(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || !strings.Contains(fmt.Sprint(rep.Problems), b) || len(rep.Recover) == 0 {
				t.Errorf("check: %+v; want the missing bucket named and how to recover", rep)
			}
		})
	}
}

// TestDamagedLargerFile damages a database of a few hundred KiB at the
// lengths and offsets a user reported (and in each page's header and first
// element), with the same requirements as TestDamagedFileNeverCrashes.
func TestDamagedLargerFile(t *testing.T) {
	src := filepath.Join(t.TempDir(), "cgx.db")
	fillDB(t, src)
	s, err := bolt.Open(src, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		sid, err := s.CreateNewStudy("big-" + fmt.Sprint(i))
		if err != nil {
			t.Fatal(err)
		}
		trials := make([]goptuna.FrozenTrial, 600)
		for k := range trials {
			trials[k] = goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: float64(k),
				InternalParams: map[string]float64{"x": float64(k%10) / 10}, Distributions: map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}},
				UserAttrs: map[string]string{"note": strings.Repeat("n", k%50)}}
		}
		if _, err := s.AddFinishedTrials(sid, trials); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	orig, _ := os.ReadFile(src)
	rec, _ := os.ReadFile(src + ".commit")
	if len(orig) < 262200+1 {
		t.Fatalf("file of %d bytes, want one past 256 KiB", len(orig))
	}
	ds := []damage{truncateTo(65536), truncateTo(131072), truncateTo(200000), truncateTo(262144)}
	for _, off := range []int{8200, 65552, 262200} {
		ds = append(ds, flipAt(off, 0xff), flipAt(off, 0x01))
	}
	step := 3 // every third page: each page type is met many times
	if testing.Short() {
		step = 11
	}
	for p := 0; p*4096 < len(orig); p += step {
		for _, o := range []int{8, 10, 16, 20} {
			ds = append(ds, flipAt(p*4096+o, 0xff))
		}
	}
	for i, d := range ds {
		damaged := d.fn(bytes.Clone(orig))
		dir := t.TempDir()
		path := filepath.Join(dir, "cgx.db")
		os.WriteFile(path, damaged, 0o644)
		os.WriteFile(path+".commit", rec, 0o644)
		exerciseDamaged(t, d.name, path, damaged, i%8 == 0)
	}
}
