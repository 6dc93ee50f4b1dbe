package reporttest

import (
	"context"
	"fmt"
	"sort"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
)

// Writer is the part of the tracker's writing API that CopyInto uses.
type Writer interface {
	CreateRun(ctx context.Context, r tracker.Run) (int, error)
	PutStage(ctx context.Context, st tracker.Stage) error
	PutArtifact(ctx context.Context, data []byte, meta tracker.ArtifactMeta) (tracker.ID, error)
	CreateNewStudy(name string) (int, error)
	SetStudyDirection(studyID int, direction goptuna.StudyDirection) error
	SetStudyUserAttr(studyID int, key, value string) error
	AddFinishedTrials(studyID int, trials []goptuna.FrozenTrial) ([]int, error)
	CreateNewTrial(studyID int) (int, error)
}

// CopyInto writes everything s holds into an empty dst, in id order, so that
// runs and studies keep their ids. Unfinished trials are created RUNNING with
// nothing set.
func (s *Store) CopyInto(ctx context.Context, dst Writer) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ids := make([]tracker.ID, 0, len(s.artifacts))
	for id := range s.artifacts {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i].String() < ids[j].String() })
	for _, id := range ids {
		a := s.artifacts[id]
		got, err := dst.PutArtifact(ctx, a.data, a.meta)
		if err != nil {
			return fmt.Errorf("copy artifact %s: %w", id, err)
		}
		if got != id {
			return fmt.Errorf("copy artifact %s: stored as %s", id, got)
		}
	}
	for _, sum := range s.studies {
		id, err := dst.CreateNewStudy(sum.Name)
		if err != nil {
			return fmt.Errorf("copy study %d: %w", sum.ID, err)
		}
		if id != sum.ID {
			return fmt.Errorf("copy study %d: got id %d; copy into an empty store", sum.ID, id)
		}
		if err := dst.SetStudyDirection(id, sum.Direction); err != nil {
			return err
		}
		for _, k := range sortedKeys(sum.UserAttrs) {
			if err := dst.SetStudyUserAttr(id, k, sum.UserAttrs[k]); err != nil {
				return err
			}
		}
		var finished []goptuna.FrozenTrial
		running := 0
		for _, t := range s.trials[id] {
			if t.State.IsFinished() {
				finished = append(finished, copyTrial(t))
			} else {
				running++
			}
		}
		if _, err := dst.AddFinishedTrials(id, finished); err != nil {
			return fmt.Errorf("copy trials of study %d: %w", id, err)
		}
		for range running {
			if _, err := dst.CreateNewTrial(id); err != nil {
				return err
			}
		}
	}
	runIDs := make([]int, 0, len(s.runs))
	for id := range s.runs {
		runIDs = append(runIDs, id)
	}
	sort.Ints(runIDs)
	for _, id := range runIDs {
		got, err := dst.CreateRun(ctx, copyRun(s.runs[id]))
		if err != nil {
			return fmt.Errorf("copy run %d: %w", id, err)
		}
		if got != id {
			return fmt.Errorf("copy run %d: got id %d; copy into an empty store", id, got)
		}
		for _, st := range s.stages[id] {
			if err := dst.PutStage(ctx, copyStage(st)); err != nil {
				return fmt.Errorf("copy stage %s: %w", st.Name, err)
			}
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
