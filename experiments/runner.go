package experiments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sort"
	"time"

	"github.com/cgx-dev/cgx/internal/memstat"
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

	backend string // BLAS kernels in use; ml stage keys include it
	specDir string // folder paths in the spec are relative to it
	loaded  map[tracker.ID]*dataset

	stages  []StageResult
	metrics map[string]float64
}

// Run executes the spec in f under opts and records everything in st. On
// cancellation the run is marked interrupted and can be continued with
// Options.Resume; on failure it is marked failed with the error.
func Run(ctx context.Context, st Store, f *File, opts Options) (Result, error) {
	profile := opts.Profile
	if _, ok := f.Base.Profiles["default"]; profile == "" && ok && !opts.ExactProfile {
		profile = "default"
	}
	spec, err := f.Resolve(profile)
	if err != nil {
		return Result{}, err
	}
	if opts.Seed != nil {
		spec.Seed = *opts.Seed
	}
	r := &runner{st: st, spec: spec, force: opts.Force, progress: opts.Progress, now: opts.Now,
		metrics: map[string]float64{}, loaded: map[tracker.ID]*dataset{}}
	blas, err := nn.DefaultBLAS()
	if err != nil {
		return Result{}, err
	}
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
	} else {
		goVer, modVer, rev, cpu := tracker.BuildInfo()
		sum := sha256.Sum256([]byte(f.Text))
		attrs := runAttrs(spec, f.Path, r.specDir, blas)
		if len(f.Overrides) > 0 {
			attrs[AttrOverrides] = overridesAttr(f.Overrides) // f.Text is already the effective spec
		}
		id, err := st.CreateRun(ctx, tracker.Run{
			Name: spec.Name, Spec: f.Text, SpecSHA256: hex.EncodeToString(sum[:]), Seed: spec.Seed,
			Profile: spec.Profile, Workers: r.workers, Status: tracker.RunRunning, Started: r.now(),
			GoVersion: goVer, ModuleVersion: modVer, VCSRevision: rev, CPUModel: cpu,
			Attrs: attrs,
		})
		if err != nil {
			return Result{}, fmt.Errorf("record run: %w", err)
		}
		r.runID = id
	}
	r.progress.Logf("run %d: %s (profile %s, seed %d, %d workers)", r.runID, spec.Name, orNone(spec.Profile), spec.Seed, r.workers)

	runErr := r.execute(ctx)
	r.progress.Flush()
	status := tracker.RunSucceeded
	switch {
	case runErr == nil:
	case errors.Is(runErr, context.Canceled) || errors.Is(runErr, context.DeadlineExceeded) || ctx.Err() != nil:
		status = tracker.RunInterrupted
	default:
		status = tracker.RunFailed
	}
	// Record the outcome even when ctx is cancelled, so the database says what happened.
	recCtx := context.WithoutCancel(ctx)
	if err := st.UpdateRun(recCtx, r.runID, func(run *tracker.Run) error {
		run.Status, run.Ended = status, r.now()
		if runErr != nil {
			run.Error = runErr.Error()
		}
		run.Metrics = r.metrics
		run.Stages = r.stageKeys()
		run.Studies = r.studies()
		return nil
	}); err != nil {
		if runErr == nil {
			runErr = fmt.Errorf("record run %d outcome: %w", r.runID, err)
		} else {
			// Say it: the error names where the outcome was saved, or that
			// the run will show as running.
			runErr = fmt.Errorf("%w; recording that outcome failed too: %v", runErr, err)
		}
	}
	res := Result{RunID: r.runID, Name: spec.Name, Profile: spec.Profile, Seed: spec.Seed, Status: status,
		Stages: r.stages, Metrics: r.metrics}
	if runErr != nil {
		if status == tracker.RunInterrupted {
			return res, fmt.Errorf("run %d interrupted; continue it with 'cgx run --resume %d': %w", r.runID, r.runID, runErr)
		}
		return res, fmt.Errorf("run %d failed: %w", r.runID, runErr)
	}
	r.progress.Logf("run %d succeeded", r.runID)
	return res, nil
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

// stage returns the stored stage for (name, inputs) or computes and stores it.
// compute fills Outputs, Studies, Metrics and Attrs of the stage it is given.
func (r *runner) stage(ctx context.Context, name string, inputs any, compute func(ctx context.Context, st *tracker.Stage) error) (tracker.Stage, error) {
	key, err := stageKey(name, inputs)
	if err != nil {
		return tracker.Stage{}, err
	}
	if !r.force {
		got, err := r.st.GetStage(ctx, key)
		switch {
		case err == nil && got.Status == "done":
			r.progress.Logf("  %s: reused (computed by run %d)", name, got.RunID)
			r.record(got, true)
			return got, nil
		case err != nil && !errors.Is(err, tracker.ErrNotFound):
			return tracker.Stage{}, fmt.Errorf("stage %s: look up cache: %w", name, err)
		}
	}
	s := tracker.Stage{Key: key, Name: name, RunID: r.runID, Started: r.now(),
		Outputs: map[string]tracker.ID{}, Metrics: map[string]float64{}, Attrs: map[string]string{}}
	resetErr := memstat.Reset() // so the peak is this stage's (process-wide: concurrent stages blur it)
	if err := compute(ctx, &s); err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: %w", name, err)
	}
	recordPeakRSS(&s, resetErr)
	if in, err := json.Marshal(inputs); err == nil {
		s.Attrs[attrStageInputs] = string(in) // what verify shows where results start to differ
	}
	reused := s.Attrs[attrReusedDataset] == "true" && r.creditDataset(ctx, &s)
	s.Status, s.Ended = "done", r.now()
	if err := r.st.PutStage(context.WithoutCancel(ctx), s); err != nil {
		return tracker.Stage{}, fmt.Errorf("stage %s: record: %w", name, err)
	}
	r.record(s, reused)
	return s, nil
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
