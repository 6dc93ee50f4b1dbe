package bolt

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// SetRunTags adds the tags add to run id and removes the tags rm, in one
// transaction, and returns the tags the run then has.
func (s *Store) SetRunTags(ctx context.Context, id int, add, rm []string) ([]string, error) {
	if err := tracker.CheckTags(add, rm); err != nil {
		return nil, fmt.Errorf("tag run %d: %w", id, err)
	}
	var out []string
	err := s.UpdateRun(ctx, id, func(r *tracker.Run) (err error) {
		out, err = tracker.ApplyRunTags(r, add, rm)
		return err
	})
	return out, err
}

// SetRunNote replaces run id's note; "" removes it.
func (s *Store) SetRunNote(ctx context.Context, id int, note string) error {
	if err := tracker.CheckNote(note); err != nil {
		return fmt.Errorf("note run %d: %w", id, err)
	}
	return s.UpdateRun(ctx, id, func(r *tracker.Run) error {
		tracker.ApplyRunNote(r, note)
		return nil
	})
}

// DeleteRun removes run id: its record and the stages it computed that no
// other run lists go in one transaction, then the studies that no remaining
// run or stage names, one commit each. Artifacts are left for GC, which
// removes those nothing references any more. Readers in other processes see
// the run either whole or gone. A failure after the first transaction
// leaves only unnamed studies behind, which a later DeleteRun cannot reach
// but which hold no artifacts; 'cgx check' lists nothing for them.
func (s *Store) DeleteRun(ctx context.Context, id int) (tracker.RunDeletion, error) {
	del := tracker.RunDeletion{Run: id, Stages: []string{}, KeptStages: []string{}, Studies: []int{}}
	if err := ctx.Err(); err != nil {
		return del, err
	}
	if err := s.writable("delete run"); err != nil {
		return del, err
	}
	var studies []int
	s.wmu.Lock()
	err := s.commitLocked(&change{extra: func(tx *bbolt.Tx) error {
		del.Stages, del.KeptStages = del.Stages[:0], del.KeptStages[:0]
		studies = studies[:0]
		run, err := getRunTx(tx, id)
		if err != nil {
			return err
		}
		runs, err := listRunsTx(tx)
		if err != nil {
			return err
		}
		stages, err := listStagesTx(tx, 0)
		if err != nil {
			return err
		}
		byKey := map[string]tracker.Stage{}
		for _, st := range stages {
			byKey[st.Key] = st
		}
		otherStages := map[string]bool{}
		for _, r := range runs {
			if r.ID != id {
				for _, k := range r.Stages {
					otherStages[k] = true
				}
			}
		}
		candidates := map[int]bool{}
		for _, sid := range run.Studies {
			candidates[sid] = true
		}
		b := tx.Bucket(bucketStages)
		for _, st := range stages {
			if st.RunID != id {
				continue
			}
			if otherStages[st.Key] {
				st.RunID = 0
				if st.Attrs == nil {
					st.Attrs = map[string]string{}
				}
				st.Attrs[tracker.StageAttrDeletedRun] = strconv.Itoa(id)
				raw, err := encodeStage(st)
				if err != nil {
					return err
				}
				if err := b.Put([]byte(st.Key), raw); err != nil {
					return err
				}
				del.KeptStages = append(del.KeptStages, st.Key)
				continue
			}
			for _, sid := range st.Studies {
				candidates[sid] = true
			}
			if err := b.Delete([]byte(st.Key)); err != nil {
				return err
			}
			delete(byKey, st.Key)
			del.Stages = append(del.Stages, st.Key)
		}
		// Studies still named by a remaining run or stage stay.
		for _, r := range runs {
			if r.ID == id {
				continue
			}
			for _, sid := range r.Studies {
				delete(candidates, sid)
			}
		}
		for _, st := range byKey {
			for _, sid := range st.Studies {
				delete(candidates, sid)
			}
		}
		for sid := range candidates {
			studies = append(studies, sid)
		}
		sort.Ints(studies)
		return tx.Bucket(bucketRuns).Delete(u64key(id))
	}})
	s.wmu.Unlock()
	if err != nil {
		return del, fmt.Errorf("delete run %d: %w", id, err)
	}
	for _, sid := range studies {
		if err := s.DeleteStudy(sid); err != nil {
			if errors.Is(err, tracker.ErrNotFound) {
				continue
			}
			return del, fmt.Errorf("delete run %d: study %d: %w", id, sid, err)
		}
		del.Studies = append(del.Studies, sid)
	}
	return del, nil
}
