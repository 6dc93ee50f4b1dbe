package tracker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"

	bolt "go.etcd.io/bbolt"
)

// Run attributes the user sets ('cgx tag', 'cgx note'); the runner never
// writes them, so verify and diff of the computed results ignore them.
const (
	// RunAttrTags holds the run's tags as a JSON array of strings, sorted.
	RunAttrTags = "cgx.tags"
	// RunAttrNote holds a free-text note.
	RunAttrNote = "cgx.note"
	// StageAttrDeletedRun is set on a stage whose computing run was deleted
	// while other runs still reuse it: its RunID is then 0 and this
	// attribute holds the old run id, decimal.
	StageAttrDeletedRun = "cgx.deleted_run"
)

// Limits on what a user may attach to a run.
const (
	MaxTagBytes  = 64
	MaxTags      = 64
	MaxNoteBytes = 4096
)

// Tags returns the run's tags, sorted; nil when it has none or the
// attribute does not decode.
func (r Run) Tags() []string {
	raw := r.Attrs[RunAttrTags]
	if raw == "" {
		return nil
	}
	var tags []string
	if json.Unmarshal([]byte(raw), &tags) != nil {
		return nil
	}
	return tags
}

// Note returns the run's note ("" for none).
func (r Run) Note() string { return r.Attrs[RunAttrNote] }

// CheckTag reports why tag cannot be a tag: empty, too long, or holding
// white space, a comma or a control character (tags are typed in shells and
// listed in one column).
func CheckTag(tag string) error {
	if tag == "" || len(tag) > MaxTagBytes {
		return fmt.Errorf("tag %q: a tag has 1 to %d bytes", tag, MaxTagBytes)
	}
	for _, c := range tag {
		if unicode.IsSpace(c) || unicode.IsControl(c) || c == ',' || c == unicode.ReplacementChar {
			return fmt.Errorf("tag %q: no spaces, commas or control characters", tag)
		}
	}
	return nil
}

// SetRunTags adds the tags add to run id and removes the tags rm, in one
// transaction, and returns the tags the run then has.
func (s *Store) SetRunTags(ctx context.Context, id int, add, rm []string) ([]string, error) {
	for _, t := range append(append([]string{}, add...), rm...) {
		if err := CheckTag(t); err != nil {
			return nil, fmt.Errorf("tag run %d: %w", id, err)
		}
	}
	var out []string
	err := s.UpdateRun(ctx, id, func(r *Run) error {
		set := map[string]bool{}
		for _, t := range r.Tags() {
			set[t] = true
		}
		for _, t := range add {
			set[t] = true
		}
		for _, t := range rm {
			delete(set, t)
		}
		if len(set) > MaxTags {
			return fmt.Errorf("run %d would have %d tags; at most %d", id, len(set), MaxTags)
		}
		out = make([]string, 0, len(set))
		for t := range set {
			out = append(out, t)
		}
		sort.Strings(out)
		if r.Attrs == nil {
			r.Attrs = map[string]string{}
		}
		if len(out) == 0 {
			delete(r.Attrs, RunAttrTags)
			return nil
		}
		raw, err := json.Marshal(out)
		if err != nil {
			return err
		}
		r.Attrs[RunAttrTags] = string(raw)
		return nil
	})
	return out, err
}

// SetRunNote replaces run id's note; "" removes it.
func (s *Store) SetRunNote(ctx context.Context, id int, note string) error {
	if len(note) > MaxNoteBytes {
		return fmt.Errorf("note run %d: %d bytes; a note has at most %d", id, len(note), MaxNoteBytes)
	}
	return s.UpdateRun(ctx, id, func(r *Run) error {
		if r.Attrs == nil {
			r.Attrs = map[string]string{}
		}
		if strings.TrimSpace(note) == "" {
			delete(r.Attrs, RunAttrNote)
		} else {
			r.Attrs[RunAttrNote] = note
		}
		return nil
	})
}

// RunDeletion is what DeleteRun removed.
type RunDeletion struct {
	Run int `json:"run"`
	// Stages lists the keys of the stages the run computed and no other run
	// reuses: deleted with it.
	Stages []string `json:"stages"`
	// KeptStages lists stages it computed that other runs reuse: kept, with
	// RunID 0 and StageAttrDeletedRun set.
	KeptStages []string `json:"kept_stages"`
	// Studies lists the studies deleted with it (those no remaining run or
	// stage names).
	Studies []int `json:"studies"`
}

// DeleteRun removes run id: its record and the stages it computed that no
// other run lists go in one transaction, then the studies that no remaining
// run or stage names, one commit each. Artifacts are left for GC, which
// removes those nothing references any more. Readers in other processes see
// the run either whole or gone. A failure after the first transaction
// leaves only unnamed studies behind, which a later DeleteRun cannot reach
// but which hold no artifacts; 'cgx check' lists nothing for them.
func (s *Store) DeleteRun(ctx context.Context, id int) (RunDeletion, error) {
	del := RunDeletion{Run: id, Stages: []string{}, KeptStages: []string{}, Studies: []int{}}
	if err := ctx.Err(); err != nil {
		return del, err
	}
	if err := s.writable("delete run"); err != nil {
		return del, err
	}
	var studies []int
	s.wmu.Lock()
	err := s.commitLocked(&change{extra: func(tx *bolt.Tx) error {
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
		byKey := map[string]Stage{}
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
				st.Attrs[StageAttrDeletedRun] = strconv.Itoa(id)
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
			if errors.Is(err, ErrNotFound) {
				continue
			}
			return del, fmt.Errorf("delete run %d: study %d: %w", id, sid, err)
		}
		del.Studies = append(del.Studies, sid)
	}
	return del, nil
}
