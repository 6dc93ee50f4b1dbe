//go:build !linux

package bolt

import (
	"os"
	"path/filepath"
)

// objectSyncer makes a batch of object files durable. Without Linux's
// syncfs each file the batch writes is synced before it is renamed into
// place, then each folder that holds one, once, then the objects folder
// (which may have gained those folders): the syncs of one PutArtifact per
// file, fewer where files share a folder.
type objectSyncer struct{ objects string }

func openObjectSyncer(objects string) (*objectSyncer, error) {
	return &objectSyncer{objects: objects}, nil
}

// file syncs an object file the batch wrote, before it is renamed.
func (o *objectSyncer) file(f *os.File) error { return fdatasync(f) }

// sync makes the objects at paths durable, with their folders' entries.
func (o *objectSyncer) sync(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	dirs := map[string]bool{}
	for _, p := range paths {
		dirs[filepath.Dir(p)] = true
	}
	for d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return syncDir(o.objects)
}

func (o *objectSyncer) close() {}
