package bolt

import (
	"fmt"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// This file implements the study half of goptuna.Storage.

// CreateNewStudy creates a study and returns its id (ids start at 1 and are
// never reused). An empty name becomes goptuna's default prefix followed by
// the id. A name already in use fails with ErrStudyExists.
func (s *Store) CreateNewStudy(name string) (int, error) {
	if err := s.writable("create study"); err != nil {
		return -1, err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, taken := s.c.byName[name]; taken && name != "" {
		return -1, fmt.Errorf("create study %q: %w", name, tracker.ErrStudyExists)
	}
	rec := tracker.StudyInfo{Name: name, Direction: goptuna.StudyDirectionMinimize, Created: now(),
		UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}}
	err := s.update(func(tx *bbolt.Tx) error {
		seq, err := tx.Bucket(bucketStudies).NextSequence()
		if err != nil {
			return err
		}
		rec.ID = int(seq)
		if rec.Name == "" {
			rec.Name = goptuna.DefaultStudyNamePrefix + itoa(rec.ID)
			if _, taken := s.c.byName[rec.Name]; taken {
				return fmt.Errorf("default name %q: %w", rec.Name, tracker.ErrStudyExists)
			}
		}
		if err := tx.Bucket(bucketStudies).Put(u64key(rec.ID), encodeStudy(&rec)); err != nil {
			return err
		}
		return tx.Bucket(bucketStudyNames).Put([]byte(rec.Name), u64key(rec.ID))
	})
	if err != nil {
		return -1, fmt.Errorf("create study %q: %w", name, err)
	}
	s.lockCache()
	s.c.studies[rec.ID] = &studyEntry{rec: rec, loaded: true}
	s.c.byName[rec.Name] = rec.ID
	s.mu.Unlock()
	return rec.ID, nil
}

// DeleteStudy removes a study and all its trials.
func (s *Store) DeleteStudy(studyID int) error {
	if err := s.writable("delete study"); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := s.ensureLoadedLocked(studyID); err != nil {
		return fmt.Errorf("delete study: %w", err)
	}
	if err := s.commitLocked(&change{deleted: studyID}); err != nil {
		return fmt.Errorf("delete study %d: %w", studyID, err)
	}
	return nil
}

// updateStudy applies fn to a copy of the study record and commits it.
func (s *Store) updateStudy(op string, studyID int, fn func(r *tracker.StudyInfo)) error {
	if err := s.writable(op); err != nil {
		return err
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	se, err := s.ensureLoadedLocked(studyID)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	rec := copyStudy(se.rec)
	fn(&rec)
	if err := s.commitLocked(&change{studies: map[int]*tracker.StudyInfo{studyID: &rec}}); err != nil {
		return fmt.Errorf("%s of study %d: %w", op, studyID, err)
	}
	return nil
}

// SetStudyDirection sets the direction of the objective.
func (s *Store) SetStudyDirection(studyID int, direction goptuna.StudyDirection) error {
	if direction != goptuna.StudyDirectionMinimize && direction != goptuna.StudyDirectionMaximize {
		return fmt.Errorf("set direction of study %d: unknown direction %q", studyID, direction)
	}
	return s.updateStudy("set direction", studyID, func(r *tracker.StudyInfo) { r.Direction = direction })
}

// SetStudyUserAttr sets a user attribute of a study.
func (s *Store) SetStudyUserAttr(studyID int, key, value string) error {
	return s.updateStudy("set user attribute", studyID, func(r *tracker.StudyInfo) { r.UserAttrs[key] = value })
}

// SetStudySystemAttr sets a system attribute of a study.
func (s *Store) SetStudySystemAttr(studyID int, key, value string) error {
	return s.updateStudy("set system attribute", studyID, func(r *tracker.StudyInfo) { r.SystemAttrs[key] = value })
}

// GetStudyIDFromName returns the id of the named study, or an error matching
// ErrNotFound.
func (s *Store) GetStudyIDFromName(name string) (int, error) {
	src, err := s.src()
	if err != nil {
		return -1, err
	}
	id, err := src.studyIDByName(name)
	if err != nil {
		return -1, err
	}
	return id, nil
}

// GetStudyIDFromTrialID returns the study a trial belongs to.
func (s *Store) GetStudyIDFromTrialID(trialID int) (int, error) {
	t, err := s.GetTrial(trialID)
	if err != nil {
		return -1, err
	}
	return t.StudyID, nil
}

// Study returns a study's record, settings and aggregate figures.
func (s *Store) Study(studyID int) (tracker.StudyInfo, error) {
	src, err := s.src()
	if err != nil {
		return tracker.StudyInfo{}, err
	}
	return src.studyByID(studyID)
}

// Studies lists every study by id, with aggregate figures and without
// decoding any trial.
func (s *Store) Studies() ([]tracker.StudyInfo, error) {
	src, err := s.src()
	if err != nil {
		return nil, err
	}
	return src.studyList()
}

// GetStudyNameFromID returns a study's name.
func (s *Store) GetStudyNameFromID(studyID int) (string, error) {
	r, err := s.Study(studyID)
	return r.Name, err
}

// GetStudyDirection returns a study's direction.
func (s *Store) GetStudyDirection(studyID int) (goptuna.StudyDirection, error) {
	r, err := s.Study(studyID)
	if err != nil {
		return goptuna.StudyDirectionMinimize, err
	}
	return r.Direction, nil
}

// GetStudyUserAttrs returns a copy of a study's user attributes.
func (s *Store) GetStudyUserAttrs(studyID int) (map[string]string, error) {
	r, err := s.Study(studyID)
	return r.UserAttrs, err
}

// GetStudySystemAttrs returns a copy of a study's system attributes.
func (s *Store) GetStudySystemAttrs(studyID int) (map[string]string, error) {
	r, err := s.Study(studyID)
	return r.SystemAttrs, err
}

// GetAllStudySummaries summarizes every study, in id order. DatetimeStart is
// the earliest trial start (zero without trials); BestTrial is zero when no
// trial is complete.
func (s *Store) GetAllStudySummaries() ([]goptuna.StudySummary, error) {
	return tracker.StudySummaries(s)
}

// FindStudy resolves a study reference as users type it: a study id
// ("3") or a study name ("run-3/fit/blur/cg-to-real"). An id wins when a
// study with that id exists. Unknown references match ErrNotFound.
func (s *Store) FindStudy(ref string) (tracker.StudyInfo, error) {
	return tracker.FindStudyRef(s, ref)
}
