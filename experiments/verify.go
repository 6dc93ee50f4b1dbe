package experiments

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/tracker"
)

// Difference is one way a recomputed run differs from the stored one.
type Difference struct {
	Stage string `json:"stage"`
	What  string `json:"what"` // "outputs", "metrics", "study <name>", "missing stage", ...
	Diff  string `json:"diff"` // readable diff (- stored, + recomputed)
}

// VerifyReport is the outcome of Verify.
type VerifyReport struct {
	RunID        int          `json:"run"`
	ScratchRunID int          `json:"scratch_run"`
	Stages       int          `json:"stages_compared"`
	Trials       int          `json:"trials_compared"`
	Artifacts    int          `json:"artifacts_compared"`
	Differences  []Difference `json:"differences"`
}

// OK reports whether the recomputation matched bit for bit.
func (v VerifyReport) OK() bool { return len(v.Differences) == 0 }

// Verify re-executes run runID of st from scratch into scratch (an empty store,
// so no stage is reused) with the stored spec text, seed and profile, then
// compares every stage's artifact digests, metrics and trials bit for bit.
func Verify(ctx context.Context, st Store, scratch Store, runID int, opts Options) (VerifyReport, error) {
	run, err := st.GetRun(ctx, runID)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("%w: %v; 'cgx runs' lists the runs", ErrUnknownRun, err)
	}
	if run.Status != tracker.RunSucceeded {
		return VerifyReport{}, fmt.Errorf("run %d is %s; only succeeded runs can be verified", runID, run.Status)
	}
	f, err := Parse(fmt.Sprintf("run %d spec", runID), []byte(run.Spec))
	if err != nil {
		return VerifyReport{}, fmt.Errorf("parse stored spec of run %d: %w", runID, err)
	}
	seed := run.Seed
	opts.Seed, opts.Profile, opts.ExactProfile, opts.Resume, opts.Force = &seed, run.Profile, true, 0, true
	res, err := Run(ctx, scratch, f, opts)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("re-execute run %d: %w", runID, err)
	}
	return CompareRuns(ctx, st, runID, scratch, res.RunID)
}

// CompareRuns compares two stored runs stage by stage (matched by name):
// artifact digests, metrics and every trial, bit for bit.
func CompareRuns(ctx context.Context, st Store, runID int, other Store, otherID int) (VerifyReport, error) {
	run, err := st.GetRun(ctx, runID)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("%w: %v; 'cgx runs' lists the runs", ErrUnknownRun, err)
	}
	rep := VerifyReport{RunID: runID, ScratchRunID: otherID}
	stored, err := stagesOf(ctx, st, run.Stages)
	if err != nil {
		return rep, err
	}
	scratchRun, err := other.GetRun(ctx, otherID)
	if err != nil {
		return rep, err
	}
	again, err := stagesOf(ctx, other, scratchRun.Stages)
	if err != nil {
		return rep, err
	}
	byName := map[string]tracker.Stage{}
	for _, s := range again {
		byName[s.Name] = s
	}
	for _, a := range stored {
		b, ok := byName[a.Name]
		if !ok {
			rep.Differences = append(rep.Differences, Difference{Stage: a.Name, What: "missing stage",
				Diff: "the recomputed run has no stage of this name"})
			continue
		}
		delete(byName, a.Name)
		rep.Stages++
		rep.Artifacts += len(a.Outputs)
		if d := cmp.Diff(idStrings(a.Outputs), idStrings(b.Outputs)); d != "" {
			rep.Differences = append(rep.Differences, Difference{Stage: a.Name, What: "outputs", Diff: d})
		}
		if d := cmp.Diff(a.Metrics, b.Metrics, bitwise); d != "" {
			rep.Differences = append(rep.Differences, Difference{Stage: a.Name, What: "metrics", Diff: d})
		}
		if len(a.Studies) != len(b.Studies) {
			rep.Differences = append(rep.Differences, Difference{Stage: a.Name, What: "studies",
				Diff: fmt.Sprintf("stored %d studies, recomputed %d", len(a.Studies), len(b.Studies))})
			continue
		}
		for i := range a.Studies {
			n, diffs, err := compareStudies(st, other, a.Studies[i], b.Studies[i])
			if err != nil {
				return rep, fmt.Errorf("stage %s: %w", a.Name, err)
			}
			rep.Trials += n
			for _, d := range diffs {
				d.Stage = a.Name
				rep.Differences = append(rep.Differences, d)
			}
		}
	}
	extra := make([]string, 0, len(byName))
	for n := range byName {
		extra = append(extra, n)
	}
	sort.Strings(extra)
	for _, n := range extra {
		rep.Differences = append(rep.Differences, Difference{Stage: n, What: "extra stage",
			Diff: "the recomputed run has a stage the stored run lacks"})
	}
	return rep, nil
}

// bitwise compares floats by their bits: verify means bit for bit, and it
// makes NaN equal to the same NaN.
var bitwise = cmp.Comparer(func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })

func stagesOf(ctx context.Context, st Store, keys []string) ([]tracker.Stage, error) {
	out := make([]tracker.Stage, 0, len(keys))
	for _, k := range keys {
		s, err := st.GetStage(ctx, k)
		if err != nil {
			return nil, fmt.Errorf("read stage %s: %w", k, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func idStrings(m map[string]tracker.ID) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v.String()
	}
	return out
}

// comparableTrial is the part of a trial that must be identical between runs:
// everything but ids, study-specific names and wall-clock times.
type comparableTrial struct {
	Number       int
	State        string
	Value        float64
	Params       map[string]float64
	Intermediate map[int]float64
	UserAttrs    map[string]string
}

// comparableTrials returns a study's COMPLETE trials in logical order. Search
// trials are keyed by their slot (system attribute cgx.slot): attempts that a
// crash or Ctrl-C left unfinished are marked failed and re-run, so trial
// numbers after a resume differ from an uninterrupted run's while slots,
// values and parameters do not. Failed attempts are bookkeeping, not results.
func comparableTrials(s goptuna.Storage, studyID int) ([]comparableTrial, string, error) {
	name, err := s.GetStudyNameFromID(studyID)
	if err != nil {
		return nil, "", fmt.Errorf("read study %d: %w", studyID, err)
	}
	ts, err := s.GetAllTrials(studyID)
	if err != nil {
		return nil, "", fmt.Errorf("read trials of study %s: %w", name, err)
	}
	out := make([]comparableTrial, 0, len(ts))
	for _, t := range ts {
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		n := t.Number
		if slot, err := strconv.Atoi(t.SystemAttrs["cgx.slot"]); err == nil {
			n = slot
		}
		out = append(out, comparableTrial{Number: n, State: t.State.String(), Value: t.Value,
			Params: t.InternalParams, Intermediate: t.IntermediateValues, UserAttrs: t.UserAttrs})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, name, nil
}

func compareStudies(a, b goptuna.Storage, idA, idB int) (int, []Difference, error) {
	ta, name, err := comparableTrials(a, idA)
	if err != nil {
		return 0, nil, err
	}
	tb, _, err := comparableTrials(b, idB)
	if err != nil {
		return 0, nil, err
	}
	label := name
	if i := strings.IndexByte(name, '/'); i >= 0 && strings.HasPrefix(name, "run-") {
		label = name[i+1:]
	}
	var diffs []Difference
	if d := cmp.Diff(ta, tb, bitwise); d != "" {
		diffs = append(diffs, Difference{What: "study " + label, Diff: d})
	}
	return len(ta), diffs, nil
}
