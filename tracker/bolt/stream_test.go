package bolt_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

func TestStreamedArtifacts(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	data := bytes.Repeat([]byte("streamed artifact bytes "), 10000)
	meta := tracker.ArtifactMeta{Kind: "weights", MediaType: "application/octet-stream"}
	id, err := s.PutArtifactFrom(ctx, bytes.NewReader(data), meta)
	if err != nil {
		t.Fatal(err)
	}
	if id != tracker.Sum(data) {
		t.Fatalf("PutArtifactFrom id %s, want the SHA-256 of the bytes %s", id, tracker.Sum(data))
	}
	// Deduplicated with PutArtifact: same id, one object, first metadata kept.
	id2, err := s.PutArtifact(ctx, data, tracker.ArtifactMeta{Kind: "other"})
	if err != nil || id2 != id {
		t.Fatalf("PutArtifact of the same bytes = %s, %v; want %s", id2, err, id)
	}
	id3, err := s.PutArtifactFrom(ctx, bytes.NewReader(data), tracker.ArtifactMeta{Kind: "other"})
	if err != nil || id3 != id {
		t.Fatalf("second PutArtifactFrom = %s, %v; want %s", id3, err, id)
	}
	r, got, err := s.OpenArtifact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	read, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(read, data) {
		t.Fatalf("OpenArtifact read %d bytes, %v; want %d bytes", len(read), err, len(data))
	}
	if got.Kind != "weights" || got.Size != int64(len(data)) || got.ID != id {
		t.Errorf("OpenArtifact meta = %+v, want the first put's, with size %d", got, len(data))
	}
	// No temporary file stays behind.
	if tmp, _ := filepath.Glob(filepath.Join(s.ObjectsDir(), ".stream.tmp-*")); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
	if _, _, err := s.OpenArtifact(ctx, tracker.Sum([]byte("never stored"))); !errors.Is(err, tracker.ErrNotFound) {
		t.Errorf("OpenArtifact of an unknown id = %v, want ErrNotFound", err)
	}
}

func TestOpenArtifactDetectsDamage(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"flipped byte", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }},
		{"cut short", func(b []byte) []byte { return b[:len(b)-1] }},
		{"longer", func(b []byte) []byte { return append(b, 'x') }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := openTemp(t)
			data := bytes.Repeat([]byte{1, 2, 3}, 5000)
			id, err := s.PutArtifactFrom(ctx, bytes.NewReader(data), tracker.ArtifactMeta{Kind: "blob"})
			if err != nil {
				t.Fatal(err)
			}
			path := objectFile(s, id)
			os.Chmod(path, 0o644)
			if err := os.WriteFile(path, tc.damage(append([]byte(nil), data...)), 0o644); err != nil {
				t.Fatal(err)
			}
			r, _, err := s.OpenArtifact(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if _, err := io.ReadAll(r); !errors.Is(err, tracker.ErrCorruptArtifact) {
				t.Errorf("reading a damaged object to the end = %v, want ErrCorruptArtifact", err)
			}
		})
	}
}

func TestGCRemovesStreamTemporaries(t *testing.T) {
	ctx := context.Background()
	s := openTemp(t)
	if err := os.MkdirAll(s.ObjectsDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	stray := filepath.Join(s.ObjectsDir(), ".stream.tmp-123")
	if err := os.WriteFile(stray, []byte("interrupted"), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := s.GC(ctx, tracker.GCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Orphans) != 1 || rep.Orphans[0] != stray {
		t.Errorf("GC orphans = %v, want [%s]", rep.Orphans, stray)
	}
	if _, err := os.Stat(stray); !os.IsNotExist(err) {
		t.Errorf("%s still there after GC: %v", stray, err)
	}
}

var _ interface {
	tracker.ArtifactStorage
	Info() tracker.Info
} = (*bolt.Store)(nil)
