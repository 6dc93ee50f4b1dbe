package storagetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

func artifactCases() []dbCase {
	return append([]dbCase{
		{"bytes and metadata round trip under their SHA-256", artifactRoundTrip},
		{"the same bytes are stored once, first metadata kept", artifactDedupe},
		{"listing filters by kind, in id order", artifactList},
		{"unknown ids are not found", artifactUnknown},
		{"a multi-MiB artifact streams in and out", artifactStream},
		{"a failing reader stores nothing", artifactReaderFails},
		{"streamed and whole puts agree", artifactStreamDedupe},
	}, artifactBatchCases()...)
}

// stream is n deterministic pseudo-random bytes, produced as they are read
// so that a test never holds them whole.
type stream struct {
	n   int64
	rng *rand.ChaCha8
}

func newStream(n int64, seed byte) *stream {
	return &stream{n: n, rng: rand.NewChaCha8([32]byte{seed})}
}

func (s *stream) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	s.rng.Read(p)
	s.n -= int64(len(p))
	return len(p), nil
}

// streamSum hashes what newStream(n, seed) produces.
func streamSum(t *testing.T, n int64, seed byte) tracker.ID {
	h := sha256.New()
	if _, err := io.Copy(h, newStream(n, seed)); err != nil {
		t.Fatal(err)
	}
	var id tracker.ID
	copy(id[:], h.Sum(nil))
	return id
}

func artifactRoundTrip(t *testing.T, db tracker.DB) {
	run := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	data := []byte("\x89PNG fake image bytes\x00\xff")
	meta := tracker.ArtifactMeta{Kind: "image", MediaType: "image/png", RunID: run, Stage: "dataset/cg", Name: "scene_0.png"}
	id := of(db.PutArtifact(bg, data, meta)).must(t)
	if id != tracker.Sum(data) {
		t.Fatalf("id %s, want the SHA-256 %s", id, tracker.Sum(data))
	}
	want := meta
	want.ID, want.Size = id, int64(len(data))
	got, gotMeta, err := db.GetArtifact(bg, id)
	ok(t, err)
	if !bytes.Equal(got, data) {
		t.Errorf("GetArtifact bytes %q, want %q", got, data)
	}
	diff(t, "GetArtifact meta", want, gotMeta)
	diff(t, "StatArtifact", want, of(db.StatArtifact(bg, id)).must(t))
	empty := of(db.PutArtifact(bg, nil, tracker.ArtifactMeta{Kind: "empty"})).must(t)
	if b, m, err := db.GetArtifact(bg, empty); err != nil || len(b) != 0 || m.Size != 0 || empty != tracker.Sum(nil) {
		t.Errorf("empty artifact: %d bytes, size %d, id %s, %v", len(b), m.Size, empty, err)
	}
}

func artifactDedupe(t *testing.T, db tracker.DB) {
	data := []byte(`{"images":[]}`)
	first := tracker.ArtifactMeta{Kind: "dataset-manifest", MediaType: "application/json", Name: "first"}
	a := of(db.PutArtifact(bg, data, first)).must(t)
	b := of(db.PutArtifact(bg, data, tracker.ArtifactMeta{Kind: "other", Name: "second"})).must(t)
	if a != b {
		t.Fatalf("the same bytes got ids %s and %s", a, b)
	}
	all := of(db.ListArtifacts(bg, "")).must(t)
	first.ID, first.Size = a, int64(len(data))
	diff(t, "artifacts after storing the same bytes twice", []tracker.ArtifactMeta{first}, all)
}

func artifactList(t *testing.T, db tracker.DB) {
	var images, all []tracker.ArtifactMeta
	for i, kind := range []string{"image", "weights", "image", "image", "dataset-manifest"} {
		data := []byte{byte(i), 'x'}
		m := tracker.ArtifactMeta{Kind: kind, MediaType: "application/octet-stream"}
		m.ID = of(db.PutArtifact(bg, data, m)).must(t)
		m.Size = 2
		all = append(all, m)
		if kind == "image" {
			images = append(images, m)
		}
	}
	byID := func(ms []tracker.ArtifactMeta) []tracker.ArtifactMeta {
		out := append([]tracker.ArtifactMeta(nil), ms...)
		for i := range out {
			for j := i + 1; j < len(out); j++ {
				if bytes.Compare(out[j].ID[:], out[i].ID[:]) < 0 {
					out[i], out[j] = out[j], out[i]
				}
			}
		}
		return out
	}
	diff(t, `ListArtifacts("")`, byID(all), of(db.ListArtifacts(bg, "")).must(t))
	diff(t, `ListArtifacts("image")`, byID(images), of(db.ListArtifacts(bg, "image")).must(t))
	if n := len(of(db.ListArtifacts(bg, "no-such-kind")).must(t)); n != 0 {
		t.Errorf("%d artifacts of an unknown kind", n)
	}
}

func artifactUnknown(t *testing.T, db tracker.DB) {
	id := tracker.Sum([]byte("never stored"))
	_, _, err := db.GetArtifact(bg, id)
	wantErr(t, "GetArtifact(unknown)", err, tracker.ErrNotFound)
	_, err = db.StatArtifact(bg, id)
	wantErr(t, "StatArtifact(unknown)", err, tracker.ErrNotFound)
	rc, _, err := db.OpenArtifact(bg, id)
	if errors.Is(err, errors.ErrUnsupported) {
		return
	}
	if rc != nil {
		rc.Close()
	}
	wantErr(t, "OpenArtifact(unknown)", err, tracker.ErrNotFound)
}

func artifactStream(t *testing.T, db tracker.DB) {
	const size = 5<<20 + 12345 // not a multiple of any chunk size
	run := of(db.CreateRun(bg, tracker.Run{Name: "x"})).must(t)
	meta := tracker.ArtifactMeta{Kind: "weights", MediaType: "application/octet-stream", RunID: run, Stage: "discriminator/main", Name: "weights.bin"}
	id, err := db.PutArtifactFrom(bg, newStream(size, 7), meta)
	unsupported(t, "streaming artifacts (PutArtifactFrom)", err)
	if want := streamSum(t, size, 7); id != want {
		t.Fatalf("id %s, want the SHA-256 %s", id, want)
	}
	want := meta
	want.ID, want.Size = id, size
	diff(t, "StatArtifact", want, of(db.StatArtifact(bg, id)).must(t))
	rc, gotMeta, err := db.OpenArtifact(bg, id)
	unsupported(t, "streaming artifacts (OpenArtifact)", err)
	diff(t, "OpenArtifact meta", want, gotMeta)
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	ok(t, err)
	var got tracker.ID
	copy(got[:], h.Sum(nil))
	if n != size || got != id {
		t.Errorf("OpenArtifact streamed %d bytes hashing to %s, want %d bytes hashing to %s", n, got, int64(size), id)
	}
	whole, _, err := db.GetArtifact(bg, id)
	ok(t, err)
	if int64(len(whole)) != size || tracker.Sum(whole) != id {
		t.Errorf("GetArtifact of a streamed artifact: %d bytes hashing to %s", len(whole), tracker.Sum(whole))
	}
}

// failing yields some bytes and then an error.
type failing struct{ n int }

var errReader = errors.New("reader broke")

func (f *failing) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errReader
	}
	k := min(len(p), f.n)
	for i := range p[:k] {
		p[i] = 'z'
	}
	f.n -= k
	return k, nil
}

func artifactReaderFails(t *testing.T, db tracker.DB) {
	_, err := db.PutArtifactFrom(bg, &failing{n: 3 << 20}, tracker.ArtifactMeta{Kind: "weights"})
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skipf("backend does not provide streaming artifacts yet: %v", err)
	}
	wantErr(t, "PutArtifactFrom with a failing reader", err, errReader)
	if n := len(of(db.ListArtifacts(bg, "")).must(t)); n != 0 {
		t.Errorf("%d artifacts recorded from a reader that failed", n)
	}
}

func artifactStreamDedupe(t *testing.T, db tracker.DB) {
	data := make([]byte, 300<<10)
	if _, err := io.ReadFull(newStream(int64(len(data)), 3), data); err != nil {
		t.Fatal(err)
	}
	a := of(db.PutArtifact(bg, data, tracker.ArtifactMeta{Kind: "first"})).must(t)
	b, err := db.PutArtifactFrom(bg, bytes.NewReader(data), tracker.ArtifactMeta{Kind: "second"})
	unsupported(t, "streaming artifacts (PutArtifactFrom)", err)
	c, err := db.PutArtifactFrom(bg, newStream(int64(len(data)), 4), tracker.ArtifactMeta{Kind: "third"})
	ok(t, err)
	if a != b || a == c {
		t.Errorf("ids %s (whole), %s (same bytes streamed), %s (other bytes)", a, b, c)
	}
	metas := of(db.ListArtifacts(bg, "")).must(t)
	if len(metas) != 2 {
		t.Fatalf("%d artifacts, want 2", len(metas))
	}
	if m := of(db.StatArtifact(bg, a)).must(t); m.Kind != "first" {
		t.Errorf("streaming the same bytes again changed the kind to %q", m.Kind)
	}
}
