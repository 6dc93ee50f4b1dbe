package reports

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// RunData is one run as reports see it, decoded once from a Source.
type RunData struct {
	Run     tracker.Run
	Stages  []tracker.Stage    // in the run's execution order, then by name
	Studies []StudyData        // by study id
	Metrics map[string]float64 // stage metrics overlaid by the run's (see mergeMetrics)
	// Epochs holds the per-epoch curves of the stages that trained a
	// network (keys.StageAttrEpochs), in stage order.
	Epochs []StageEpochs
	// Warnings lists what could not be decoded and was replaced by a default.
	Warnings []string
}

// maxWarnings bounds RunData.Warnings; the last entry counts the rest.
const maxWarnings = 30

type warnings struct {
	list    []string
	dropped int
}

func (w *warnings) addf(format string, a ...any) {
	if len(w.list) >= maxWarnings {
		w.dropped++
		return
	}
	w.list = append(w.list, fmt.Sprintf(format, a...))
}

func (w *warnings) result() []string {
	out := append([]string(nil), w.list...)
	if w.dropped > 0 {
		out = append(out, fmt.Sprintf("... and %d more warnings", w.dropped))
	}
	return out
}

// RunExists reports whether src holds run id, deciding from ListRuns so that
// the answer does not depend on the store's error types.
func RunExists(ctx context.Context, src Source, id int) (bool, error) {
	runs, err := src.ListRuns(ctx)
	if err != nil {
		return false, fmt.Errorf("list runs: %w", err)
	}
	for _, r := range runs {
		if r.ID == id {
			return true, nil
		}
	}
	return false, nil
}

// LoadRun reads run id with its stages, studies and trials. It returns an
// error wrapping ErrNotFound when src holds no run id.
func LoadRun(ctx context.Context, src Source, id int) (*RunData, error) {
	ok, err := RunExists(ctx, src, id)
	if err != nil {
		return nil, fmt.Errorf("load run %d: %w", id, err)
	}
	if !ok {
		return nil, fmt.Errorf("load run %d: %w (run 'cgx runs' to list the runs)", id, ErrNotFound)
	}
	run, err := src.GetRun(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load run %d: %w", id, err)
	}
	stages, err := src.ListStages(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("load stages of run %d: %w", id, err)
	}
	sortStages(stages, run.Stages)
	var w warnings
	studies, err := loadRunStudies(ctx, src, run, &w)
	if err != nil {
		return nil, err
	}
	epochs := loadEpochs(stages, &w)
	return &RunData{
		Run:      run,
		Stages:   stages,
		Studies:  studies,
		Metrics:  mergeMetrics(run, stages),
		Epochs:   epochs,
		Warnings: w.result(),
	}, nil
}

// sortStages orders stages by the position of their key in order (the run's
// execution order), stages not listed there last, ties by name then key.
func sortStages(stages []tracker.Stage, order []string) {
	pos := make(map[string]int, len(order))
	for i, k := range order {
		if _, dup := pos[k]; !dup {
			pos[k] = i
		}
	}
	rank := func(s tracker.Stage) int {
		if p, ok := pos[s.Key]; ok {
			return p
		}
		return len(order)
	}
	sort.SliceStable(stages, func(i, j int) bool {
		ri, rj := rank(stages[i]), rank(stages[j])
		if ri != rj {
			return ri < rj
		}
		if stages[i].Name != stages[j].Name {
			return stages[i].Name < stages[j].Name
		}
		return stages[i].Key < stages[j].Key
	})
}

// belongsToRun reports whether a study with this name and attributes was made
// by run (listed in run.Studies, attribute cgx.run, or the run-<id>/ name prefix).
func belongsToRun(run tracker.Run, listed map[int]bool, studyID int, name string, attrs map[string]string) bool {
	if listed[studyID] {
		return true
	}
	if v, ok := attrs[AttrRun]; ok {
		return strings.TrimSpace(v) == strconv.Itoa(run.ID)
	}
	return strings.HasPrefix(name, keys.RunPrefix(run.ID))
}

func loadRunStudies(ctx context.Context, src Source, run tracker.Run, w *warnings) ([]StudyData, error) {
	sums, err := src.GetAllStudySummaries()
	if err != nil {
		return nil, fmt.Errorf("list studies of run %d: %w", run.ID, err)
	}
	listed := make(map[int]bool, len(run.Studies))
	for _, id := range run.Studies {
		listed[id] = true
	}
	sort.Slice(sums, func(i, j int) bool { return sums[i].ID < sums[j].ID })
	var out []StudyData
	for _, s := range sums {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("load studies of run %d: %w", run.ID, err)
		}
		if !belongsToRun(run, listed, s.ID, s.Name, s.UserAttrs) {
			continue
		}
		sd, err := loadStudy(src, s.ID, s.Name, w)
		if err != nil {
			return nil, err
		}
		out = append(out, sd)
	}
	return out, nil
}

// LoadStudy reads one study by id with its trials; the error wraps ErrNotFound
// when src holds no such study. Decoding problems are returned as warnings.
func LoadStudy(ctx context.Context, src Source, id int) (StudyData, []string, error) {
	sums, err := src.GetAllStudySummaries()
	if err != nil {
		return StudyData{}, nil, fmt.Errorf("load study %d: %w", id, err)
	}
	for _, s := range sums {
		if s.ID == id {
			var w warnings
			sd, err := loadStudy(src, s.ID, s.Name, &w)
			return sd, w.result(), err
		}
	}
	return StudyData{}, nil, fmt.Errorf("load study %d: %w (run 'cgx studies' to list them)", id, ErrNotFound)
}

func loadStudy(src Source, id int, name string, w *warnings) (StudyData, error) {
	attrs, err := src.GetStudyUserAttrs(id)
	if err != nil {
		return StudyData{}, fmt.Errorf("read attributes of study %d (%s): %w", id, name, err)
	}
	trials, err := src.GetAllTrials(id)
	if err != nil {
		return StudyData{}, fmt.Errorf("read trials of study %d (%s): %w", id, name, err)
	}
	sd := newStudyData(id, name, attrs, w)
	sd.Trials = make([]Trial, 0, len(trials))
	for _, ft := range trials {
		sd.Trials = append(sd.Trials, decodeTrial(sd.label(), ft, w))
	}
	sort.SliceStable(sd.Trials, func(i, j int) bool { return sd.Trials[i].Number < sd.Trials[j].Number })
	return sd, nil
}

// mergeMetrics returns the stage metrics of the run overlaid by the run's own.
// A stage metric key without a slash is taken relative to its stage
// ("accuracy" in stage "discriminator/d" is "discriminator/d/accuracy").
func mergeMetrics(run tracker.Run, stages []tracker.Stage) map[string]float64 {
	out := make(map[string]float64)
	for _, st := range stages {
		for k, v := range st.Metrics {
			if !strings.Contains(k, "/") && st.Name != "" {
				k = keys.Metric(st.Name, k)
			}
			out[k] = v
		}
	}
	for k, v := range run.Metrics {
		out[k] = v
	}
	return out
}
