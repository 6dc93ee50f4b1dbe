package bolt_test

import (
	"context"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"go.etcd.io/bbolt"
)

// fillDB writes a small database with two studies, a run, a stage and two
// artifacts, and returns the artifact ids.
func fillDB(t *testing.T, path string) (img, manifest tracker.ID) {
	t.Helper()
	ctx := context.Background()
	s, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, name := range []string{"run-1/fit/blur/cg-to-real", "run-1/search/exp1/round-1"} {
		sid, err := s.CreateNewStudy(name)
		if err != nil {
			t.Fatal(err)
		}
		for k := 0; k < 5; k++ {
			id, _ := s.CreateNewTrial(sid)
			s.SetTrialParam(id, "sigma", float64(k)/5, goptuna.UniformDistribution{Low: 0, High: 1})
			s.SetTrialValue(id, float64(k))
			s.SetTrialState(id, goptuna.TrialStateComplete)
		}
	}
	img, _ = s.PutArtifact(ctx, []byte("png bytes"), tracker.ArtifactMeta{Kind: "image"})
	manifest, _ = s.PutArtifact(ctx, []byte("manifest"), tracker.ArtifactMeta{Kind: "dataset-manifest"})
	rid, _ := s.CreateRun(ctx, tracker.Run{Name: "r", Studies: []int{1, 2}, Artifacts: []tracker.ID{img, manifest}})
	s.PutStage(ctx, tracker.Stage{Key: "abc", RunID: rid, Outputs: map[string]tracker.ID{"manifest": manifest}})
	return img, manifest
}

// poke changes the closed database file directly.
func poke(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func u64(v int) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(v))
	return k[:]
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name     string
		damage   func(t *testing.T, path string, img, manifest tracker.ID)
		problems []string // substrings, one per expected problem
		notes    []string
	}{
		{name: "clean"},
		{name: "missing object", problems: []string{"is missing"},
			damage: func(t *testing.T, path string, img, _ tracker.ID) {
				os.Remove(objectPath(path, img))
			}},
		{name: "damaged object", problems: []string{"is damaged"},
			damage: func(t *testing.T, path string, img, _ tracker.ID) {
				p := objectPath(path, img)
				os.Chmod(p, 0o644)
				os.WriteFile(p, []byte("png byteZ"), 0o644)
			}},
		{name: "unreferenced object and temporary file", notes: []string{"not referenced by this database", "temporary file"},
			damage: func(t *testing.T, path string, _, _ tracker.ID) {
				dir := filepath.Join(filepath.Dir(path), "objects", "00")
				os.MkdirAll(dir, 0o755)
				os.WriteFile(filepath.Join(dir, strings.Repeat("1", 62)), []byte("x"), 0o444)
				os.WriteFile(filepath.Join(dir, ".abc.tmp-123"), []byte("x"), 0o444)
			}},
		{name: "undecodable trial", problems: []string{"study 1", "decode trial"},
			damage: func(t *testing.T, path string, _, _ tracker.ID) {
				poke(t, path, func(tx *bbolt.Tx) error {
					return tx.Bucket([]byte("trials")).Bucket(u64(1)).Put(u64(2), []byte{1, 2, 3})
				})
			}},
		{name: "lost trial", problems: []string{"study 1", "indexed"},
			damage: func(t *testing.T, path string, _, _ tracker.ID) {
				poke(t, path, func(tx *bbolt.Tx) error {
					return tx.Bucket([]byte("trials")).Bucket(u64(1)).Delete(u64(4))
				})
			}},
		{name: "lost artifact metadata", problems: []string{"run 1", "stage abc"},
			notes: []string{"not referenced"},
			damage: func(t *testing.T, path string, _, manifest tracker.ID) {
				poke(t, path, func(tx *bbolt.Tx) error {
					return tx.Bucket([]byte("artifacts")).Delete(manifest[:])
				})
			}},
		{name: "name index broken", problems: []string{"not indexed"},
			damage: func(t *testing.T, path string, _, _ tracker.ID) {
				poke(t, path, func(tx *bbolt.Tx) error {
					return tx.Bucket([]byte("study_names")).Delete([]byte("run-1/search/exp1/round-1"))
				})
			}},
		{name: "stale running trial", notes: []string{"RUNNING", "fail-stale"},
			damage: func(t *testing.T, path string, _, _ tracker.ID) {
				s, err := bolt.Open(path, bolt.NoSync())
				if err != nil {
					t.Fatal(err)
				}
				s.CreateNewTrial(1)
				s.Close()
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "cgx.db")
			img, manifest := fillDB(t, path)
			if tc.damage != nil {
				tc.damage(t, path, img, manifest)
			}
			s, err := bolt.Open(path, bolt.ReadOnly())
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			rep, err := s.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() != (len(tc.problems) == 0) {
				t.Errorf("OK() = %v with problems %+v", rep.OK(), rep.Problems)
			}
			all := ""
			for _, p := range rep.Problems {
				all += p.Object + ": " + p.Problem + "\n"
			}
			for _, w := range tc.problems {
				if !strings.Contains(all, w) {
					t.Errorf("problems do not mention %q:\n%s", w, all)
				}
			}
			notes := strings.Join(rep.Notes, "\n")
			for _, w := range tc.notes {
				if !strings.Contains(notes, w) {
					t.Errorf("notes do not mention %q:\n%s", w, notes)
				}
			}
			if tc.name == "clean" && (rep.Studies != 2 || rep.Trials != 10 || rep.Artifacts != 2 || rep.Runs != 1 || rep.Stages != 1 || len(rep.Notes) != 0) {
				t.Errorf("clean report = %+v", rep)
			}
		})
	}
}

func objectPath(dbPath string, id tracker.ID) string {
	h := id.String()
	return filepath.Join(filepath.Dir(dbPath), "objects", h[:2], h[2:])
}
