package bolt

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"go.etcd.io/bbolt"

	"github.com/cgx-dev/cgx/tracker"
)

// streamTempPrefix starts the name of the temporary file PutArtifactFrom
// writes directly under the objects folder before it knows the object's
// name; GC removes such files when a crash left them behind.
const streamTempPrefix = ".stream.tmp-"

// PutArtifactFrom stores the bytes read from r until EOF, as PutArtifact
// does, without holding them in memory: they go to a temporary file under
// the objects folder while being hashed, and that file is then published
// the same way (fsync, rename to the object's path, fsync of its folder)
// before the metadata is committed.
func (s *Store) PutArtifactFrom(ctx context.Context, r io.Reader, meta tracker.ArtifactMeta) (tracker.ID, error) {
	if err := ctx.Err(); err != nil {
		return tracker.ID{}, err
	}
	if err := s.writable("put artifact"); err != nil {
		return tracker.ID{}, err
	}
	id, n, err := s.publishFrom(ctx, r)
	if err != nil {
		return tracker.ID{}, fmt.Errorf("put artifact: %w", err)
	}
	meta.ID, meta.Size = id, n
	raw, err := encodeArtifact(meta)
	if err != nil {
		return tracker.ID{}, fmt.Errorf("put artifact %s: %w", id, err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err = s.commitLocked(&change{extra: func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketArtifacts)
		if b.Get(id[:]) != nil {
			return nil
		}
		return b.Put(id[:], raw)
	}})
	if err != nil {
		return tracker.ID{}, fmt.Errorf("put artifact %s: %w", id, err)
	}
	return id, nil
}

// publishFrom copies r into a temporary file, then makes it the object of
// its hash unless a sound object with that hash is already there.
func (s *Store) publishFrom(ctx context.Context, r io.Reader) (id tracker.ID, n int64, err error) {
	if err := os.MkdirAll(s.objects, 0o755); err != nil {
		return id, 0, fmt.Errorf("create folder %s: %w", s.objects, err)
	}
	f, err := os.CreateTemp(s.objects, streamTempPrefix+"*")
	if err != nil {
		return id, 0, fmt.Errorf("create temporary object: %w", err)
	}
	tmp := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			os.Remove(tmp)
		}
	}()
	h := sha256.New()
	n, err = io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r})
	if err != nil {
		return id, 0, fmt.Errorf("write %s: %w", tmp, err)
	}
	h.Sum(id[:0])
	path := objectPath(s.objects, id)
	if got, size, err := hashFile(path); err == nil && got == id && size == n {
		err = os.Remove(tmp) // the object is there already: deduplicated
		return id, n, err
	}
	if err := f.Chmod(0o444); err != nil {
		return id, 0, fmt.Errorf("write %s: %w", tmp, err)
	}
	if err := fdatasync(f); err != nil {
		return id, 0, fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		f = nil
		return id, 0, fmt.Errorf("close %s: %w", tmp, err)
	}
	f = nil
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return id, 0, fmt.Errorf("create folder %s: %w", dir, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return id, 0, fmt.Errorf("publish object %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return id, n, err
	}
	return id, n, syncDir(s.objects)
}

// ctxReader stops a long copy when its context is canceled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// OpenArtifact streams an artifact's object file. The bytes are hashed as
// they are read: at the end, bytes that do not hash to the id (or are not
// the recorded size) give an error matching ErrCorruptArtifact instead of
// io.EOF, so a reader that reads to the end never takes damage for data.
func (s *Store) OpenArtifact(ctx context.Context, id tracker.ID) (io.ReadCloser, tracker.ArtifactMeta, error) {
	meta, err := s.artifactMeta(ctx, id)
	if err != nil {
		return nil, tracker.ArtifactMeta{}, err
	}
	path := objectPath(s.objects, id)
	f, err := os.Open(path)
	if err != nil {
		return nil, tracker.ArtifactMeta{}, objectError(id, path, err)
	}
	return &verifyingReader{f: f, h: sha256.New(), id: id, path: path, size: meta.Size}, meta, nil
}

// verifyingReader checks the hash and size of an object at EOF.
type verifyingReader struct {
	f    *os.File
	h    hash.Hash
	id   tracker.ID
	path string
	size int64
	n    int64
	err  error // sticky verdict once EOF was reached
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.f.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if errors.Is(err, io.EOF) {
		var got tracker.ID
		v.h.Sum(got[:0])
		switch {
		case v.n != v.size:
			v.err = tracker.Tagf(tracker.ErrCorruptArtifact, "artifact %s: file %s is damaged (%d bytes, want %d); restore it from a backup or rerun the stage that made it",
				v.id, v.path, v.n, v.size)
		case got != v.id:
			v.err = tracker.Tagf(tracker.ErrCorruptArtifact, "artifact %s: file %s is damaged (its bytes hash to %s); restore it from a backup or rerun the stage that made it",
				v.id, v.path, got)
		default:
			v.err = io.EOF
		}
		return n, v.err
	}
	if err != nil {
		err = fmt.Errorf("artifact %s: read %s: %w", v.id, v.path, err)
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.f.Close() }

// Info says that this is a bbolt file, where, in which format.
func (s *Store) Info() tracker.Info {
	return tracker.Info{Backend: "bbolt", Location: s.path, FormatVersion: FormatVersion, ReadOnly: s.opts.readOnly}
}
