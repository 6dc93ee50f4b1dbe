package tracker

import (
	"encoding/json"
	"fmt"
	"sort"
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
