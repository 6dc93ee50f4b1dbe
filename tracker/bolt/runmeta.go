package bolt

import (
	"context"
	"errors"
	"fmt"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// SetRunTags adds and removes tags of run id (tracker.TagRun).
func (s *Store) SetRunTags(ctx context.Context, id int, add, rm []string) ([]string, error) {
	return tracker.TagRun(ctx, s, id, add, rm)
}

// SetRunNote replaces run id's note; "" removes it (tracker.NoteRun).
func (s *Store) SetRunNote(ctx context.Context, id int, note string) error {
	return tracker.NoteRun(ctx, s, id, note)
}

// DeleteRun removes run id: its record and the stages it computed that no
// other run lists go in one transaction, then the studies that no remaining
// run or stage names, one commit each (the rule is tracker.PlanRunDeletion).
// Artifacts are left for GC, which removes those nothing references any
// more. Readers in other processes see the run either whole or gone. A
// failure after the first transaction leaves only unnamed studies behind,
// which a later DeleteRun cannot reach but which hold no artifacts; 'cgx
// check' lists nothing for them.
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
		plan := tracker.PlanRunDeletion(run, runs, stages)
		b := tx.Bucket(bucketStages)
		for _, st := range plan.Keep {
			raw, err := encodeStage(st)
			if err != nil {
				return err
			}
			if err := b.Put([]byte(st.Key), raw); err != nil {
				return err
			}
			del.KeptStages = append(del.KeptStages, st.Key)
		}
		for _, k := range plan.Delete {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
			del.Stages = append(del.Stages, k)
		}
		studies = append(studies, plan.Studies...)
		return tx.Bucket(bucketRuns).Delete(u64key(id))
	}})
	s.wmu.Unlock()
	if err != nil {
		return del, fmt.Errorf("delete run %d: %w", id, err)
	}
	if q, err := s.queue("delete run"); err == nil {
		q.DropRun(id) // its work items, as PostgreSQL's DeleteRun drops them
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
