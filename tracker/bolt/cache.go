package bolt

import (
	"encoding/binary"
	"fmt"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// cache is a writing store's in-memory picture of the database: every study
// record, and the decoded trials of the studies used so far. A writing store
// is the only process that changes the file (bbolt's lock), so the cache is
// authoritative; RUNNING trials may be ahead of the file (buffered setters).
type cache struct {
	studies map[int]*studyEntry
	byName  map[string]int
	trials  map[int]*trialEntry      // by trial id, for loaded studies
	dirty   map[*trialEntry]struct{} // trials whose memory is ahead of the file and journal
	// Trials and study records committed to the journal but not yet to the
	// file (journal.go); the next commit to the file writes them.
	journaled        map[*trialEntry]struct{}
	journaledStudies map[int]struct{}
	nextTrialID      int    // next trial id to hand out
	unsaved          int    // trials never committed
	gen              uint64 // bumped by every exclusive hold of Store.mu (lockCache)
}

type studyEntry struct {
	rec    tracker.StudyInfo
	loaded bool          // trials decoded into the cache
	trials []*trialEntry // index = trial number
}

type trialEntry struct {
	t       goptuna.FrozenTrial
	dirty   bool // memory is ahead of the file (and the entry is in cache.dirty)
	onDisk  bool // a durable record exists (in the file or the journal)
	inFile  bool // a record exists in the bbolt file
	unsaved bool // never committed (counted in cache.unsaved)
	live    bool // created or resumed by this store, so not stale
	// categorical: t has a categorical parameter (tracker.HasCategorical),
	// set wherever t gains parameters, so copies skip the look for one.
	categorical bool
}

// clone deep-copies the entry's trial.
func (te *trialEntry) clone() goptuna.FrozenTrial {
	return tracker.CloneTrialKnown(&te.t, te.categorical)
}

func newCache() *cache {
	return &cache{
		studies:          map[int]*studyEntry{},
		byName:           map[string]int{},
		trials:           map[int]*trialEntry{},
		dirty:            map[*trialEntry]struct{}{},
		journaled:        map[*trialEntry]struct{}{},
		journaledStudies: map[int]struct{}{},
		nextTrialID:      1,
	}
}

func u64key(v int) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], uint64(v))
	return k[:]
}

func keyInt(k []byte) (int, error) {
	if len(k) != 8 {
		return 0, fmt.Errorf("key %x is not 8 bytes: %w", k, tracker.ErrCorruptDB)
	}
	return int(binary.BigEndian.Uint64(k)), nil
}

// loadStudies reads every study record and the id counters.
func (c *cache) loadStudies(tx *bbolt.Tx) error {
	err := tx.Bucket(bucketStudies).ForEach(func(k, v []byte) error {
		rec, err := decodeStudy(v)
		if err != nil {
			return fmt.Errorf("study key %x: %w", k, err)
		}
		c.studies[rec.ID] = &studyEntry{rec: rec}
		c.byName[rec.Name] = rec.ID
		return nil
	})
	if err != nil {
		return err
	}
	c.nextTrialID = int(tx.Bucket(bucketTrialIDs).Sequence()) + 1
	return nil
}

// loadTrials decodes every trial of a study from the file; hint sizes the result.
func loadTrials(tx *bbolt.Tx, studyID, hint int) ([]goptuna.FrozenTrial, error) {
	b := tx.Bucket(bucketTrials).Bucket(u64key(studyID))
	if b == nil {
		return nil, nil
	}
	dc := distCache{}
	// hint comes from a stored study record, which may be damaged.
	out := make([]goptuna.FrozenTrial, 0, min(max(hint, 0), 1<<12))
	err := b.ForEach(func(k, v []byte) error {
		num, err := keyInt(k)
		if err != nil {
			return err
		}
		t, err := decodeTrial(v, dc)
		if err != nil {
			return fmt.Errorf("study %d trial number %d: %w", studyID, num, err)
		}
		if t.Number != num || num != len(out) || t.StudyID != studyID {
			return fmt.Errorf("study %d: trial record under number %d says study %d number %d (expected number %d): %w",
				studyID, num, t.StudyID, t.Number, len(out), tracker.ErrCorruptDB)
		}
		out = append(out, t)
		return nil
	})
	return out, err
}
