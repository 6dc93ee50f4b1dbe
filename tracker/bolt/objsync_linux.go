package bolt

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// objectSyncer makes a batch of object files durable at once. On Linux that
// is one syncfs of the objects folder's file system: one journal commit
// however many files the batch wrote, instead of an fsync per file and
// per folder. It also flushes whatever else is dirty on that file system,
// so on a file system that other programs keep busy it waits for their
// writes too.
type objectSyncer struct{ dir *os.File }

// openObjectSyncer opens the objects folder. Linux reports to syncfs the
// write-back errors seen since the descriptor was opened (5.8 and later),
// so it is opened before the batch writes anything.
func openObjectSyncer(objects string) (*objectSyncer, error) {
	d, err := os.Open(objects)
	if err != nil {
		return nil, fmt.Errorf("open folder %s: %w", objects, err)
	}
	return &objectSyncer{dir: d}, nil
}

// file is called on each object file the batch writes, before it is
// renamed into place: nothing to do here, sync covers it.
func (o *objectSyncer) file(*os.File) error { return nil }

// sync makes the objects at paths durable, with their folders' entries.
func (o *objectSyncer) sync(paths []string) error {
	if len(paths) == 0 {
		return nil
	}
	if err := unix.Syncfs(int(o.dir.Fd())); err != nil {
		return fmt.Errorf("sync the file system of %s: %w", o.dir.Name(), err)
	}
	return nil
}

func (o *objectSyncer) close() { o.dir.Close() }
