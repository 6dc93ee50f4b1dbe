package reports

import "errors"

var (
	// ErrNotFound means the run, study, table or figure asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrFormat means an unknown output format was asked for.
	ErrFormat = errors.New("unknown format")
)

// ErrOneTable means a format that holds one table (CSV) was asked for several.
var ErrOneTable = errors.New("format holds one table")
