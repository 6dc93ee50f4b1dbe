package reporttest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"sync"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/tracker"
)

// ErrNotFound is returned for unknown runs, studies and artifacts.
var ErrNotFound = errors.New("reporttest: not found")

// Store is an in-memory store; the zero value is empty and ready. It is safe
// for concurrent use; a test may keep adding while readers read.
type Store struct {
	mu        sync.RWMutex
	runs      map[int]tracker.Run
	stages    map[int][]tracker.Stage
	studies   []goptuna.StudySummary
	trials    map[int][]goptuna.FrozenTrial
	artifacts map[tracker.ID]artifact
	// Calls counts method calls, for tests that check what was read.
	calls map[string]int
}

type artifact struct {
	data []byte
	meta tracker.ArtifactMeta
}

func (s *Store) count(name string) {
	if s.calls == nil {
		s.calls = map[string]int{}
	}
	s.calls[name]++
}

// Calls returns how many times method name was called.
func (s *Store) Calls(name string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.calls[name]
}

// AddRun stores r (a copy) under r.ID.
func (s *Store) AddRun(r tracker.Run) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runs == nil {
		s.runs = map[int]tracker.Run{}
	}
	s.runs[r.ID] = copyRun(r)
}

// AddStage stores st under its run.
func (s *Store) AddStage(st tracker.Stage) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stages == nil {
		s.stages = map[int][]tracker.Stage{}
	}
	s.stages[st.RunID] = append(s.stages[st.RunID], copyStage(st))
}

// AddStudy creates a study with the next id and returns it.
func (s *Store) AddStudy(name string, attrs map[string]string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := len(s.studies) + 1
	s.studies = append(s.studies, goptuna.StudySummary{
		ID: id, Name: name, Direction: goptuna.StudyDirectionMinimize,
		UserAttrs: copyMap(attrs), SystemAttrs: map[string]string{},
	})
	return id
}

// AddTrial appends t to study, setting its ID, StudyID and Number.
func (s *Store) AddTrial(study int, t goptuna.FrozenTrial) goptuna.FrozenTrial {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.trials == nil {
		s.trials = map[int][]goptuna.FrozenTrial{}
	}
	n := 0
	for _, ts := range s.trials {
		n += len(ts)
	}
	t.ID, t.StudyID, t.Number = n+1, study, len(s.trials[study])
	t = copyTrial(t)
	s.trials[study] = append(s.trials[study], t)
	return copyTrial(t)
}

// AddArtifact stores data and returns its id (SHA-256).
func (s *Store) AddArtifact(data []byte, meta tracker.ArtifactMeta) tracker.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.artifacts == nil {
		s.artifacts = map[tracker.ID]artifact{}
	}
	id := tracker.ID(sha256.Sum256(data))
	meta.ID, meta.Size = id, int64(len(data))
	s.artifacts[id] = artifact{append([]byte(nil), data...), meta}
	return id
}

// GetRun implements reports.Source.
func (s *Store) GetRun(ctx context.Context, id int) (tracker.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("GetRun")
	if err := ctx.Err(); err != nil {
		return tracker.Run{}, err
	}
	r, ok := s.runs[id]
	if !ok {
		return tracker.Run{}, fmt.Errorf("get run %d: %w", id, ErrNotFound)
	}
	return copyRun(r), nil
}

// ListRuns implements reports.Source; runs come out in decreasing id order
// (any order is allowed).
func (s *Store) ListRuns(ctx context.Context) ([]tracker.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("ListRuns")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make([]tracker.Run, 0, len(s.runs))
	for _, r := range s.runs {
		out = append(out, copyRun(r))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID > out[j].ID })
	return out, nil
}

// ListStages implements reports.Source; stages come out reversed (any order
// is allowed).
func (s *Store) ListStages(ctx context.Context, runID int) ([]tracker.Stage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("ListStages")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	st := s.stages[runID]
	out := make([]tracker.Stage, 0, len(st))
	for i := len(st) - 1; i >= 0; i-- {
		out = append(out, copyStage(st[i]))
	}
	return out, nil
}

// GetArtifact implements reports.Source.
func (s *Store) GetArtifact(ctx context.Context, id tracker.ID) ([]byte, tracker.ArtifactMeta, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("GetArtifact")
	if err := ctx.Err(); err != nil {
		return nil, tracker.ArtifactMeta{}, err
	}
	a, ok := s.artifacts[id]
	if !ok {
		return nil, tracker.ArtifactMeta{}, fmt.Errorf("get artifact %s: %w", id, ErrNotFound)
	}
	return append([]byte(nil), a.data...), a.meta, nil
}

// GetAllStudySummaries implements reports.Source; studies come out in
// decreasing id order (any order is allowed).
func (s *Store) GetAllStudySummaries() ([]goptuna.StudySummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("GetAllStudySummaries")
	out := make([]goptuna.StudySummary, 0, len(s.studies))
	for i := len(s.studies) - 1; i >= 0; i-- {
		sum := s.studies[i]
		sum.UserAttrs = copyMap(sum.UserAttrs)
		sum.SystemAttrs = copyMap(sum.SystemAttrs)
		out = append(out, sum)
	}
	return out, nil
}

// GetAllTrials implements reports.Source.
func (s *Store) GetAllTrials(studyID int) ([]goptuna.FrozenTrial, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("GetAllTrials")
	if studyID < 1 || studyID > len(s.studies) {
		return nil, fmt.Errorf("get trials of study %d: %w", studyID, ErrNotFound)
	}
	ts := s.trials[studyID]
	out := make([]goptuna.FrozenTrial, len(ts))
	for i, t := range ts {
		out[i] = copyTrial(t)
	}
	return out, nil
}

// GetStudyUserAttrs implements reports.Source.
func (s *Store) GetStudyUserAttrs(studyID int) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.count("GetStudyUserAttrs")
	if studyID < 1 || studyID > len(s.studies) {
		return nil, fmt.Errorf("get attributes of study %d: %w", studyID, ErrNotFound)
	}
	return copyMap(s.studies[studyID-1].UserAttrs), nil
}

// SetStudyAttr sets one user attribute of a study.
func (s *Store) SetStudyAttr(studyID int, k, v string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.studies[studyID-1].UserAttrs[k] = v
}

func copyMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	out := make(map[K]V, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copyRun(r tracker.Run) tracker.Run {
	r.Studies = append([]int(nil), r.Studies...)
	r.Artifacts = append([]tracker.ID(nil), r.Artifacts...)
	r.Stages = append([]string(nil), r.Stages...)
	r.Metrics = copyMap(r.Metrics)
	r.Attrs = copyMap(r.Attrs)
	return r
}

func copyStage(st tracker.Stage) tracker.Stage {
	st.Outputs = copyMap(st.Outputs)
	st.Studies = append([]int(nil), st.Studies...)
	st.Metrics = copyMap(st.Metrics)
	st.Attrs = copyMap(st.Attrs)
	return st
}

func copyTrial(t goptuna.FrozenTrial) goptuna.FrozenTrial {
	t.IntermediateValues = copyMap(t.IntermediateValues)
	t.InternalParams = copyMap(t.InternalParams)
	t.Params = copyMap(t.Params)
	t.Distributions = copyMap(t.Distributions)
	t.UserAttrs = copyMap(t.UserAttrs)
	t.SystemAttrs = copyMap(t.SystemAttrs)
	return t
}
