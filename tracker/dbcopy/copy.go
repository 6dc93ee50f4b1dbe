package dbcopy

import (
	"context"
	"fmt"
	"sort"

	"github.com/cgx-dev/cgx/tracker"
)

// DB is what Copy needs of each database: every part of the contract but
// the work queue, which it copies only when both databases have one.
type DB interface {
	tracker.StudyStorage
	tracker.RunStorage
	tracker.StageStorage
	tracker.ArtifactStorage
	Info() tracker.Info
}

// Progress says how far a copy is: Done of Total items of Part ("studies",
// "trials", "runs", "artifacts", "stages", "work items"). Bytes counts the
// artifact bytes copied so far.
type Progress struct {
	Part        string
	Done, Total int
	Bytes       int64
}

// Report is what Copy copied.
type Report struct {
	From          tracker.Info `json:"from"`
	To            tracker.Info `json:"to"`
	Studies       int          `json:"studies"`
	Trials        int          `json:"trials"`
	Runs          int          `json:"runs"`
	Stages        int          `json:"stages"`
	Artifacts     int          `json:"artifacts"`
	ArtifactBytes int64        `json:"artifact_bytes"`
	WorkItems     int          `json:"work_items"`
	// StudyIDs maps the source ids of the studies whose id could not be
	// kept to their ids in the destination; empty when every id was kept.
	StudyIDs map[int]int `json:"study_ids"`
	// TrialIDsChanged counts the trials whose id could not be kept.
	TrialIDsChanged int `json:"trial_ids_changed"`
	// Placeholders counts the ids used up (and deleted again) to keep ids.
	Placeholders int `json:"placeholders"`
}

// Copy copies everything in from into to, which must be empty (an error
// matching ErrNotEmpty names it otherwise). progress, when not nil, is
// called as the copy advances. Ids are kept (see the package comment);
// on error the destination holds part of the copy and should be deleted.
func Copy(ctx context.Context, from, to DB, progress func(Progress)) (Report, error) {
	c := &copier{from: from, to: to, progress: progress, studyIDs: map[int]int{},
		rep: Report{From: from.Info(), To: to.Info(), StudyIDs: map[int]int{}}}
	if c.progress == nil {
		c.progress = func(Progress) {}
	}
	if err := c.checkEmpty(ctx); err != nil {
		return c.rep, err
	}
	steps := []func(context.Context) error{c.copyStudies, c.copyTrials, c.copyRuns, c.copyArtifacts, c.copyStages, c.copyWork}
	for _, step := range steps {
		if err := ctx.Err(); err != nil {
			return c.rep, err
		}
		if err := step(ctx); err != nil {
			return c.rep, fmt.Errorf("copy %s to %s: %w", c.rep.From.Location, c.rep.To.Location, err)
		}
	}
	return c.rep, nil
}

type copier struct {
	from, to DB
	progress func(Progress)
	studyIDs map[int]int // source study id -> destination id, for every study
	rep      Report
}

// checkEmpty refuses a destination that holds anything.
func (c *copier) checkEmpty(ctx context.Context) error {
	studies, err := c.to.Studies()
	if err != nil {
		return fmt.Errorf("list the studies of %s: %w", c.rep.To.Location, err)
	}
	runs, err := c.to.ListRuns(ctx)
	if err != nil {
		return fmt.Errorf("list the runs of %s: %w", c.rep.To.Location, err)
	}
	stages, err := c.to.ListStages(ctx, 0)
	if err != nil {
		return fmt.Errorf("list the stages of %s: %w", c.rep.To.Location, err)
	}
	arts, err := c.to.ListArtifacts(ctx, "")
	if err != nil {
		return fmt.Errorf("list the artifacts of %s: %w", c.rep.To.Location, err)
	}
	if len(studies)+len(runs)+len(stages)+len(arts) > 0 {
		return fmt.Errorf("copy to %s: %w: it holds %d studies, %d runs, %d stages and %d artifacts; copy into a new database file or a newly created, empty PostgreSQL database",
			c.rep.To.Location, ErrNotEmpty, len(studies), len(runs), len(stages), len(arts))
	}
	return nil
}

// mapStudies returns ids with every source study id replaced by its id in
// the destination.
func (c *copier) mapStudies(ids []int) []int {
	if ids == nil {
		return nil
	}
	out := make([]int, len(ids))
	for i, id := range ids {
		if to, ok := c.studyIDs[id]; ok {
			out[i] = to
		} else {
			out[i] = id // names no study in the source either; keep it as it is
		}
	}
	return out
}

func sortedRuns(runs []tracker.Run) []tracker.Run {
	sort.Slice(runs, func(i, j int) bool { return runs[i].ID < runs[j].ID })
	return runs
}
