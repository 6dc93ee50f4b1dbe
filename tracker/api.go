package tracker

import (
	"encoding/hex"
	"fmt"
	"time"
)

// ID names an artifact by the SHA-256 of its bytes.
type ID [32]byte

// String returns the lowercase hex form used in paths, attributes and the CLI.
func (id ID) String() string { return hex.EncodeToString(id[:]) }

// IsZero reports whether id is the zero ID (no artifact).
func (id ID) IsZero() bool { return id == ID{} }

// ParseID parses the 64-character hex form of an ID.
func ParseID(s string) (ID, error) {
	var id ID
	if len(s) != 64 {
		return id, fmt.Errorf("parse artifact id %q: want 64 hex characters, got %d", s, len(s))
	}
	if _, err := hex.Decode(id[:], []byte(s)); err != nil {
		return id, fmt.Errorf("parse artifact id %q: %w", s, err)
	}
	return id, nil
}

// ArtifactMeta describes stored artifact bytes. ID and Size are set by the store.
type ArtifactMeta struct {
	ID        ID
	Kind      string // e.g. "image", "dataset-manifest", "weights", "coco-results"
	MediaType string // e.g. "image/png", "application/json"
	Size      int64
	RunID     int    // producing run, 0 if none
	Stage     string // producing stage name, "" if none
	Name      string // human-readable label, optional
}

// RunStatus is the lifecycle state of a run.
type RunStatus string

// Run states.
const (
	RunRunning     RunStatus = "running"
	RunSucceeded   RunStatus = "succeeded"
	RunFailed      RunStatus = "failed"
	RunInterrupted RunStatus = "interrupted"
	// RunQueued: recorded by 'cgx run --enqueue'; workers compute it.
	RunQueued RunStatus = "queued"
)

// Run records one execution of an experiment spec.
type Run struct {
	ID            int // assigned by CreateRun, from 1
	Name          string
	Spec          string // the spec text as run
	SpecSHA256    string // hex
	Seed          int64
	Profile       string
	Workers       int
	Status        RunStatus
	Error         string
	Started       time.Time
	Ended         time.Time
	GoVersion     string
	ModuleVersion string
	VCSRevision   string
	CPUModel      string
	Studies       []int              // goptuna study ids made by the run
	Artifacts     []ID               // artifacts written by the run
	Stages        []string           // stage keys, in execution order
	Metrics       map[string]float64 // headline figures (see docs/DATA.md)
	Attrs         map[string]string
}

// Stage records one cached step of a run, keyed by the digest of its inputs,
// resolved config and code version.
type Stage struct {
	Key     string // hex digest
	Name    string // e.g. "dataset/cg", "fit/blur/cg-to-real"
	RunID   int    // run that computed it
	Status  string // "done" once complete
	Outputs map[string]ID
	Studies []int
	Metrics map[string]float64
	Attrs   map[string]string
	Started time.Time
	Ended   time.Time
}
