package experiments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"github.com/cgx-dev/cgx/ml/disc"
	"github.com/cgx-dev/cgx/ml/nn"
	"github.com/cgx-dev/cgx/tracker"
)

// Options control one run. None of them changes results except Seed and
// Profile, which are recorded in the run.
type Options struct {
	Profile string // profile to apply; "" uses "default" when the spec has one
	// ExactProfile applies Profile as given, "" meaning none (verify, resume).
	ExactProfile bool
	Seed         *int64 // overrides the spec's seed
	Workers      int    // parallelism; 0 uses the spec's workers, then GOMAXPROCS
	Force        bool   // recompute stages even when their key is stored
	Resume       int    // continue this run id instead of starting a new run
	// SpecDir is the folder that relative folder paths in the spec resolve
	// against; "" means the spec file's folder, or on resume the one the run
	// recorded (attribute spec_dir).
	SpecDir  string
	Progress *Progress
	// Now stamps run and stage records; nil uses time.Now. Times never enter results.
	Now func() time.Time
	// Queue shares the run's work with other processes; nil uses the
	// store's own (tracker.WorkQueue) or, without one, a queue in memory.
	Queue tracker.WorkQueue
	// Owner names this walker in the work queue; "" uses DefaultOwner.
	Owner string
	// Lease is how long a claimed work item stays this walker's between
	// renewals; 0 uses DefaultLease.
	Lease time.Duration
}

// StageResult summarises one stage of a run.
type StageResult struct {
	Name    string             `json:"name"`
	Key     string             `json:"key"`
	Cached  bool               `json:"cached"`
	RunID   int                `json:"computed_by_run"`
	Studies []int              `json:"studies,omitempty"`
	Metrics map[string]float64 `json:"metrics,omitempty"`
}

// Result summarises a finished run.
type Result struct {
	RunID   int                `json:"run"`
	Name    string             `json:"name"`
	Profile string             `json:"profile"`
	Seed    int64              `json:"seed"`
	Status  tracker.RunStatus  `json:"status"`
	Stages  []StageResult      `json:"stages"`
	Metrics map[string]float64 `json:"metrics"`
}

// runner carries the state of one run through its stages.
type runner struct {
	st       Store
	spec     Spec
	runID    int
	workers  int
	force    bool
	progress *Progress
	now      func() time.Time

	blas    nn.BLAS
	backend string // BLAS kernels in use; ml stage keys include it
	specDir string // folder paths in the spec are relative to it
	loaded  map[tracker.ID]*dataset

	stages  []StageResult
	metrics map[string]float64

	// Work sharing (work.go): the queue, this walker's name and lease, and
	// whether it joined a run another process recorded (Walk).
	queue  tracker.WorkQueue
	owner  string
	lease  time.Duration
	joined bool

	startMu sync.Mutex // guards progress lines started from work-item goroutines
}

// Run executes the spec in f under opts and records everything in st. On
// cancellation the run is marked interrupted and can be continued with
// Options.Resume; on failure it is marked failed with the error. The process
// is one walker of the run: workers started with Walk (cgx worker) may share
// its work through st's work queue.
func Run(ctx context.Context, st Store, f *File, opts Options) (Result, error) {
	r, err := newRunner(st, f, opts)
	if err != nil {
		return Result{}, err
	}
	if opts.Resume > 0 {
		r.runID = opts.Resume
		if err := st.UpdateRun(ctx, r.runID, func(run *tracker.Run) error {
			if r.specDir == "" {
				r.specDir = StoredSpecDir(*run)
			}
			run.Status, run.Error, run.Ended = tracker.RunRunning, "", time.Time{}
			return nil
		}); err != nil {
			return Result{}, fmt.Errorf("resume run %d: %w", r.runID, err)
		}
	} else if r.runID, err = r.createRun(ctx, f, tracker.RunRunning); err != nil {
		return Result{}, err
	}
	return r.walk(ctx)
}

// Enqueue records a run of the spec in f (status queued, with everything
// Run records before computing) and returns its id without computing:
// workers (Walk, cgx worker) run it.
func Enqueue(ctx context.Context, st Store, f *File, opts Options) (int, error) {
	r, err := newRunner(st, f, opts)
	if err != nil {
		return 0, err
	}
	return r.createRun(ctx, f, tracker.RunQueued)
}

// Walk works on stored run runID as one of its workers: it walks the run's
// stages like Run, reusing what is stored and sharing the rest through st's
// work queue with the other walkers. A queued run becomes running. The
// walker that finds every stage done writes the final record (once per
// run); a walker that fails marks the run failed. Cancelling ctx abandons
// the walker's current items (their leases run out and other workers redo
// them) and leaves the run to the others.
func Walk(ctx context.Context, st Store, runID int, opts Options) (Result, error) {
	run, err := getRun(ctx, st, runID)
	if err != nil {
		return Result{}, err
	}
	f, err := Parse(fmt.Sprintf("run %d spec", runID), []byte(run.Spec))
	if err != nil {
		return Result{}, err
	}
	seed := run.Seed
	opts.Seed, opts.Profile, opts.ExactProfile, opts.Resume = &seed, run.Profile, true, 0
	if opts.SpecDir == "" {
		opts.SpecDir = StoredSpecDir(run)
	}
	r, err := newRunner(st, f, opts)
	if err != nil {
		return Result{}, err
	}
	r.runID, r.joined = runID, true
	if err := st.UpdateRun(ctx, runID, func(run *tracker.Run) error {
		switch run.Status {
		case tracker.RunQueued:
			run.Status, run.Started = tracker.RunRunning, r.now() // started computing now
		case tracker.RunRunning:
		default:
			return fmt.Errorf("%w: run %d is %s", ErrRunStopped, runID, run.Status)
		}
		return nil
	}); err != nil {
		return Result{}, fmt.Errorf("walk run %d: %w", runID, err)
	}
	return r.walk(ctx)
}

// newRunner resolves the spec and the settings of a walker.
func newRunner(st Store, f *File, opts Options) (*runner, error) {
	profile := opts.Profile
	if _, ok := f.Base.Profiles["default"]; profile == "" && ok && !opts.ExactProfile {
		profile = "default"
	}
	spec, err := f.Resolve(profile)
	if err != nil {
		return nil, err
	}
	if opts.Seed != nil {
		spec.Seed = *opts.Seed
	}
	r := &runner{st: st, spec: spec, force: opts.Force, progress: opts.Progress, now: opts.Now,
		metrics: map[string]float64{}, loaded: map[tracker.ID]*dataset{}}
	blas, err := nn.DefaultBLAS()
	if err != nil {
		return nil, err
	}
	r.blas = blas
	r.backend = blas.Name()
	if r.now == nil {
		r.now = time.Now
	}
	r.specDir = opts.SpecDir
	if r.specDir == "" && fileExists(f.Path) {
		r.specDir = absDir(f.Path)
	}
	r.workers = opts.Workers
	if r.workers <= 0 {
		r.workers = spec.Workers
	}
	if r.workers <= 0 {
		r.workers = runtime.GOMAXPROCS(0)
	}
	r.setupWork(opts)
	return r, nil
}

// createRun records a new run of f with status.
func (r *runner) createRun(ctx context.Context, f *File, status tracker.RunStatus) (int, error) {
	goVer, modVer, rev, cpu := tracker.BuildInfo()
	sum := sha256.Sum256([]byte(f.Text))
	attrs := runAttrs(r.spec, f.Path, r.specDir, r.blas)
	if len(f.Overrides) > 0 {
		attrs[AttrOverrides] = overridesAttr(f.Overrides) // f.Text is already the effective spec
	}
	id, err := r.st.CreateRun(ctx, tracker.Run{
		Name: r.spec.Name, Spec: f.Text, SpecSHA256: hex.EncodeToString(sum[:]), Seed: r.spec.Seed,
		Profile: r.spec.Profile, Workers: r.workers, Status: status, Started: r.now(),
		GoVersion: goVer, ModuleVersion: modVer, VCSRevision: rev, CPUModel: cpu,
		Attrs: attrs,
	})
	if err != nil {
		return 0, fmt.Errorf("record run: %w", err)
	}
	return id, nil
}

// walk executes the stages and records the outcome.
func (r *runner) walk(ctx context.Context) (Result, error) {
	spec := r.spec
	r.progress.Logf("run %d: %s (profile %s, seed %d, %d workers)", r.runID, spec.Name, orNone(spec.Profile), spec.Seed, r.workers)

	runErr := r.execute(ctx)
	if runErr == nil {
		runErr = r.finish(ctx)
	}
	r.progress.Flush()
	status := tracker.RunSucceeded
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded) || ctx.Err() != nil:
		status = tracker.RunInterrupted
	default:
		status = tracker.RunFailed
	}
	res := Result{RunID: r.runID, Name: spec.Name, Profile: spec.Profile, Seed: spec.Seed, Status: status,
		Stages: r.stages, Metrics: r.metrics}
	switch {
	case runErr == nil:
		r.progress.Logf("run %d succeeded", r.runID)
		return res, nil
	case errors.Is(runErr, ErrRunStopped):
		// Another walker decided the run's fate; it is recorded already.
		return res, fmt.Errorf("run %d: %w", r.runID, runErr)
	case status == tracker.RunInterrupted && r.joined:
		// A worker that stops leaves the run to the others.
		return res, fmt.Errorf("run %d: worker stopped: %w", r.runID, runErr)
	}
	// Record the outcome even when ctx is cancelled, so the database says what happened.
	recCtx := context.WithoutCancel(ctx)
	if err := r.st.UpdateRun(recCtx, r.runID, func(run *tracker.Run) error {
		run.Status, run.Ended = status, r.now()
		run.Error = runErr.Error()
		run.Metrics = r.metrics
		run.Stages = r.stageKeys()
		run.Studies = r.studies()
		return nil
	}); err != nil {
		// Say it: the error names where the outcome was saved, or that
		// the run will show as running.
		runErr = fmt.Errorf("%w; recording that outcome failed too: %v", runErr, err)
	}
	if status == tracker.RunInterrupted {
		return res, fmt.Errorf("run %d interrupted; continue it with 'cgx run --resume %d': %w", r.runID, r.runID, runErr)
	}
	return res, fmt.Errorf("run %d failed: %w", r.runID, runErr)
}

// finish writes the final record of a run whose every stage is done, on
// one walker of the run.
func (r *runner) finish(ctx context.Context) error {
	_, err := r.once(ctx, "final", WorkRunFinal, func(ctx context.Context, _ int) ([]byte, error) {
		err := r.st.UpdateRun(context.WithoutCancel(ctx), r.runID, func(run *tracker.Run) error {
			run.Status, run.Ended, run.Error = tracker.RunSucceeded, r.now(), ""
			run.Metrics = r.metrics
			run.Stages = r.stageKeys()
			run.Studies = r.studies()
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("record run %d outcome: %w", r.runID, err)
		}
		return nil, nil
	})
	return err
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// execute runs the stages of the spec's kind.
func (r *runner) execute(ctx context.Context) error {
	if err := r.preflight(); err != nil {
		return err
	}
	switch r.spec.Kind {
	case KindStyle:
		return r.runStyle(ctx)
	case KindContent:
		return r.runContent(ctx)
	case KindSegmentation:
		return r.runSegmentation(ctx)
	}
	return fmt.Errorf("unknown kind %q", r.spec.Kind)
}

// attrReusedDataset is the dataset stage attribute saying the images were
// already stored (an identical dataset rendered before), so nothing was rendered.
const attrReusedDataset = "reused_dataset"

// creditDataset handles a dataset stage whose images were already stored:
// the progress line says "reused dataset" instead of "rendering ... done",
// and the stage is credited to the run that rendered them (so run listings
// do not show it as computed by this run) unless --force asked to recompute.
// It reports whether it was credited.
func (r *runner) creditDataset(ctx context.Context, s *tracker.Stage) bool {
	id := s.Outputs["manifest"]
	_, meta, err := r.st.GetArtifact(ctx, id)
	by := "stored earlier"
	if err == nil && meta.RunID != 0 && meta.RunID != r.runID {
		by = fmt.Sprintf("rendered by run %d", meta.RunID)
		if !r.force { // --force lists every stage as this run's
			s.RunID = meta.RunID
		}
	}
	r.progress.Replace("  %s: reused dataset %s (%s; nothing rendered)", s.Name, id.String()[:12], by)
	return s.RunID != r.runID
}

func (r *runner) record(s tracker.Stage, cached bool) {
	for k, v := range s.Metrics {
		r.metrics[k] = v
	}
	r.stages = append(r.stages, StageResult{Name: s.Name, Key: s.Key, Cached: cached, RunID: s.RunID,
		Studies: s.Studies, Metrics: s.Metrics})
}

func (r *runner) stageKeys() []string {
	keys := make([]string, len(r.stages))
	for i, s := range r.stages {
		keys[i] = s.Key
	}
	return keys
}

func (r *runner) studies() []int {
	var ids []int
	seen := map[int]bool{}
	for _, s := range r.stages {
		for _, id := range s.Studies {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	sort.Ints(ids)
	return ids
}

// studyName names a study of this run after its stage (docs/DATA.md).
func (r *runner) studyName(stage string) string {
	return fmt.Sprintf("run-%d/%s", r.runID, stage)
}

// discOptions are the model options every discriminator of the run uses.
func (r *runner) discOptions() []disc.Option { return nil }

// preflight checks what can be checked before any work: the folders a spec
// names exist, so a typo fails in a second, not after an hour of rendering.
func (r *runner) preflight() error {
	for _, d := range []struct {
		role string
		ds   Dataset
	}{{"cg", r.spec.Datasets.CG}, {"real", r.spec.Datasets.Real}, {"eval", r.spec.Datasets.Eval}} {
		if d.ds.Source != "folder" || (d.role == "eval" && r.spec.Kind != KindSegmentation) {
			continue
		}
		for key, p := range map[string]string{"path": d.ds.Path, "masks": d.ds.Masks} {
			if p == "" {
				continue
			}
			if _, err := os.Stat(r.specRelative(p)); err != nil {
				return fmt.Errorf("datasets.%s.%s = %q: %s does not exist (paths are relative to the spec file); fix the path",
					d.role, key, p, r.specRelative(p))
			}
		}
	}
	return nil
}
