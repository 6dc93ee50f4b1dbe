package bolt_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/google/go-cmp/cmp"
)

func objectFile(s *bolt.Store, id tracker.ID) string {
	h := id.String()
	return filepath.Join(s.ObjectsDir(), h[:2], h[2:])
}

func TestArtifacts(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	png := []byte("\x89PNG fake image bytes")
	meta := tracker.ArtifactMeta{Kind: "image", MediaType: "image/png", RunID: 2, Stage: "dataset/cg", Name: "cg-0001.png"}
	id, err := s.PutArtifact(ctx, png, meta)
	if err != nil {
		t.Fatal(err)
	}
	if id != tracker.Sum(png) {
		t.Fatalf("id %s is not the SHA-256 of the bytes", id)
	}
	path := objectFile(s, id)
	if b, err := os.ReadFile(path); err != nil || !bytes.Equal(b, png) {
		t.Fatalf("object file %s: %v", path, err)
	}
	// Idempotent: same bytes, same id, first metadata kept.
	id2, err := s.PutArtifact(ctx, png, tracker.ArtifactMeta{Kind: "other"})
	if err != nil || id2 != id {
		t.Fatalf("second put: %s, %v", id2, err)
	}
	data, got, err := s.GetArtifact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := meta
	want.ID, want.Size = id, int64(len(png))
	if d := cmp.Diff(want, got); d != "" || !bytes.Equal(data, png) {
		t.Errorf("GetArtifact meta (-want +got):\n%s", d)
	}
	if st, err := s.StatArtifact(ctx, id); err != nil || st != want {
		t.Errorf("StatArtifact = %+v, %v", st, err)
	}
	other, err := s.PutArtifact(ctx, []byte(`{"images":[]}`), tracker.ArtifactMeta{Kind: "dataset-manifest", MediaType: "application/json"})
	if err != nil {
		t.Fatal(err)
	}
	for kind, wantN := range map[string]int{"": 2, "image": 1, "dataset-manifest": 1, "weights": 0} {
		list, err := s.ListArtifacts(ctx, kind)
		if err != nil || len(list) != wantN {
			t.Errorf("ListArtifacts(%q) = %d items, %v; want %d", kind, len(list), err, wantN)
		}
	}

	// Damage: flip a byte. Get names the id and the file and matches ErrCorruptArtifact.
	os.Chmod(path, 0o644)
	os.WriteFile(path, append([]byte("X"), png[1:]...), 0o644)
	_, _, err = s.GetArtifact(ctx, id)
	if !errors.Is(err, tracker.ErrCorruptArtifact) || !strings.Contains(err.Error(), id.String()) || !strings.Contains(err.Error(), path) {
		t.Errorf("GetArtifact of a damaged object: %v", err)
	}
	// Putting the same bytes again repairs the object.
	if _, err := s.PutArtifact(ctx, png, meta); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.GetArtifact(ctx, id); err != nil {
		t.Errorf("after repair: %v", err)
	}
	// Missing object file.
	os.Remove(objectFile(s, other))
	if _, _, err := s.GetArtifact(ctx, other); !errors.Is(err, tracker.ErrNotFound) || !strings.Contains(err.Error(), "missing") {
		t.Errorf("GetArtifact of a missing object: %v", err)
	}
	if _, err := s.StatArtifact(ctx, other); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("StatArtifact of a missing object: %v", err)
	}
	// Unknown id.
	if _, _, err := s.GetArtifact(ctx, tracker.Sum([]byte("never stored"))); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("GetArtifact of an unknown id: %v", err)
	}
	// No temporary files are left behind.
	filepath.Walk(s.ObjectsDir(), func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.Contains(p, ".tmp-") {
			t.Errorf("temporary file left: %s", p)
		}
		return nil
	})
}

func TestArtifactOnReadOnlyStore(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cgx.db")
	w, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	id, err := w.PutArtifact(ctx, []byte("weights"), tracker.ArtifactMeta{Kind: "weights"})
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	r, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if data, _, err := r.GetArtifact(ctx, id); err != nil || string(data) != "weights" {
		t.Errorf("read-only GetArtifact = %q, %v", data, err)
	}
	if _, err := r.PutArtifact(ctx, []byte("x"), tracker.ArtifactMeta{}); !errors.Is(err, tracker.ErrReadOnly) {
		t.Errorf("read-only PutArtifact: %v", err)
	}
}
