package atomicfile

import "errors"

// Sentinel errors; compare with errors.Is. Messages built on them name the
// path and say what to do.
var (
	// ErrNoParent marks a path whose folder does not exist. cgx does not
	// create folders the user did not ask for: create it first.
	ErrNoParent = errors.New("folder does not exist")
	// ErrNotFile marks a path that cannot be written as a file: a folder, a
	// socket or a block device.
	ErrNotFile = errors.New("not a file cgx can write")
	// ErrNotDir marks an output folder path that exists but is not a folder.
	ErrNotDir = errors.New("not a folder")
	// ErrTooManyLinks marks a chain of symbolic links that does not end.
	ErrTooManyLinks = errors.New("too many levels of symbolic links")
)
