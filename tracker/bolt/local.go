package bolt

import (
	"fmt"
	"sort"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// source is what every read of a Store goes through: the writing store's own
// cache (localSource), or, for a ReadOnly store, a snapshot of the file or
// the socket of the process writing it. Every returned value is owned by the
// caller.
type source interface {
	studyList() ([]tracker.StudyInfo, error)
	studyByID(id int) (tracker.StudyInfo, error)
	studyIDByName(name string) (int, error)
	trialsOf(studyID int) ([]goptuna.FrozenTrial, error)
	trialByID(id int) (goptuna.FrozenTrial, error)
	runList() ([]tracker.Run, error)
	runByID(id int) (tracker.Run, error)
	stageByKey(key string) (tracker.Stage, error)
	stageList(runID int) ([]tracker.Stage, error)
	artifactMeta(id tracker.ID) (tracker.ArtifactMeta, error)
	artifactList(kind string) ([]tracker.ArtifactMeta, error)
	checkDB() (tracker.CheckReport, error)
}

// src returns the source for a read, or ErrClosed.
func (s *Store) src() (source, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("read %s: %w", s.path, tracker.ErrClosed)
	}
	if s.rd != nil {
		return s.rd, nil
	}
	return localSource{s}, nil
}

// ensureLoadedLocked decodes study id's trials into the cache. wmu must be held.
func (s *Store) ensureLoadedLocked(id int) (*studyEntry, error) {
	se := s.c.studies[id]
	if se == nil {
		return nil, tracker.StudyNotFound(id)
	}
	if se.loaded {
		return se, nil
	}
	var ts []goptuna.FrozenTrial
	err := s.view(func(tx *bbolt.Tx) error {
		var err error
		ts, err = loadTrials(tx, id, se.rec.Stats.Trials)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("load study %d from %s: %w", id, s.path, err)
	}
	entries := make([]*trialEntry, len(ts))
	for i := range ts {
		entries[i] = &trialEntry{t: ts[i], onDisk: true, inFile: true, categorical: tracker.HasCategorical(&ts[i])}
	}
	s.lockCache()
	se.trials, se.loaded = entries, true
	for _, te := range entries {
		s.c.trials[te.t.ID] = te
	}
	s.mu.Unlock()
	return se, nil
}

// trialEntryLocked finds trial id, loading its study. wmu must be held.
func (s *Store) trialEntryLocked(id int) (*trialEntry, *studyEntry, error) {
	if te := s.c.trials[id]; te != nil {
		return te, s.c.studies[te.t.StudyID], nil
	}
	sid := 0
	err := s.view(func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketTrialIDs).Get(u64key(id)); len(v) == 16 {
			sid, _ = keyInt(v[:8])
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	if sid == 0 {
		return nil, nil, tracker.TrialNotFound(id)
	}
	se, err := s.ensureLoadedLocked(sid)
	if err != nil {
		return nil, nil, fmt.Errorf("trial %d: %w", id, err)
	}
	te := s.c.trials[id]
	if te == nil {
		return nil, nil, fmt.Errorf("trial %d is indexed under study %d but not stored there: %w", id, sid, tracker.ErrCorruptDB)
	}
	return te, se, nil
}

// withStudy calls fn with study id loaded, holding the cache shared.
func (s *Store) withStudy(id int, fn func(se *studyEntry) error) error {
	s.mu.RLock()
	if se := s.c.studies[id]; se != nil && se.loaded {
		defer s.mu.RUnlock()
		return fn(se)
	}
	s.mu.RUnlock()
	s.wmu.Lock()
	_, err := s.ensureLoadedLocked(id)
	s.wmu.Unlock()
	if err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	se := s.c.studies[id]
	if se == nil {
		return tracker.StudyNotFound(id)
	}
	return fn(se)
}

// withTrial calls fn with trial id, holding the cache shared.
func (s *Store) withTrial(id int, fn func(te *trialEntry) error) error {
	s.mu.RLock()
	if te := s.c.trials[id]; te != nil {
		defer s.mu.RUnlock()
		return fn(te)
	}
	s.mu.RUnlock()
	s.wmu.Lock()
	_, _, err := s.trialEntryLocked(id)
	s.wmu.Unlock()
	if err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	te := s.c.trials[id]
	if te == nil {
		return tracker.TrialNotFound(id)
	}
	return fn(te)
}

// localSource reads a writing store's cache.
type localSource struct{ s *Store }

// liveStudy returns se's record with stats that count trials not yet
// committed (new RUNNING trials live only in memory for a while). The cache
// must be held.
func liveStudy(se *studyEntry) tracker.StudyInfo {
	r := copyStudy(se.rec)
	if se.loaded && len(se.trials) != r.Stats.Trials {
		r.Stats = tracker.ComputeStats(r.Direction, len(se.trials), func(i int) *goptuna.FrozenTrial { return &se.trials[i].t })
	}
	return r
}

func copyStudy(r tracker.StudyInfo) tracker.StudyInfo {
	r.UserAttrs = cloneMap(r.UserAttrs)
	r.SystemAttrs = cloneMap(r.SystemAttrs)
	return r
}

func (l localSource) studyList() ([]tracker.StudyInfo, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	out := make([]tracker.StudyInfo, 0, len(l.s.c.studies))
	for _, se := range l.s.c.studies {
		out = append(out, liveStudy(se))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, nil
}

func (l localSource) studyByID(id int) (tracker.StudyInfo, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	se := l.s.c.studies[id]
	if se == nil {
		return tracker.StudyInfo{}, tracker.StudyNotFound(id)
	}
	return liveStudy(se), nil
}

func (l localSource) studyIDByName(name string) (int, error) {
	l.s.mu.RLock()
	defer l.s.mu.RUnlock()
	id, ok := l.s.c.byName[name]
	if !ok {
		return 0, tracker.NotFound(fmt.Sprintf("study %q", name))
	}
	return id, nil
}

func (l localSource) trialsOf(studyID int) ([]goptuna.FrozenTrial, error) {
	var out []goptuna.FrozenTrial
	err := l.s.withStudy(studyID, func(se *studyEntry) error {
		if out = l.s.takeAhead(studyID); out != nil {
			return nil
		}
		l.s.follow.Store(int64(studyID))
		out = history(se, nil, nil)
		return nil
	})
	return out, err
}

func (l localSource) trialByID(id int) (goptuna.FrozenTrial, error) {
	var out goptuna.FrozenTrial
	err := l.s.withTrial(id, func(te *trialEntry) error {
		out = te.clone()
		return nil
	})
	return out, err
}

func (l localSource) runList() ([]tracker.Run, error) {
	var out []tracker.Run
	return out, l.s.view(func(tx *bbolt.Tx) error { var err error; out, err = listRunsTx(tx); return err })
}

func (l localSource) runByID(id int) (tracker.Run, error) {
	var out tracker.Run
	return out, l.s.view(func(tx *bbolt.Tx) error { var err error; out, err = getRunTx(tx, id); return err })
}

func (l localSource) stageByKey(key string) (tracker.Stage, error) {
	var out tracker.Stage
	return out, l.s.view(func(tx *bbolt.Tx) error { var err error; out, err = getStageTx(tx, key); return err })
}

func (l localSource) stageList(runID int) ([]tracker.Stage, error) {
	var out []tracker.Stage
	return out, l.s.view(func(tx *bbolt.Tx) error { var err error; out, err = listStagesTx(tx, runID); return err })
}

func (l localSource) artifactMeta(id tracker.ID) (tracker.ArtifactMeta, error) {
	var out tracker.ArtifactMeta
	return out, l.s.view(func(tx *bbolt.Tx) error { var err error; out, err = getArtifactTx(tx, id); return err })
}

func (l localSource) artifactList(kind string) ([]tracker.ArtifactMeta, error) {
	var out []tracker.ArtifactMeta
	return out, l.s.view(func(tx *bbolt.Tx) error { var err error; out, err = listArtifactsTx(tx, kind); return err })
}

func (l localSource) checkDB() (tracker.CheckReport, error) {
	// The check reads the file: first move the journal, and buffered
	// RUNNING trials, into it.
	// No commit may run while the check reads the file's pages.
	l.s.wmu.Lock()
	defer l.s.wmu.Unlock()
	if err := l.s.checkpointLocked(); err != nil {
		return tracker.CheckReport{}, err
	}
	var out tracker.CheckReport
	return out, l.s.view(func(tx *bbolt.Tx) error {
		var err error
		if out, err = checkTx(tx, l.s.path); err == nil {
			checkJournal(&out, l.s.path, tx)
		}
		return err
	})
}
