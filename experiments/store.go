package experiments

import (
	"context"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
)

// Store is what the runner needs from the database: goptuna studies plus
// runs, stages and content-addressed artifacts. *tracker.Store implements it.
type Store interface {
	goptuna.Storage
	// AddFinishedTrials appends finished trials to a study in one durable commit.
	AddFinishedTrials(studyID int, trials []goptuna.FrozenTrial) ([]int, error)
	PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error)
	GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error)
	ListArtifacts(ctx context.Context, kind string) ([]tracker.ArtifactMeta, error)
	CreateRun(ctx context.Context, r tracker.Run) (int, error)
	UpdateRun(ctx context.Context, id int, fn func(*tracker.Run) error) error
	GetRun(ctx context.Context, id int) (tracker.Run, error)
	ListRuns(ctx context.Context) ([]tracker.Run, error)
	PutStage(ctx context.Context, st tracker.Stage) error
	GetStage(ctx context.Context, key string) (tracker.Stage, error)
	ListStages(ctx context.Context, runID int) ([]tracker.Stage, error)
}
