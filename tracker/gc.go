package tracker

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/c-bata/goptuna"
)

// GCReport is what GC removed (or, in a dry run, would remove).
type GCReport struct {
	DryRun bool `json:"dry_run"`
	// Artifacts lists the artifacts nothing references: their metadata and
	// object files go.
	Artifacts []ArtifactMeta `json:"artifacts"`
	// Orphans lists object files under the objects folder that no artifact
	// names (left by an interrupted write), and temporary files.
	Orphans []string `json:"orphans"`
	// Bytes counts the bytes removed (artifacts and orphans).
	Bytes int64 `json:"bytes"`
	// Kept counts the artifacts something references.
	Kept int `json:"kept"`
}

// GCOptions chooses what GC may remove.
type GCOptions struct {
	// DryRun reports what would go and removes nothing.
	DryRun bool
	// Unowned also collects artifacts made outside any run (RunID 0, such as
	// the datasets of 'cgx dataset generate') when nothing references them;
	// by default they are kept, being the user's own.
	Unowned bool
}

// GCSource is what ReferencedArtifacts reads from a database.
type GCSource interface {
	ListRuns(ctx context.Context) ([]Run, error)
	ListStages(ctx context.Context, runID int) ([]Stage, error)
	Studies() ([]StudyInfo, error)
	GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error)
}

// ReferencedArtifacts decides, for GC on any backend, which of the
// artifacts metas are referenced: listed by a run, output by a stage, named
// (by id) in a run, stage, study or trial attribute, made outside any run
// (RunID 0) unless unowned, or named by a referenced JSON artifact,
// recursively. read returns an artifact's bytes; it is called only for
// referenced artifacts whose media type ends in "json".
func ReferencedArtifacts(ctx context.Context, s GCSource, metas []ArtifactMeta, unowned bool, read func(ID) ([]byte, error)) (map[ID]bool, error) {
	known := make(map[ID]ArtifactMeta, len(metas))
	for _, m := range metas {
		known[m.ID] = m
	}
	reached := map[ID]bool{}
	var queue []ID
	add := func(id ID) {
		if _, ok := known[id]; ok && !reached[id] {
			reached[id] = true
			queue = append(queue, id)
		}
	}
	addText := func(v string) {
		if len(v) == 64 {
			if id, err := ParseID(v); err == nil {
				add(id)
			}
		}
	}
	addAttrs := func(m map[string]string) {
		for _, v := range m {
			addText(v)
		}
	}
	runs, err := s.ListRuns(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		for _, id := range r.Artifacts {
			add(id)
		}
		addAttrs(r.Attrs)
	}
	stages, err := s.ListStages(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, st := range stages {
		for _, id := range st.Outputs {
			add(id)
		}
		addAttrs(st.Attrs)
	}
	studies, err := s.Studies()
	if err != nil {
		return nil, err
	}
	for _, sd := range studies {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		addAttrs(sd.UserAttrs)
		addAttrs(sd.SystemAttrs)
		trials, err := s.GetAllTrials(sd.ID)
		if err != nil {
			return nil, err
		}
		for i := range trials {
			addAttrs(trials[i].UserAttrs)
			addAttrs(trials[i].SystemAttrs)
		}
	}
	if !unowned {
		for _, m := range metas {
			if m.RunID == 0 {
				add(m.ID)
			}
		}
	}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		if !strings.HasSuffix(known[id].MediaType, "json") {
			continue
		}
		data, err := read(id)
		if err != nil {
			// A missing or unreadable JSON artifact hides what it names:
			// stop rather than delete what it might reference.
			return nil, fmt.Errorf("read artifact %s to follow its references: %w; 'cgx check' reports damage", id, err)
		}
		var v any
		if json.Unmarshal(data, &v) == nil {
			walkJSONStrings(v, addText)
		}
	}
	return reached, nil
}

func walkJSONStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, e := range x {
			walkJSONStrings(e, fn)
		}
	case map[string]any:
		for _, e := range x {
			walkJSONStrings(e, fn)
		}
	}
}
