package tracker

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
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

// CheckTags checks every tag of add and rm with CheckTag.
func CheckTags(add, rm []string) error {
	for _, t := range append(append([]string{}, add...), rm...) {
		if err := CheckTag(t); err != nil {
			return err
		}
	}
	return nil
}

// CheckNote reports why note cannot be a run's note (too long).
func CheckNote(note string) error {
	if len(note) > MaxNoteBytes {
		return fmt.Errorf("%d bytes; a note has at most %d", len(note), MaxNoteBytes)
	}
	return nil
}

// ApplyRunTags adds the tags add to r and removes the tags rm, and returns
// the tags r then has, sorted. It refuses more than MaxTags. Backends call
// it inside the transaction that updates the run; the tags are assumed to
// have passed CheckTags.
func ApplyRunTags(r *Run, add, rm []string) ([]string, error) {
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
		return nil, fmt.Errorf("run %d would have %d tags; at most %d", r.ID, len(set), MaxTags)
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	if r.Attrs == nil {
		r.Attrs = map[string]string{}
	}
	if len(out) == 0 {
		delete(r.Attrs, RunAttrTags)
		return out, nil
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	r.Attrs[RunAttrTags] = string(raw)
	return out, nil
}

// ApplyRunNote sets r's note; a note of only white space removes it.
func ApplyRunNote(r *Run, note string) {
	if r.Attrs == nil {
		r.Attrs = map[string]string{}
	}
	if strings.TrimSpace(note) == "" {
		delete(r.Attrs, RunAttrNote)
	} else {
		r.Attrs[RunAttrNote] = note
	}
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

// RunUpdater changes a stored run in one transaction: what TagRun and
// NoteRun need of a backend.
type RunUpdater interface {
	UpdateRun(ctx context.Context, id int, fn func(*Run) error) error
}

// TagRun adds the tags add to run id and removes the tags rm in one
// UpdateRun, after CheckTags, and returns the tags the run then has: every
// backend's SetRunTags.
func TagRun(ctx context.Context, u RunUpdater, id int, add, rm []string) ([]string, error) {
	if err := CheckTags(add, rm); err != nil {
		return nil, fmt.Errorf("tag run %d: %w", id, err)
	}
	var out []string
	err := u.UpdateRun(ctx, id, func(r *Run) (err error) {
		out, err = ApplyRunTags(r, add, rm)
		return err
	})
	return out, err
}

// NoteRun replaces run id's note in one UpdateRun, after CheckNote; a note
// of only white space removes it: every backend's SetRunNote.
func NoteRun(ctx context.Context, u RunUpdater, id int, note string) error {
	if err := CheckNote(note); err != nil {
		return fmt.Errorf("note run %d: %w", id, err)
	}
	return u.UpdateRun(ctx, id, func(r *Run) error {
		ApplyRunNote(r, note)
		return nil
	})
}

// RunDeletionPlan is what deleting a run changes, worked out by
// PlanRunDeletion; a backend applies it in its own transaction.
type RunDeletionPlan struct {
	// Delete lists the keys of the stages the run computed that no other run
	// lists, in the order they were given.
	Delete []string
	// Keep lists the stages the run computed that other runs reuse, already
	// changed as they are to be stored: RunID 0, StageAttrDeletedRun set.
	Keep []Stage
	// Studies lists, sorted, the studies that the run or its deleted stages
	// name and that no remaining run or stage names.
	Studies []int
}

// PlanRunDeletion works out what deleting run leaves and removes, given every
// stored run (run among them) and every stored stage, read in the
// transaction that will apply it. The rule is the one every backend keeps:
// a stage goes with the run that computed it unless another run lists it,
// and a study goes when nothing that remains names it.
func PlanRunDeletion(run Run, runs []Run, stages []Stage) RunDeletionPlan {
	var plan RunDeletionPlan
	otherStages := map[string]bool{}
	for _, r := range runs {
		if r.ID != run.ID {
			for _, k := range r.Stages {
				otherStages[k] = true
			}
		}
	}
	candidates := map[int]bool{}
	for _, sid := range run.Studies {
		candidates[sid] = true
	}
	deleted := map[string]bool{}
	for _, st := range stages {
		if st.RunID != run.ID {
			continue
		}
		if otherStages[st.Key] {
			st.RunID = 0
			attrs := make(map[string]string, len(st.Attrs)+1)
			for k, v := range st.Attrs {
				attrs[k] = v
			}
			attrs[StageAttrDeletedRun] = strconv.Itoa(run.ID)
			st.Attrs = attrs
			plan.Keep = append(plan.Keep, st)
			continue
		}
		for _, sid := range st.Studies {
			candidates[sid] = true
		}
		deleted[st.Key] = true
		plan.Delete = append(plan.Delete, st.Key)
	}
	for _, r := range runs {
		if r.ID == run.ID {
			continue
		}
		for _, sid := range r.Studies {
			delete(candidates, sid)
		}
	}
	for _, st := range stages {
		if deleted[st.Key] {
			continue
		}
		for _, sid := range st.Studies {
			delete(candidates, sid)
		}
	}
	for sid := range candidates {
		plan.Studies = append(plan.Studies, sid)
	}
	sort.Ints(plan.Studies)
	return plan
}
