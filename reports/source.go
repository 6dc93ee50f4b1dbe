package reports

import (
	"context"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
)

// Source is the read-only view of the tracker that reports need. The tracker's
// *Store satisfies it; tests use an in-memory fake. Every method returns values
// the caller may keep and modify (fresh copies, never the store's own maps).
type Source interface {
	// GetRun returns run id, or an error when there is none. Reports decide
	// "not found" from ListRuns, so any error type will do.
	GetRun(ctx context.Context, id int) (tracker.Run, error)
	// ListRuns returns every run, in any order.
	ListRuns(ctx context.Context) ([]tracker.Run, error)
	// ListStages returns the stages computed by run runID, in any order.
	ListStages(ctx context.Context, runID int) ([]tracker.Stage, error)
	// GetArtifact returns the bytes and metadata of artifact id.
	GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error)

	// The goptuna.Storage read methods reports use.

	// GetAllStudySummaries returns every study with its user attributes.
	GetAllStudySummaries() ([]goptuna.StudySummary, error)
	// GetAllTrials returns the trials of study studyID.
	GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error)
	// GetStudyUserAttrs returns the user attributes of study studyID.
	GetStudyUserAttrs(studyID int) (map[string]string, error)
}

// Every tracker backend is a Source.
var _ Source = tracker.DB(nil)
