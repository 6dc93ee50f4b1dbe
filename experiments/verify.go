package experiments

import (
	"context"
	"errors"
	"fmt"

	"github.com/cgx-dev/cgx/tracker"
)

// VerifyReport is the outcome of Verify, VerifyBundle and CompareRuns.
type VerifyReport struct {
	RunID        int    `json:"run"`
	Name         string `json:"name,omitempty"`
	Profile      string `json:"profile,omitempty"`
	Seed         int64  `json:"seed"`
	ScratchRunID int    `json:"scratch_run"`
	Stages       int    `json:"stages_compared"`
	Trials       int    `json:"trials_compared"`
	Artifacts    int    `json:"artifacts_compared"`
	// FirstDifference is where differences start; nil when there are none.
	FirstDifference *Origin `json:"first_difference,omitempty"`
	// Environment lists every recorded environment field (backend, code
	// version, database format, architecture, ...) that differs between the
	// stored run and the re-execution, whether or not results differ.
	Environment []EnvDifference `json:"environment_differences"`
	Differences []Difference    `json:"differences"`
}

// OK reports whether the recomputation matched bit for bit.
func (v VerifyReport) OK() bool { return len(v.Differences) == 0 }

// Verify re-executes run runID of st from scratch into scratch (an empty store,
// so no stage is reused) with the stored spec text, seed and profile, then
// compares every stage's artifact digests, metrics and trials bit for bit.
// Relative folder paths in the spec resolve against the spec file's folder as
// the run recorded it, unless opts.SpecDir names another.
func Verify(ctx context.Context, st Store, scratch Store, runID int, opts Options) (VerifyReport, error) {
	run, err := getRun(ctx, st, runID)
	if err != nil {
		return VerifyReport{}, err
	}
	if run.Status != tracker.RunSucceeded {
		return VerifyReport{}, fmt.Errorf("verify run %d: it is %s; only succeeded runs can be verified", runID, run.Status)
	}
	f, err := Parse(fmt.Sprintf("run %d spec", runID), []byte(run.Spec))
	if err != nil {
		return VerifyReport{}, fmt.Errorf("parse stored spec of run %d: %w", runID, err)
	}
	seed := run.Seed
	opts.Seed, opts.Profile, opts.ExactProfile, opts.Resume, opts.Force = &seed, run.Profile, true, 0, true
	if opts.SpecDir == "" {
		opts.SpecDir = StoredSpecDir(run)
	}
	res, err := Run(ctx, scratch, f, opts)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("re-execute run %d: %w", runID, err)
	}
	return CompareRuns(ctx, st, runID, scratch, res.RunID)
}

// CompareRuns compares two stored runs stage by stage (matched by name):
// artifact digests, metrics and every trial, bit for bit, and the
// environments they recorded.
func CompareRuns(ctx context.Context, st Store, runID int, other Store, otherID int) (VerifyReport, error) {
	a, run, err := RecordRun(ctx, st, runID)
	if err != nil {
		return VerifyReport{}, err
	}
	b, again, err := RecordRun(ctx, other, otherID)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("read recomputed run: %w", err)
	}
	envA, envB := RunEnvironment(run), RunEnvironment(again)
	rep := VerifyReport{RunID: runID, Name: run.Name, Profile: run.Profile, Seed: run.Seed, ScratchRunID: otherID,
		Environment: CompareEnvironments(envA, envB)}
	compareRecords(a, b, &rep)
	refineOrigin(rep.FirstDifference, envA, envB)
	return rep, nil
}

// getRun reads run id, naming it and what to do when it is not stored.
func getRun(ctx context.Context, st Store, id int) (tracker.Run, error) {
	run, err := st.GetRun(ctx, id)
	switch {
	case errors.Is(err, tracker.ErrNotFound):
		return run, fmt.Errorf("%w %d: %w; 'cgx runs' lists the runs", ErrUnknownRun, id, err)
	case err != nil:
		return run, fmt.Errorf("read run %d: %w", id, err)
	}
	return run, nil
}
