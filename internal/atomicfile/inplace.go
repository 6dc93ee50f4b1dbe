package atomicfile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// pipeRetry is how often a write into a pipe without a reader retries the
// open while it waits for one.
const pipeRetry = 50 * time.Millisecond

// writeInPlace writes data into the pipe or character device at path,
// without creating, truncating or renaming anything. Opening a pipe waits
// for its reader and writing waits for the reader to drain it; both end
// when ctx is done.
func writeInPlace(ctx context.Context, path string, data []byte, fifo bool) error {
	// O_NONBLOCK: opening a pipe with no reader fails (ENXIO) instead of
	// blocking where ctx cannot reach; writes then go through Go's poller,
	// which waits for room and honours deadlines.
	flags := os.O_WRONLY | syscall.O_NONBLOCK | syscall.O_NOCTTY
	var f *os.File
	for {
		var err error
		f, err = os.OpenFile(path, flags, 0)
		if err == nil {
			break
		}
		if !fifo || !errors.Is(err, syscall.ENXIO) {
			return fmt.Errorf("write %s: %w", path, cause(err))
		}
		t := time.NewTimer(pipeRetry)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("write %s: waiting for a reader of the pipe: %w", path, ctx.Err())
		case <-t.C:
		}
	}
	// A pipe nobody drains would block the write forever: ctx ends it
	// through a deadline (a no-op for files the poller does not handle).
	stop := context.AfterFunc(ctx, func() { f.SetWriteDeadline(time.Unix(1, 0)) })
	_, werr := f.Write(data)
	stop()
	cerr := f.Close()
	if werr != nil {
		if errors.Is(werr, os.ErrDeadlineExceeded) && ctx.Err() != nil {
			werr = ctx.Err()
		}
		return fmt.Errorf("write %s: %w", path, cause(werr))
	}
	if cerr != nil {
		return fmt.Errorf("write %s: close: %w", path, cerr)
	}
	return nil
}

// cause drops the *os.PathError around err: messages here name the path
// already.
func cause(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
