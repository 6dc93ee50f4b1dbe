package optunafile

import "errors"

var (
	// ErrFormat marks a file that is not a valid Optuna journal or SQLite
	// database, or that holds something this package does not understand.
	ErrFormat = errors.New("not a readable Optuna file")
	// ErrNoStudy marks a file without the requested study.
	ErrNoStudy = errors.New("no such study in the file")
	// ErrUnsupported marks a study that cgx cannot hold (several objectives).
	ErrUnsupported = errors.New("study not supported by cgx")
)
