package tracker

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/c-bata/goptuna"
)

// StudyReader is what the shared study helpers below read; every backend's
// store has it.
type StudyReader interface {
	Studies() ([]StudyInfo, error)
	Study(studyID int) (StudyInfo, error)
	GetStudyIDFromName(name string) (int, error)
	GetTrial(trialID int) (goptuna.FrozenTrial, error)
}

// StudySummaries is goptuna's GetAllStudySummaries for any backend: every
// study in id order; DatetimeStart is the earliest trial start (zero
// without trials); BestTrial is zero when no trial is complete.
func StudySummaries(r StudyReader) ([]goptuna.StudySummary, error) {
	studies, err := r.Studies()
	if err != nil {
		return nil, err
	}
	out := make([]goptuna.StudySummary, 0, len(studies))
	for _, st := range studies {
		sum := goptuna.StudySummary{
			ID: st.ID, Name: st.Name, Direction: st.Direction,
			UserAttrs: st.UserAttrs, SystemAttrs: st.SystemAttrs, DatetimeStart: st.Stats.FirstStart,
		}
		if st.Stats.BestTrialID != 0 {
			if sum.BestTrial, err = r.GetTrial(st.Stats.BestTrialID); err != nil {
				return nil, fmt.Errorf("summarize study %d: %w", st.ID, err)
			}
		}
		out = append(out, sum)
	}
	return out, nil
}

// FindStudyRef resolves a study reference as users type it: a study id
// ("3") or a study name ("run-3/fit/blur/cg-to-real"). An id wins when a
// study with that id exists. Unknown references match ErrNotFound.
func FindStudyRef(r StudyReader, ref string) (StudyInfo, error) {
	if id, err := strconv.Atoi(ref); err == nil && id > 0 {
		if st, err := r.Study(id); err == nil {
			return st, nil
		} else if !errors.Is(err, ErrNotFound) {
			return StudyInfo{}, err
		}
	}
	id, err := r.GetStudyIDFromName(ref)
	if err != nil {
		return StudyInfo{}, err
	}
	return r.Study(id)
}
