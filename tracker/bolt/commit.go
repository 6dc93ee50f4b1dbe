package bolt

import (
	"fmt"
	"sort"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
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
	studies map[int]*tracker.StudyInfo
	deleted int // study id, 0 for none
	extra   func(tx *bbolt.Tx) error
}

// commitLocked makes ch and every buffered trial durable. A change that
// only writes a few trials goes to the journal (one fdatasync, see
// journal.go); any other change, and a full journal, is one bbolt
// transaction that also absorbs every journaled trial. Stats of each study
// it touches are recomputed, and the cache changes only once the commit is
// durable (so readers never see what a crash could take back, apart from
// buffered RUNNING trials). wmu must be held.
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
	affected := map[int]*tracker.StudyInfo{}
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
	journaled := s.jr != nil && ch.studies == nil && ch.deleted == 0 && ch.extra == nil && len(write) <= journalMaxTrials
	var err error
	var ahead []goptuna.FrozenTrial
	aheadStudy := 0
	if journaled {
		var during func()
		// Only a commit of a trial's outcome (SetTrialState, added trials)
		// ends a trial of goptuna's loop; buffered flushes do not.
		if len(ch.repl)+len(ch.added) > 0 {
			aheadStudy = s.aheadWanted(affected)
		}
		if aheadStudy != 0 {
			during = func() { ahead = history(s.c.studies[aheadStudy], write, ch.added) }
		}
		err = s.appendJournalLocked(write, affected, during)
	} else {
		err = s.commitFileLocked(ch, write, affected)
	}
	if err != nil {
		return err
	}
	s.lockCache()
	for te, v := range write {
		te.t = *v
		te.dirty = false
		te.onDisk = true
		if te.unsaved {
			te.unsaved = false
			c.unsaved--
		}
		if journaled {
			c.journaled[te] = struct{}{}
		} else {
			te.inFile = true
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
		if journaled {
			c.journaledStudies[id] = struct{}{}
		}
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
			delete(c.journaled, te)
			if te.unsaved {
				c.unsaved--
			}
		}
		delete(c.byName, se.rec.Name)
		delete(c.studies, ch.deleted)
		delete(c.journaledStudies, ch.deleted)
	}
	s.mu.Unlock()
	if journaled && s.jr.full() {
		// The commit is durable in the journal; a failed checkpoint is
		// retried by the next commit that reaches the file.
		_ = s.checkpointLocked()
	}
	if ahead != nil {
		s.mu.RLock()
		s.ahead.Store(&readAhead{study: aheadStudy, gen: s.c.gen, trials: ahead})
		s.mu.RUnlock()
	}
	return nil
}

// appendJournalLocked writes one trial-level commit to the journal, calling
// during (when not nil) while the disk syncs it.
func (s *Store) appendJournalLocked(write map[*trialEntry]*goptuna.FrozenTrial, affected map[int]*tracker.StudyInfo, during func()) error {
	studies := make([]*tracker.StudyInfo, 0, len(affected))
	for _, rec := range affected {
		studies = append(studies, rec)
	}
	sort.Slice(studies, func(i, j int) bool { return studies[i].ID < studies[j].ID })
	trials := make([]*goptuna.FrozenTrial, 0, len(write))
	for _, v := range write {
		trials = append(trials, v)
	}
	sort.Slice(trials, func(i, j int) bool { return trials[i].ID < trials[j].ID })
	payload, err := encodeJournalPayload(s.jbuf[:0], studies, trials, s.c.nextTrialID)
	if err != nil {
		return err
	}
	s.jbuf = payload
	if err := s.jr.append(payload, during); err != nil {
		return err
	}
	if !s.jr.noSync {
		s.syncs.Add(1)
	}
	// Lets a damaged last record be told from a torn one (guard.go).
	_ = s.commit.putJournal(s.jr.epoch, s.jr.seq)
	return nil
}

// commitFileLocked writes a commit to the bbolt file in one transaction,
// together with every journaled trial and study record, and then starts a
// new journal epoch.
func (s *Store) commitFileLocked(ch *change, write map[*trialEntry]*goptuna.FrozenTrial, affected map[int]*tracker.StudyInfo) error {
	c := s.c
	var delIDs []int
	if ch.deleted != 0 {
		for _, te := range c.studies[ch.deleted].trials {
			if te.inFile {
				delIDs = append(delIDs, te.t.ID)
			}
		}
	}
	err := s.update(func(tx *bbolt.Tx) error {
		studies, trials, ids := tx.Bucket(bucketStudies), tx.Bucket(bucketTrials), tx.Bucket(bucketTrialIDs)
		ids.FillPercent = appendFill
		for id, rec := range affected {
			if err := studies.Put(u64key(id), encodeStudy(rec)); err != nil {
				return err
			}
		}
		for te, v := range write {
			if err := putTrialTx(trials, ids, v, !te.inFile); err != nil {
				return err
			}
		}
		// What the journal holds and this commit does not rewrite.
		for id := range c.journaledStudies {
			if _, ok := affected[id]; !ok && id != ch.deleted {
				if err := studies.Put(u64key(id), encodeStudy(&c.studies[id].rec)); err != nil {
					return err
				}
			}
		}
		for te := range c.journaled {
			if _, ok := write[te]; !ok && te.t.StudyID != ch.deleted {
				if err := putTrialTx(trials, ids, &te.t, !te.inFile); err != nil {
					return err
				}
			}
		}
		if seq := uint64(c.nextTrialID - 1); seq > ids.Sequence() {
			if err := ids.SetSequence(seq); err != nil {
				return err
			}
		}
		if s.jr != nil && s.jr.seq > 0 {
			if err := putAbsorbedEpoch(tx, s.jr.epoch); err != nil {
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
	if s.jr != nil && s.jr.seq > 0 {
		s.lockCache()
		for te := range c.journaled {
			te.inFile = true
		}
		clear(c.journaled)
		clear(c.journaledStudies)
		s.mu.Unlock()
		s.jr.restart()
	}
	return nil
}

// checkpointLocked moves everything journaled, and buffered trials, into
// the file. wmu must be held.
func (s *Store) checkpointLocked() error {
	if s.jr == nil {
		return s.flushLocked()
	}
	if s.jr.seq == 0 && len(s.c.dirty) == 0 {
		return nil
	}
	if err := s.commitLocked(&change{extra: func(*bbolt.Tx) error { return nil }}); err != nil {
		return fmt.Errorf("checkpoint journal %s into %s: %w", s.jr.path, s.path, err)
	}
	return nil
}

// recountStats aggregates every trial of a study as it will be after the
// commit: its cached trials with written values substituted, plus added ones.
func recountStats(se *studyEntry, dir goptuna.StudyDirection, added []*trialEntry, write map[*trialEntry]*goptuna.FrozenTrial) tracker.StudyStats {
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
	return tracker.ComputeStats(dir, len(list), func(i int) *goptuna.FrozenTrial {
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
func updateStats(st *tracker.StudyStats, dir goptuna.StudyDirection, tes []*trialEntry, write map[*trialEntry]*goptuna.FrozenTrial) bool {
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
		case tracker.BetterValue(dir, v.Value, st.BestValue):
			st.BestTrialID, st.BestNumber, st.BestValue = v.ID, v.Number, v.Value
		}
	}
	return true
}

func stateCount(st *tracker.StudyStats, s goptuna.TrialState) *int {
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

func deleteStudyTx(tx *bbolt.Tx, rec tracker.StudyInfo, trialIDs []int) error {
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
