package bolt

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// Artifacts are content-addressed: the bytes live in objects/ab/cdef...
// (named by their SHA-256) next to the database file, the metadata in bucket
// "artifacts" keyed by the 32-byte id. Objects are written before their
// metadata, so a crash can leave an unreferenced object (harmless, reported
// as a note by Check) but never metadata without bytes.

// PutArtifact stores data and returns its id. Storing the same bytes again
// returns the same id and keeps the first metadata; a damaged object file is
// rewritten. meta.ID and meta.Size are set by the store.
func (s *Store) PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error) {
	if err := ctx.Err(); err != nil {
		return tracker.ID{}, err
	}
	if err := s.writable("put artifact"); err != nil {
		return tracker.ID{}, err
	}
	id := tracker.Sum(data)
	meta.ID, meta.Size = id, int64(len(data))
	path := objectPath(s.objects, id)
	if got, n, err := hashFile(path); err != nil || got != id || n != meta.Size {
		if err := writeFileAtomic(path, data, 0o444); err != nil {
			return tracker.ID{}, fmt.Errorf("put artifact %s: %w", id, err)
		}
	}
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

// GetArtifact returns an artifact's bytes, re-hashed: damaged bytes give an
// error matching ErrCorruptArtifact, a missing object or unknown id one
// matching ErrNotFound; both name the id and the file.
func (s *Store) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	meta, err := s.artifactMeta(ctx, id)
	if err != nil {
		return nil, tracker.ArtifactMeta{}, err
	}
	path := objectPath(s.objects, id)
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, tracker.ArtifactMeta{}, objectError(id, path, err)
	}
	if got := tracker.Sum(data); got != id {
		return nil, tracker.ArtifactMeta{}, tracker.Tagf(tracker.ErrCorruptArtifact, "artifact %s: file %s is damaged (its bytes hash to %s); restore it from a backup or rerun the stage that made it",
			id, path, got)
	}
	return data, meta, nil
}

// StatArtifact returns an artifact's metadata after checking that its object
// file exists with the recorded size (without re-hashing it).
func (s *Store) StatArtifact(ctx context.Context, id tracker.ID) (tracker.ArtifactMeta, error) {
	meta, err := s.artifactMeta(ctx, id)
	if err != nil {
		return tracker.ArtifactMeta{}, err
	}
	path := objectPath(s.objects, id)
	fi, err := os.Stat(path)
	if err != nil {
		return tracker.ArtifactMeta{}, objectError(id, path, err)
	}
	if fi.Size() != meta.Size {
		return tracker.ArtifactMeta{}, tracker.Tagf(tracker.ErrCorruptArtifact, "artifact %s: file %s is damaged (%d bytes, want %d); restore it from a backup or rerun the stage that made it",
			id, path, fi.Size(), meta.Size)
	}
	return meta, nil
}

// ListArtifacts returns the metadata of every artifact of a kind ("" for
// all), in id order.
func (s *Store) ListArtifacts(ctx context.Context, kind string) ([]tracker.ArtifactMeta, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	src, err := s.src()
	if err != nil {
		return nil, err
	}
	return src.artifactList(kind)
}

func (s *Store) artifactMeta(ctx context.Context, id tracker.ID) (tracker.ArtifactMeta, error) {
	if err := ctx.Err(); err != nil {
		return tracker.ArtifactMeta{}, err
	}
	src, err := s.src()
	if err != nil {
		return tracker.ArtifactMeta{}, err
	}
	return src.artifactMeta(id)
}

func objectError(id tracker.ID, path string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return tracker.Tagf(tracker.ErrNotFound, "artifact %s: file %s is missing; restore it from a backup or rerun the stage that made it", id, path)
	}
	return fmt.Errorf("artifact %s: read %s: %w", id, path, err)
}

func getArtifactTx(tx *bbolt.Tx, id tracker.ID) (tracker.ArtifactMeta, error) {
	raw := tx.Bucket(bucketArtifacts).Get(id[:])
	if raw == nil {
		return tracker.ArtifactMeta{}, tracker.NotFound("artifact " + id.String())
	}
	return decodeArtifact(id[:], raw)
}

func encodeArtifact(m tracker.ArtifactMeta) ([]byte, error) {
	js, err := json.Marshal(m)
	return sealJSON(js), err
}

func decodeArtifact(k, raw []byte) (tracker.ArtifactMeta, error) {
	var m tracker.ArtifactMeta
	raw, err := openJSON(raw)
	if err != nil {
		return m, fmt.Errorf("artifact %x: %w: %w", k, err, tracker.ErrCorruptDB)
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		return m, fmt.Errorf("artifact %x: %w: %w", k, err, tracker.ErrCorruptDB)
	}
	return m, nil
}

func listArtifactsTx(tx *bbolt.Tx, kind string) ([]tracker.ArtifactMeta, error) {
	var out []tracker.ArtifactMeta
	var bad badRecords
	err := tx.Bucket(bucketArtifacts).ForEach(func(k, v []byte) error {
		m, err := decodeArtifact(k, v)
		if err != nil {
			bad.add(fmt.Sprintf("artifact %x", k), err)
			return nil
		}
		if kind == "" || m.Kind == kind {
			out = append(out, m)
		}
		return nil
	})
	if err != nil {
		return out, err
	}
	return out, bad.err()
}
