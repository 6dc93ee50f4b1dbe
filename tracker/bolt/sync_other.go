//go:build !linux

package bolt

import "os"

// fdatasync falls back to a full fsync where fdatasync is not available.
func fdatasync(f *os.File) error { return f.Sync() }

// aioSync is Linux AIO's fdatasync (sync_linux.go); elsewhere there is none
// and the journal syncs on a goroutine while the caller works.
type aioSync struct{}

func newAIOSync() *aioSync            { return nil }
func (*aioSync) start(*os.File) error { return nil }
func (*aioSync) wait() error          { return nil }
func (*aioSync) close()               {}
