package bolt_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// openDurable opens a fresh store with the default options: every commit
// and every batch of objects synced.
func openDurable(t *testing.T) (*bolt.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

// TestPutArtifactsDurable stores batches through the synced path: ids in
// order, repeats keeping the first metadata, a damaged object rewritten, no
// temporary file left, and a check without notes.
func TestPutArtifactsDurable(t *testing.T) {
	ctx := context.Background()
	s, _ := openDurable(t)
	damaged := []byte("object that will be damaged")
	did, err := s.PutArtifact(ctx, damaged, tracker.ArtifactMeta{Kind: "image", Name: "first"})
	if err != nil {
		t.Fatal(err)
	}
	path := objectFile(s, did)
	os.Chmod(path, 0o644)
	if err := os.WriteFile(path, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	items := []tracker.ArtifactPut{
		{Data: []byte("a"), Meta: tracker.ArtifactMeta{Kind: "image", Name: "a"}},
		{Data: damaged, Meta: tracker.ArtifactMeta{Kind: "image", Name: "second"}},
		{Data: []byte("a"), Meta: tracker.ArtifactMeta{Kind: "mask", Name: "a again"}},
	}
	ids, err := s.PutArtifacts(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	for k, it := range items {
		if ids[k] != tracker.Sum(it.Data) {
			t.Errorf("item %d: id %s, want %s", k, ids[k], tracker.Sum(it.Data))
		}
	}
	if data, m, err := s.GetArtifact(ctx, did); err != nil || string(data) != string(damaged) || m.Name != "first" {
		t.Errorf("damaged object after the batch: %q, %+v, %v; want it rewritten, first metadata kept", data, m, err)
	}
	if m, err := s.StatArtifact(ctx, ids[2]); err != nil || m.Name != "a" || m.Kind != "image" {
		t.Errorf("repeated bytes: %+v, %v; want the first item's metadata", m, err)
	}
	rep, err := s.Check(ctx)
	if err != nil || !rep.OK() || len(rep.Notes) != 0 || rep.Artifacts != 2 {
		t.Errorf("check after batches: %d artifacts, problems %+v, notes %q, %v", rep.Artifacts, rep.Problems, rep.Notes, err)
	}
}

// TestPutArtifactsErrorNamesItem: an object that cannot be written fails the
// batch with an error naming the item and its artifact, and nothing of the
// batch is recorded.
func TestPutArtifactsErrorNamesItem(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	bad := []byte("its folder is a file")
	id := tracker.Sum(bad)
	if err := os.MkdirAll(s.ObjectsDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	folder := filepath.Dir(objectFile(s, id))
	if err := os.WriteFile(folder, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	items := []tracker.ArtifactPut{{Data: []byte("fine"), Meta: tracker.ArtifactMeta{Kind: "image"}}, {Data: bad, Meta: tracker.ArtifactMeta{Kind: "image"}}}
	_, err := s.PutArtifacts(ctx, items)
	if err == nil || !strings.Contains(err.Error(), "item 1") || !strings.Contains(err.Error(), id.String()) || !strings.Contains(err.Error(), folder) {
		t.Errorf("PutArtifacts with an unwritable object: %v; want an error naming item 1, %s and %s", err, id, folder)
	}
	if list, err := s.ListArtifacts(ctx, ""); err != nil || len(list) != 0 {
		t.Errorf("after the failed batch: %d artifacts listed, %v", len(list), err)
	}
}

func TestPutArtifactsReadOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	w, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	r, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.PutArtifacts(context.Background(), []tracker.ArtifactPut{{Data: []byte("x")}}); !errors.Is(err, tracker.ErrReadOnly) {
		t.Errorf("read-only PutArtifacts: %v", err)
	}
}

// batchHelperEnv names the database a helper process of TestKill9DuringBatches
// writes; the helper is this test binary running TestBatchHelperProcess.
const batchHelperEnv = "CGX_TRACKER_BATCH_HELPER_DB"

// TestBatchHelperProcess is not a test: run by TestKill9DuringBatches in a
// child process, it stores batches of 64 artifacts (about 2 KiB each, with
// the default, synced options) until killed, printing "writing B" before
// batch B and "stored B" after it returned.
func TestBatchHelperProcess(t *testing.T) {
	path := os.Getenv(batchHelperEnv)
	if path == "" {
		t.Skip("helper process of TestKill9DuringBatches")
	}
	s, err := bolt.Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	round := os.Getenv("CGX_TRACKER_BATCH_ROUND")
	out := bufio.NewWriter(os.Stdout)
	for b := 0; ; b++ {
		fmt.Fprintf(out, "writing %d\n", b)
		out.Flush()
		if _, err := s.PutArtifacts(context.Background(), killBatch(round, b)); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		fmt.Fprintf(out, "stored %d\n", b)
		out.Flush()
	}
}

// killBatch is batch b of a helper round: deterministic bytes, so that the
// parent knows what each reported batch stored.
func killBatch(round string, b int) []tracker.ArtifactPut {
	items := make([]tracker.ArtifactPut, 64)
	rng := rand.NewChaCha8([32]byte{byte(b), byte(b >> 8), round[0]})
	for k := range items {
		data := make([]byte, 2048)
		rng.Read(data)
		items[k] = tracker.ArtifactPut{Data: data, Meta: tracker.ArtifactMeta{Kind: "image", Name: fmt.Sprintf("round %s batch %d item %d", round, b, k)}}
	}
	return items
}

// TestKill9DuringBatches kills a process storing batches at arbitrary
// points (while it writes objects, syncs them or commits), three times on
// one database. Every batch it reported stored is there with its bytes,
// and check finds no metadata without bytes: at most notes about objects
// of the interrupted batch.
func TestKill9DuringBatches(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "cgx.db")
	reported := map[string]int{}
	for round, killAt := range map[string]int{"a": 3, "b": 6, "c": 9} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestBatchHelperProcess$")
		cmd.Env = append(os.Environ(), batchHelperEnv+"="+path, "CGX_TRACKER_BATCH_ROUND="+round)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		stored := -1
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 2 {
				continue
			}
			if f[0] == "stored" {
				stored, _ = strconv.Atoi(f[1])
			}
			if f[0] == "writing" && f[1] == strconv.Itoa(killAt) {
				break
			}
		}
		cmd.Process.Kill() // SIGKILL, most likely while batch killAt is under way
		for sc.Scan() {
			if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == "stored" {
				stored, _ = strconv.Atoi(f[1])
			}
		}
		io.Copy(io.Discard, stdout)
		cmd.Wait()
		if stored < killAt-1 {
			t.Fatalf("round %s: the helper reported %d batches before it died, want at least %d", round, stored+1, killAt)
		}
		reported[round] = stored
	}
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	for round, last := range reported {
		for b := 0; b <= last; b++ {
			for _, it := range killBatch(round, b) {
				data, m, err := s.GetArtifact(ctx, tracker.Sum(it.Data))
				if err != nil || tracker.Sum(data) != m.ID || m.Name != it.Meta.Name {
					t.Fatalf("%s, reported stored: %+v, %v", it.Meta.Name, m, err)
				}
			}
		}
	}
	rep, err := s.Check(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("check after kill -9 during batches: %+v, %v", rep.Problems, err)
	}
	for _, n := range rep.Notes {
		if !strings.Contains(n, "not referenced") && !strings.Contains(n, "temporary file") {
			t.Errorf("check note about something other than an interrupted write: %s", n)
		}
	}
	t.Logf("%d artifacts, %d notes after three kills (batches reported: %v)", rep.Artifacts, len(rep.Notes), reported)
}
