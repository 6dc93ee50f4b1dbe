package tracker

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/c-bata/goptuna"
)

// Sentinel errors. Compare with errors.Is: every error the package returns
// wraps one of these (or one of goptuna's) together with the object it names.
var (
	// ErrNotFound: the study, trial, run, stage, artifact or database file does not exist.
	ErrNotFound = errors.New("not found")
	// ErrCorruptArtifact: an object file's bytes do not hash to its id.
	ErrCorruptArtifact = errors.New("artifact is damaged")
	// ErrCorruptDB: the database file is not a cgx database or its contents do not decode.
	ErrCorruptDB = errors.New("database is damaged")
	// ErrNewerFormat: the database was written by a newer cgx.
	ErrNewerFormat = errors.New("database format is newer than this cgx")
	// ErrOldFormat: a reader met a database in an older format that only a writer may upgrade.
	ErrOldFormat = errors.New("database format is older than this cgx")
	// ErrReadOnly: a write was attempted on a store opened with ReadOnly.
	ErrReadOnly = errors.New("store is read-only")
	// ErrLocked: another process holds the database for writing (or a reader
	// could not reach it in time).
	ErrLocked = errors.New("database is locked by another process")
	// ErrClosed: the store was used after Close.
	ErrClosed = errors.New("store is closed")
	// ErrStudyExists: CreateNewStudy was given a name that is already taken.
	ErrStudyExists = errors.New("study name already exists")
	// ErrDuplicateStep: an intermediate value for that step was already reported.
	ErrDuplicateStep = errors.New("intermediate value already reported for this step")
	// ErrInvalidTrial: a trial handed to CloneTrial or AddFinishedTrials is
	// inconsistent (a parameter without distribution, an unknown distribution,
	// a value outside a categorical distribution, an unfinished state for a
	// bulk insert).
	ErrInvalidTrial = errors.New("invalid trial")
)

// notFoundError names a missing object and matches both ErrNotFound and, where
// goptuna's Storage contract asks for one, a goptuna sentinel
// (ErrInvalidStudyID, ErrInvalidTrialID).
type notFoundError struct {
	what    string // "study 7", "trial 12", `study "exp1"`
	goptuna error  // nil or a goptuna sentinel
}

func (e *notFoundError) Error() string { return e.what + " not found" }

func (e *notFoundError) Is(target error) bool {
	return target == ErrNotFound || (e.goptuna != nil && target == e.goptuna)
}

// StudyNotFound is the error for a missing study: it matches ErrNotFound
// and goptuna.ErrInvalidStudyID, as goptuna's Storage contract asks.
func StudyNotFound(id int) error {
	return &notFoundError{what: "study " + strconv.Itoa(id), goptuna: goptuna.ErrInvalidStudyID}
}

// TrialNotFound is the error for a missing trial: it matches ErrNotFound
// and goptuna.ErrInvalidTrialID.
func TrialNotFound(id int) error {
	return &notFoundError{what: "trial " + strconv.Itoa(id), goptuna: goptuna.ErrInvalidTrialID}
}

// NotFound is the error for a missing object named what ("run 3",
// "artifact 3fa2..."): "<what> not found", matching ErrNotFound.
func NotFound(what string) error { return &notFoundError{what: what} }

// taggedError is a message that matches a sentinel without spelling it out,
// so user-facing lines read as one sentence ("database x does not exist;
// pass --db") rather than ending in ": not found".
type taggedError struct {
	err error
	tag error
}

func (e *taggedError) Error() string   { return e.err.Error() }
func (e *taggedError) Unwrap() []error { return []error{e.err, e.tag} }

// Tagf formats a message (with %w allowed) that also matches tag.
func Tagf(tag error, format string, a ...any) error {
	return &taggedError{err: fmt.Errorf(format, a...), tag: tag}
}

// IsTagged reports whether err, or an error it wraps, was made by Tagf:
// such a message already names the object and what to do, so callers pass
// it on without adding context.
func IsTagged(err error) bool {
	var t *taggedError
	return errors.As(err, &t)
}
