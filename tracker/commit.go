package tracker

import (
	"fmt"
	"sort"
	"time"

	"github.com/c-bata/goptuna"
	bolt "go.etcd.io/bbolt"
)

// appendFill is the page fill of buckets whose keys only grow (trial numbers
// and ids): splitting full pages instead of half-full ones halves the file.
const appendFill = 0.95

// change is what one commit writes besides the buffered trials every commit
// flushes: new values for existing trials, trials appended to a study, study
// records whose settings changed, a study to delete, and extra bucket work.
type change struct {
	repl    map[*trialEntry]goptuna.FrozenTrial
	added   []*trialEntry
	studies map[int]*StudyInfo
	deleted int // study id, 0 for none
	extra   func(tx *bolt.Tx) error
}

// commitLocked writes ch and every dirty trial in one bbolt transaction,
// recomputing the stats of each study it touches, and applies the result to
// the cache only once the transaction committed (so readers never see what
// is not in the file, apart from buffered RUNNING trials). wmu must be held.
func (s *Store) commitLocked(ch *change) error {
	c := s.c
	write := make(map[*trialEntry]*goptuna.FrozenTrial, len(c.dirty)+len(ch.repl)+len(ch.added))
	for te := range c.dirty {
		if te.t.StudyID != ch.deleted {
			v := te.t
			write[te] = &v
		}
	}
	for te, v := range ch.repl {
		v := v
		write[te] = &v
	}
	for _, te := range ch.added {
		write[te] = &te.t
	}
	affected := map[int]*StudyInfo{}
	for _, v := range write {
		if affected[v.StudyID] == nil {
			rec := c.studies[v.StudyID].rec
			affected[v.StudyID] = &rec
		}
	}
	for id, rec := range ch.studies {
		affected[id] = rec
	}
	// Stats: full recount when the study's settings change (the direction
	// decides the best trial), otherwise updated from the written trials.
	byStudy := map[int][]*trialEntry{}
	for te := range write {
		byStudy[write[te].StudyID] = append(byStudy[write[te].StudyID], te)
	}
	for id, rec := range affected {
		if _, changed := ch.studies[id]; changed || !updateStats(&rec.Stats, rec.Direction, byStudy[id], write) {
			rec.Stats = recountStats(c.studies[id], rec.Direction, ch.added, write)
		}
	}
	var delIDs []int
	if ch.deleted != 0 {
		for _, te := range c.studies[ch.deleted].trials {
			if te.onDisk {
				delIDs = append(delIDs, te.t.ID)
			}
		}
	}
	err := s.update(func(tx *bolt.Tx) error {
		studies, trials, ids := tx.Bucket(bucketStudies), tx.Bucket(bucketTrials), tx.Bucket(bucketTrialIDs)
		ids.FillPercent = appendFill
		for id, rec := range affected {
			if err := studies.Put(u64key(id), encodeStudy(rec)); err != nil {
				return err
			}
		}
		for te, v := range write {
			sub, err := trials.CreateBucketIfNotExists(u64key(v.StudyID))
			if err != nil {
				return err
			}
			sub.FillPercent = appendFill
			// bbolt keeps the value until the commit: one buffer per record.
			raw, err := encodeTrial(nil, v)
			if err != nil {
				return err
			}
			if err := sub.Put(u64key(v.Number), raw); err != nil {
				return err
			}
			if !te.onDisk {
				if err := ids.Put(u64key(v.ID), append(u64key(v.StudyID), u64key(v.Number)...)); err != nil {
					return err
				}
			}
		}
		if seq := uint64(c.nextTrialID - 1); seq > ids.Sequence() {
			if err := ids.SetSequence(seq); err != nil {
				return err
			}
		}
		if ch.deleted != 0 {
			if err := deleteStudyTx(tx, c.studies[ch.deleted].rec, delIDs); err != nil {
				return err
			}
		}
		if ch.extra != nil {
			return ch.extra(tx)
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for te, v := range write {
		te.t = *v
		te.dirty = false
		te.onDisk = true
		if te.unsaved {
			te.unsaved = false
			c.unsaved--
		}
	}
	clear(c.dirty)
	for id, rec := range affected {
		se := c.studies[id]
		if se == nil {
			se = &studyEntry{loaded: true}
			c.studies[id] = se
		}
		se.rec = *rec
	}
	for _, te := range ch.added {
		se := c.studies[te.t.StudyID]
		se.trials = append(se.trials, te)
		c.trials[te.t.ID] = te
	}
	if ch.deleted != 0 {
		se := c.studies[ch.deleted]
		for _, te := range se.trials {
			delete(c.trials, te.t.ID)
			delete(c.dirty, te)
			if te.unsaved {
				c.unsaved--
			}
		}
		delete(c.byName, se.rec.Name)
		delete(c.studies, ch.deleted)
	}
	return nil
}

// recountStats aggregates every trial of a study as it will be after the
// commit: its cached trials with written values substituted, plus added ones.
func recountStats(se *studyEntry, dir goptuna.StudyDirection, added []*trialEntry, write map[*trialEntry]*goptuna.FrozenTrial) StudyStats {
	var list []*trialEntry
	if se != nil {
		list = se.trials
		list = list[:len(list):len(list)]
	}
	for _, te := range added {
		if se != nil && te.t.StudyID == se.rec.ID {
			list = append(list, te)
		}
	}
	return computeStats(dir, len(list), func(i int) *goptuna.FrozenTrial {
		if v, ok := write[list[i]]; ok {
			return v
		}
		return &list[i].t
	})
}

// updateStats applies the written trials to stored stats: a trial already
// on disk gives back its old contribution, the written value adds its own.
// It reports false when only a recount gives goptuna's answer for the best
// trial (a trial completing with a number below the current best's).
func updateStats(st *StudyStats, dir goptuna.StudyDirection, tes []*trialEntry, write map[*trialEntry]*goptuna.FrozenTrial) bool {
	sort.Slice(tes, func(i, j int) bool { return write[tes[i]].Number < write[tes[j]].Number })
	for _, te := range tes {
		v := write[te]
		if te.onDisk {
			st.Trials--
			*stateCount(st, te.t.State)--
		}
		st.Trials++
		*stateCount(st, v.State)++
		if !v.DatetimeStart.IsZero() && (st.FirstStart.IsZero() || v.DatetimeStart.Before(st.FirstStart)) {
			st.FirstStart = v.DatetimeStart
		}
		if v.DatetimeComplete.After(st.LastComplete) {
			st.LastComplete = v.DatetimeComplete
		}
		if v.State != goptuna.TrialStateComplete || (te.onDisk && te.t.State == goptuna.TrialStateComplete) {
			continue
		}
		switch {
		case st.BestTrialID == 0:
			st.BestTrialID, st.BestNumber, st.BestValue = v.ID, v.Number, v.Value
		case v.Number < st.BestNumber:
			return false
		case better(dir, v.Value, st.BestValue):
			st.BestTrialID, st.BestNumber, st.BestValue = v.ID, v.Number, v.Value
		}
	}
	return true
}

func stateCount(st *StudyStats, s goptuna.TrialState) *int {
	switch s {
	case goptuna.TrialStateComplete:
		return &st.Complete
	case goptuna.TrialStatePruned:
		return &st.Pruned
	case goptuna.TrialStateFail:
		return &st.Fail
	case goptuna.TrialStateWaiting:
		return &st.Waiting
	default:
		return &st.Running
	}
}

func deleteStudyTx(tx *bolt.Tx, rec StudyInfo, trialIDs []int) error {
	if err := tx.Bucket(bucketStudies).Delete(u64key(rec.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketStudyNames).Delete([]byte(rec.Name)); err != nil {
		return err
	}
	ids := tx.Bucket(bucketTrialIDs)
	for _, id := range trialIDs {
		if err := ids.Delete(u64key(id)); err != nil {
			return err
		}
	}
	trials := tx.Bucket(bucketTrials)
	if trials.Bucket(u64key(rec.ID)) != nil {
		return trials.DeleteBucket(u64key(rec.ID))
	}
	return nil
}

// flushLocked commits buffered trials, if any. wmu must be held.
func (s *Store) flushLocked() error {
	if len(s.c.dirty) == 0 {
		return nil
	}
	if err := s.commitLocked(&change{}); err != nil {
		return fmt.Errorf("flush running trials to %s: %w", s.path, err)
	}
	return nil
}

// armCheckpoint makes sure trials that exist only in memory are committed
// within the RunningCheckpoint delay. wmu must be held.
func (s *Store) armCheckpoint() error {
	if s.opts.runningFlush <= 0 {
		return s.flushLocked()
	}
	if s.timer == nil {
		s.timer = time.AfterFunc(s.opts.runningFlush, s.checkpoint)
	}
	return nil
}

func (s *Store) checkpoint() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.timer = nil
	if s.closed.Load() || s.c.unsaved == 0 {
		return
	}
	// An error here resurfaces at the next commit, which retries the same
	// trials; nothing is lost from memory.
	_ = s.flushLocked()
}
