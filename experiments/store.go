package experiments

import (
	"github.com/cgx-dev/cgx/tracker"
)

// Store is what the runner needs from the database: studies and trials
// (the search loop, fit trials), runs, the stage cache and artifacts, as
// the tracker contract defines them. Every tracker backend implements it.
type Store interface {
	tracker.StudyStorage
	tracker.RunStorage
	tracker.StageStorage
	tracker.ArtifactStorage
}

var _ Store = tracker.DB(nil)
