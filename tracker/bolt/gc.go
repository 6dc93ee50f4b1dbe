package bolt

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// GC removes the artifacts that nothing in the database references, and the
// object files no artifact names.
//
// An artifact is referenced when a run lists it, a stage outputs it, a run,
// stage or trial attribute (user or system) names its id, or a referenced
// JSON artifact (a dataset manifest, an image list) names it, recursively.
// Every stage and every study counts, whichever run made it: 'cgx runs rm'
// removes a run's own stages and studies first.
//
// The race with writers: GC runs in the one writing process (bbolt's
// exclusive file lock, which Open takes for a writer and keeps until
// Close), so no other process can add a run, a stage, a trial or an
// artifact while it decides and deletes; a process that wants to write waits
// for the lock or fails with ErrLocked. Within this process GC must not run
// alongside other writes through the same Store (PutArtifact writes its
// object before committing its metadata); 'cgx gc' makes none. Metadata is
// removed in one transaction before the object files, so a crash in between
// leaves only orphan objects, which the next GC removes: never metadata
// without bytes. Readers in other processes (through the socket) see each
// artifact either listed with its bytes, or not listed; a reader that listed
// an unreferenced artifact just before GC gets ErrNotFound for its bytes.
func (s *Store) GC(ctx context.Context, opt tracker.GCOptions) (tracker.GCReport, error) {
	rep := tracker.GCReport{DryRun: opt.DryRun, Artifacts: []tracker.ArtifactMeta{}, Orphans: []string{}}
	if err := s.writable("gc"); err != nil {
		return rep, err
	}
	metas, err := s.ListArtifacts(ctx, "")
	if err != nil {
		return rep, fmt.Errorf("gc: %w", err)
	}
	reached, err := tracker.ReferencedArtifacts(ctx, s, metas, opt.Unowned, func(id tracker.ID) ([]byte, error) {
		return os.ReadFile(objectPath(s.objects, id))
	})
	if err != nil {
		return rep, fmt.Errorf("gc: %w", err)
	}
	var drop []tracker.ID
	for _, m := range metas {
		if reached[m.ID] {
			rep.Kept++
			continue
		}
		rep.Artifacts = append(rep.Artifacts, m)
		rep.Bytes += m.Size
		drop = append(drop, m.ID)
	}
	known := make(map[string]bool, len(metas))
	for _, m := range metas {
		known[objectPath(s.objects, m.ID)] = true
	}
	orphans, orphanBytes, err := orphanObjects(ctx, s.objects, known)
	if err != nil {
		return rep, fmt.Errorf("gc: %w", err)
	}
	rep.Orphans, rep.Bytes = orphans, rep.Bytes+orphanBytes
	if opt.DryRun {
		return rep, nil
	}
	if len(drop) > 0 {
		s.wmu.Lock()
		err = s.commitLocked(&change{extra: func(tx *bbolt.Tx) error {
			b := tx.Bucket(bucketArtifacts)
			for _, id := range drop {
				if err := b.Delete(id[:]); err != nil {
					return err
				}
			}
			return nil
		}})
		s.wmu.Unlock()
		if err != nil {
			return rep, fmt.Errorf("gc: remove %d artifact records: %w", len(drop), err)
		}
	}
	var errs []error
	for _, id := range drop {
		if err := os.Remove(objectPath(s.objects, id)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	for _, p := range orphans {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return rep, fmt.Errorf("gc: the records are removed, but %d file(s) were not (run gc again): %w", len(errs), errors.Join(errs...))
	}
	return rep, nil
}

// orphanObjects lists the files under objects that known does not hold:
// object files of no artifact and temporary files of interrupted writes.
// Files whose names are not object-like are left alone.
func orphanObjects(ctx context.Context, objects string, known map[string]bool) ([]string, int64, error) {
	var out []string
	var bytes int64
	err := filepath.WalkDir(objects, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && p == objects {
				return filepath.SkipDir
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if d.IsDir() || known[p] {
			return nil
		}
		rel, err := filepath.Rel(objects, p)
		if err != nil {
			return nil
		}
		dir, name := filepath.Split(rel)
		dir = strings.TrimSuffix(dir, string(filepath.Separator))
		objectLike := len(dir) == 2 && isHex(dir) && len(name) == 62 && isHex(name)
		temp := len(dir) == 2 && strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-") ||
			dir == "" && strings.HasPrefix(name, streamTempPrefix)
		if !objectLike && !temp {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			bytes += fi.Size()
		}
		out = append(out, p)
		return nil
	})
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	sort.Strings(out)
	return out, bytes, err
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
