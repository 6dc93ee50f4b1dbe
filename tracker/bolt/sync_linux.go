package bolt

import (
	"errors"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// fdatasync flushes f's data, and only the metadata needed to read it back
// (not its times), to stable storage.
func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }

// aioSync runs fdatasyncs through Linux AIO (an IOCB_CMD_FDSYNC request,
// Linux 4.18 and later): start returns at once while the kernel syncs on
// its own worker, and wait blocks until the sync is done. The caller works
// in between on its own goroutine, with no goroutine for a busy scheduler
// to start late. The flush is the same vfs_fsync(file, datasync) that
// fdatasync makes.
type aioSync struct {
	ctx     uintptr // the kernel's aio_context_t
	pending bool
}

// The kernel's struct iocb and struct io_event (linux/aio_abi.h), laid out
// for a little-endian 64-bit machine; newAIOSync refuses other machines.
type aioCB struct {
	data     uint64
	key      uint32
	rwFlags  int32
	opcode   uint16
	reqprio  int16
	fildes   uint32
	buf      uint64
	nbytes   uint64
	offset   int64
	reserved uint64
	flags    uint32
	resfd    uint32
}

type aioEvent struct {
	data, obj uint64
	res, res2 int64
}

const aioCmdFdsync = 3 // IOCB_CMD_FDSYNC

// aioUsable is false on machines whose iocb layout this file does not
// match, and in tests of the fallback.
var aioUsable = unsafe.Sizeof(aioCB{}) == 64 && unsafe.Sizeof(uintptr(0)) == 8 && littleEndian()

func littleEndian() bool {
	v := uint16(1)
	return *(*byte)(unsafe.Pointer(&v)) == 1
}

// newAIOSync sets up an AIO context, or returns nil where AIO is missing or
// refused (the caller then syncs on a goroutine).
func newAIOSync() *aioSync {
	if !aioUsable {
		return nil
	}
	a := &aioSync{}
	if _, _, e := unix.Syscall(unix.SYS_IO_SETUP, 1, uintptr(unsafe.Pointer(&a.ctx)), 0); e != 0 {
		return nil
	}
	return a
}

// start submits an fdatasync of f. An error means nothing was submitted.
func (a *aioSync) start(f *os.File) error {
	cb := aioCB{opcode: aioCmdFdsync, fildes: uint32(f.Fd())}
	cbs := [1]*aioCB{&cb}
	for {
		n, _, e := unix.Syscall(unix.SYS_IO_SUBMIT, a.ctx, 1, uintptr(unsafe.Pointer(&cbs[0])))
		switch {
		case e == unix.EINTR:
			continue
		case e != 0:
			return e
		case n != 1:
			return errors.New("io_submit took no request")
		}
		a.pending = true
		return nil
	}
}

// wait blocks until the submitted sync is done and returns its result.
func (a *aioSync) wait() error {
	var ev aioEvent
	for {
		n, _, e := unix.Syscall6(unix.SYS_IO_GETEVENTS, a.ctx, 1, 1, uintptr(unsafe.Pointer(&ev)), 0, 0)
		switch {
		case e == unix.EINTR:
			continue
		case e != 0:
			return e
		case n != 1:
			continue
		}
		a.pending = false
		if ev.res < 0 {
			return unix.Errno(-ev.res)
		}
		return nil
	}
}

// close waits for a sync still pending and releases the context.
func (a *aioSync) close() {
	if a.pending {
		_ = a.wait()
	}
	unix.Syscall(unix.SYS_IO_DESTROY, a.ctx, 0, 0)
}
