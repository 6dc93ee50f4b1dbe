package dbcopy

import "errors"

var (
	// ErrNotEmpty: the destination already holds studies, runs, stages or
	// artifacts.
	ErrNotEmpty = errors.New("destination database is not empty")
	// ErrIDs: the destination cannot give a run the id it has in the
	// source (it was written to before).
	ErrIDs = errors.New("destination cannot keep the source's run ids")
	// ErrMismatch: what the destination stored differs from what was
	// copied (an artifact's bytes hashed to another id, a trial number).
	ErrMismatch = errors.New("copy differs from the source")
)
