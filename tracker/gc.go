package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// GCReport is what GC removed (or, in a dry run, would remove).
type GCReport struct {
	DryRun bool `json:"dry_run"`
	// Artifacts lists the artifacts nothing references: their metadata and
	// object files go.
	Artifacts []ArtifactMeta `json:"artifacts"`
	// Orphans lists object files under the objects folder that no artifact
	// names (left by an interrupted write), and temporary files.
	Orphans []string `json:"orphans"`
	// Bytes counts the bytes removed (artifacts and orphans).
	Bytes int64 `json:"bytes"`
	// Kept counts the artifacts something references.
	Kept int `json:"kept"`
}

// GCOptions chooses what GC may remove.
type GCOptions struct {
	// DryRun reports what would go and removes nothing.
	DryRun bool
	// Unowned also collects artifacts made outside any run (RunID 0, such as
	// the datasets of 'cgx dataset generate') when nothing references them;
	// by default they are kept, being the user's own.
	Unowned bool
}

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
func (s *Store) GC(ctx context.Context, opt GCOptions) (GCReport, error) {
	rep := GCReport{DryRun: opt.DryRun, Artifacts: []ArtifactMeta{}, Orphans: []string{}}
	if err := s.writable("gc"); err != nil {
		return rep, err
	}
	metas, err := s.ListArtifacts(ctx, "")
	if err != nil {
		return rep, fmt.Errorf("gc: %w", err)
	}
	reached, err := s.referencedArtifacts(ctx, metas, opt.Unowned)
	if err != nil {
		return rep, fmt.Errorf("gc: %w", err)
	}
	var drop []ID
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
		err = s.commitLocked(&change{extra: func(tx *bolt.Tx) error {
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

// referencedArtifacts returns every artifact id reachable from the runs,
// stages and trials (and, unless unowned, from artifacts made outside a run).
func (s *Store) referencedArtifacts(ctx context.Context, metas []ArtifactMeta, unowned bool) (map[ID]bool, error) {
	known := make(map[ID]ArtifactMeta, len(metas))
	for _, m := range metas {
		known[m.ID] = m
	}
	reached := map[ID]bool{}
	var queue []ID
	add := func(id ID) {
		if _, ok := known[id]; ok && !reached[id] {
			reached[id] = true
			queue = append(queue, id)
		}
	}
	addText := func(v string) {
		if len(v) == 64 {
			if id, err := ParseID(v); err == nil {
				add(id)
			}
		}
	}
	addAttrs := func(m map[string]string) {
		for _, v := range m {
			addText(v)
		}
	}
	runs, err := s.ListRuns(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		for _, id := range r.Artifacts {
			add(id)
		}
		addAttrs(r.Attrs)
	}
	stages, err := s.ListStages(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, st := range stages {
		for _, id := range st.Outputs {
			add(id)
		}
		addAttrs(st.Attrs)
	}
	studies, err := s.Studies()
	if err != nil {
		return nil, err
	}
	for _, sd := range studies {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		addAttrs(sd.UserAttrs)
		addAttrs(sd.SystemAttrs)
		trials, err := s.GetAllTrials(sd.ID)
		if err != nil {
			return nil, err
		}
		for i := range trials {
			addAttrs(trials[i].UserAttrs)
			addAttrs(trials[i].SystemAttrs)
		}
	}
	if !unowned {
		for _, m := range metas {
			if m.RunID == 0 {
				add(m.ID)
			}
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if !strings.HasSuffix(known[id].MediaType, "json") {
			continue
		}
		data, err := os.ReadFile(objectPath(s.objects, id))
		if err != nil {
			// A missing or unreadable JSON artifact hides what it names:
			// stop rather than delete what it might reference.
			return nil, fmt.Errorf("read artifact %s to follow its references: %w; 'cgx check' reports damage", id, err)
		}
		var v any
		if json.Unmarshal(data, &v) == nil {
			walkJSONStrings(v, addText)
		}
	}
	return reached, nil
}

func walkJSONStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkJSONStrings(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			walkJSONStrings(e, fn)
		}
	}
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
		temp := len(dir) == 2 && strings.HasPrefix(name, ".") && strings.Contains(name, ".tmp-")
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
