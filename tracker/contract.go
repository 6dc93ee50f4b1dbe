package tracker

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/c-bata/goptuna"
)

// DB is the contract every cgx database backend meets: the embedded bbolt
// file (tracker/bolt) and the shared PostgreSQL database (tracker/postgres).
// Package storagetest proves a backend against it; every verb works on any
// DB. Consumers should ask for the smallest of the interfaces below that
// they need, not for DB.
type DB interface {
	StudyStorage
	RunStorage
	StageStorage
	ArtifactStorage
	WorkQueue
	Maintenance
	// Info says which backend this is and where, without secrets.
	Info() Info
	Close() error
}

// Info describes an open database for people: CLI output, run records,
// reports and the dashboard use it. Location never holds a password.
type Info struct {
	Backend       string // "bbolt" or "postgres"
	Location      string // a file path, or a connection string with any password removed
	FormatVersion int    // the schema or file format version in use
	ReadOnly      bool
}

// StudyStorage is goptuna's storage plus what cgx's study loop, listings and
// reports need beyond it.
type StudyStorage interface {
	goptuna.Storage
	// AddFinishedTrials appends finished trials to a study in one durable
	// commit and returns their ids, in order.
	AddFinishedTrials(studyID int, trials []goptuna.FrozenTrial) ([]int, error)
	// FailStaleTrials marks FAIL the RUNNING trials of a study that no live
	// process runs; it returns how many.
	FailStaleTrials(studyID int) (int, error)
	// FailAllStaleTrials does FailStaleTrials for every study: study id ->
	// trials failed, only studies with some.
	FailAllStaleTrials() (map[int]int, error)
	Study(studyID int) (StudyInfo, error)
	Studies() ([]StudyInfo, error)
	// FindStudy resolves a study id (decimal) or name.
	FindStudy(ref string) (StudyInfo, error)
}

// RunStorage holds runs: one execution of a spec each.
type RunStorage interface {
	CreateRun(ctx context.Context, r Run) (int, error)
	UpdateRun(ctx context.Context, id int, fn func(*Run) error) error
	GetRun(ctx context.Context, id int) (Run, error)
	ListRuns(ctx context.Context) ([]Run, error)
	SetRunTags(ctx context.Context, id int, add, rm []string) ([]string, error)
	SetRunNote(ctx context.Context, id int, note string) error
	DeleteRun(ctx context.Context, id int) (RunDeletion, error)
}

// StageStorage is the stage cache: stages keyed by the digest of their
// inputs, resolved configuration and code version.
type StageStorage interface {
	PutStage(ctx context.Context, st Stage) error
	GetStage(ctx context.Context, key string) (Stage, error)
	ListStages(ctx context.Context, runID int) ([]Stage, error)
}

// ArtifactStorage holds content-addressed artifacts, deduplicated by
// SHA-256. PutArtifactFrom and OpenArtifact stream: a backend never holds
// a large artifact whole in memory for them.
type ArtifactStorage interface {
	// PutArtifact stores data and returns its id, the SHA-256 of data.
	// Storing bytes already stored returns the same id and keeps the first
	// metadata; meta.ID and meta.Size are set by the store. The artifact is
	// committed when it returns.
	PutArtifact(ctx context.Context, data []byte, meta ArtifactMeta) (ID, error)
	// PutArtifacts stores a batch and returns the ids of its items, in
	// order: the same ids and records as PutArtifact called for each item
	// in turn (bytes repeated within the batch, or already stored, keep
	// the first metadata), but committed together, with one sync of the
	// bytes and one commit for the batch instead of one each. It is all
	// or nothing: when it returns ids every item is stored; on an error
	// (a canceled ctx included) no record of the batch was made, unless
	// the error came while the commit itself was being acknowledged (a
	// PostgreSQL connection lost, or ctx canceled, during the commit),
	// when the whole batch may be stored. Bytes written before an error
	// may remain unreferenced, which Check notes and GC removes. An empty
	// batch stores nothing.
	PutArtifacts(ctx context.Context, items []ArtifactPut) ([]ID, error)
	GetArtifact(ctx context.Context, id ID) ([]byte, ArtifactMeta, error)
	// PutArtifactFrom stores the bytes read from r until EOF.
	PutArtifactFrom(ctx context.Context, r io.Reader, meta ArtifactMeta) (ID, error)
	// OpenArtifact streams an artifact's bytes. Reading past the end of a
	// damaged artifact returns an error matching ErrCorruptArtifact.
	OpenArtifact(ctx context.Context, id ID) (io.ReadCloser, ArtifactMeta, error)
	StatArtifact(ctx context.Context, id ID) (ArtifactMeta, error)
	ListArtifacts(ctx context.Context, kind string) ([]ArtifactMeta, error)
}

// ArtifactPut is one artifact of a PutArtifacts batch: its bytes and the
// metadata to record (ID and Size are set by the store).
type ArtifactPut struct {
	Data []byte
	Meta ArtifactMeta
}

// Maintenance checks and tidies a database.
type Maintenance interface {
	Check(ctx context.Context) (CheckReport, error)
	GC(ctx context.Context, opt GCOptions) (GCReport, error)
}

// WorkState is the lifecycle of a work item.
type WorkState string

// Work item states. A leased item whose lease ran out is claimable again.
const (
	WorkPending WorkState = "pending"
	WorkLeased  WorkState = "leased"
	WorkDone    WorkState = "done"
)

// WorkKey names a work item: the run, the stage key it belongs to, and its
// index within that stage (from 0).
type WorkKey struct {
	RunID int
	Stage string
	Index int
}

// WorkItem is one unit of a run's work that any worker may compute: a
// dataset render chunk, a per-image fit, a search trial slot, a segmentation
// training set, or the reduction that assembles a stage. Everything an item
// computes follows from the run's spec, seed and the item's key and Payload,
// so whichever worker computes it, the result is the same bytes.
type WorkItem struct {
	WorkKey
	Kind       string // e.g. "dataset-chunk", "fit-image", "trial-slot", "seg-set"
	Payload    []byte // small, item-specific input (JSON)
	State      WorkState
	Owner      string    // the worker holding the lease, "" when pending
	LeaseUntil time.Time // when the lease runs out
	Attempts   int       // claims so far
	Result     ID        // the artifact holding the output, once done
}

// WorkQueue hands a run's work items to workers. Claims are exclusive for
// the lease; a worker renews its lease while it computes, and an item whose
// lease runs out (its worker was killed, its machine vanished) is handed to
// another worker, which computes the same bytes.
type WorkQueue interface {
	// EnqueueWork adds items as pending. Items that already exist (same
	// WorkKey) are left as they are, so enqueueing is idempotent.
	EnqueueWork(ctx context.Context, items []WorkItem) error
	// ClaimWork leases one pending (or expired) item to owner for lease:
	// of run runID, or of any run when runID is 0; of stage when stage is
	// not "". ok is false when nothing is claimable now.
	ClaimWork(ctx context.Context, owner string, lease time.Duration, runID int, stage string) (item WorkItem, ok bool, err error)
	// RenewLease extends owner's lease; ErrLeaseLost when owner no longer
	// holds it.
	RenewLease(ctx context.Context, key WorkKey, owner string, lease time.Duration) error
	// CompleteWork records the item's result and marks it done. The first
	// completion wins: completing an item already done returns nil when the
	// result is the same and ErrWorkConflict when it differs; completing
	// an item another worker now holds returns ErrLeaseLost.
	CompleteWork(ctx context.Context, key WorkKey, owner string, result ID) error
	// ListWork lists a run's items (of one stage when stage is not ""),
	// ordered by stage then index.
	ListWork(ctx context.Context, runID int, stage string) ([]WorkItem, error)
}

// Errors of the work queue.
var (
	// ErrLeaseLost: the worker's lease on an item ran out and another
	// worker claimed it, or the item is done.
	ErrLeaseLost = errors.New("work item lease lost")
	// ErrWorkConflict: an item was completed twice with different results,
	// which means its computation is not deterministic.
	ErrWorkConflict = errors.New("work item completed twice with different results")
)
