package bolt

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// PutArtifacts stores a batch as PutArtifact stores each of its items, in
// order, with one sync for all the objects and one commit for all the
// metadata. Each object that is not already sound in place is written
// through a temporary file and renamed, without a sync of its own; then
// the objects folder's file system is synced once (syncfs on Linux, which
// also covers objects of the batch found in place that another writer has
// not synced yet; elsewhere each new file and then each folder); then one
// commit records every new artifact. The invariant of artifacts.go holds:
// an object is durable before any metadata names it.
//
// It is all or nothing: an error (a canceled ctx included) before the
// commit leaves at most unreferenced objects, never a record. With NoSync
// the objects are not synced either; they reach the operating system
// before the commit, so kill -9 still leaves no metadata without bytes.
func (s *Store) PutArtifacts(ctx context.Context, items []tracker.ArtifactPut) ([]tracker.ID, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("put artifacts: %w", err)
	}
	if err := s.writable("put artifacts"); err != nil {
		return nil, err
	}
	ids := make([]tracker.ID, len(items))
	if len(items) == 0 {
		return ids, nil
	}
	if err := os.MkdirAll(s.objects, 0o755); err != nil {
		return nil, fmt.Errorf("put artifacts: create folder %s: %w", s.objects, err)
	}
	var syncer *objectSyncer
	if !s.opts.noSync {
		// Opened before anything is written, so that the sync reports
		// every write-back error of the batch's files.
		var err error
		if syncer, err = openObjectSyncer(s.objects); err != nil {
			return nil, fmt.Errorf("put artifacts: %w", err)
		}
		defer syncer.close()
	}
	type record struct {
		id  tracker.ID
		raw []byte
	}
	recs := make([]record, 0, len(items))
	seen := make(map[tracker.ID]bool, len(items))
	var paths []string
	for i, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("put artifacts: %w", err)
		}
		id := tracker.Sum(it.Data)
		ids[i] = id
		if seen[id] {
			continue // the first metadata in the batch wins
		}
		seen[id] = true
		meta := it.Meta
		meta.ID, meta.Size = id, int64(len(it.Data))
		raw, err := encodeArtifact(meta)
		if err != nil {
			return nil, fmt.Errorf("put artifacts: item %d (artifact %s): %w", i, id, err)
		}
		path := objectPath(s.objects, id)
		if got, n, err := hashFile(path); err != nil || got != id || n != meta.Size {
			if err := placeObject(path, it.Data, syncer); err != nil {
				return nil, fmt.Errorf("put artifacts: item %d (artifact %s): %w", i, id, err)
			}
		}
		paths = append(paths, path)
		recs = append(recs, record{id, raw})
	}
	if syncer != nil {
		if err := syncer.sync(paths); err != nil {
			return nil, fmt.Errorf("put artifacts: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("put artifacts: %w", err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.commitLocked(&change{extra: func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketArtifacts)
		for _, r := range recs {
			if b.Get(r.id[:]) != nil {
				continue
			}
			if err := b.Put(r.id[:], r.raw); err != nil {
				return fmt.Errorf("artifact %s: %w", r.id, err)
			}
		}
		return nil
	}})
	if err != nil {
		return nil, fmt.Errorf("put artifacts: commit %d artifacts: %w", len(recs), err)
	}
	return ids, nil
}

// placeObject publishes data at path as writeFileAtomic does (a temporary
// file in the same folder, named as GC recognises it, then renamed over
// path, so path holds either its old bytes or all of data), leaving the
// syncs to syncer (none when it is nil), which makes the batch durable.
func placeObject(path string, data []byte, syncer *objectSyncer) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create folder %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: create temporary file: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if err = f.Chmod(0o444); err != nil {
		return fmt.Errorf("write %s: %w", tmp, err)
	}
	if syncer != nil {
		if err = syncer.file(f); err != nil {
			return fmt.Errorf("sync %s: %w", tmp, err)
		}
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", tmp, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("publish object %s: %w", path, err)
	}
	return nil
}
