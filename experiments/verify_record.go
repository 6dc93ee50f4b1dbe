package experiments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// RunRecord is the comparable content of a run: every stage's inputs,
// outputs, metrics and trials in execution order, with nothing that depends
// on ids, names given by run number, or wall-clock times. Verify compares two
// records; a bundle carries one.
type RunRecord struct {
	Stages []StageRecord `json:"stages"`
}

// StageRecord is one stage of a RunRecord.
type StageRecord struct {
	Name string `json:"name"`
	// Inputs is the JSON of the inputs the stage key was computed from
	// (upstream digests, settings, seed, backend); "" for stages stored before
	// cgx recorded them.
	Inputs  string                       `json:"inputs,omitempty"`
	Outputs map[string]tracker.ID        `json:"outputs,omitempty"`
	Metrics map[string]tracker.JSONFloat `json:"metrics,omitempty"`
	Studies []StudyRecord                `json:"studies,omitempty"`
	// Epochs is the stage's per-epoch curves (attribute cgx.epochs), ""
	// where the stage has none or was stored before cgx recorded them.
	Epochs string `json:"epochs,omitempty"`
}

// StudyRecord is one study of a stage: its label (the study name without the
// run-N/ prefix), seed and COMPLETE trials in logical order.
type StudyRecord struct {
	Name   string        `json:"name"`
	Seed   string        `json:"seed,omitempty"` // user attribute cgx.seed
	Trials []TrialRecord `json:"trials"`
}

// TrialRecord is the part of a trial that must be identical between runs.
// Number is the logical slot (system attribute cgx.slot when present): a
// resumed search re-runs attempts under new trial numbers, not new slots.
type TrialRecord struct {
	Number       int                          `json:"number"`
	Value        tracker.JSONFloat            `json:"value"`
	Params       map[string]tracker.JSONFloat `json:"params,omitempty"`
	Intermediate map[int]tracker.JSONFloat    `json:"intermediate,omitempty"`
	Attrs        map[string]string            `json:"attrs,omitempty"`
	// Digest is the SHA-256 of the trial's canonical JSON without Digest
	// (ContentDigest); a bundle reader refuses a trial that does not match it.
	Digest string `json:"digest"`
}

// ContentDigest is the hex SHA-256 of t's canonical JSON with Digest empty
// (encoding/json writes struct fields in order and map keys sorted): what
// Digest must hold.
func (t TrialRecord) ContentDigest() string {
	t.Digest = ""
	b, err := json.Marshal(t)
	if err != nil { // JSONFloat writes NaN and ±Inf as strings: cannot fail
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// RecordRun reads the comparable record of stored run runID.
func RecordRun(ctx context.Context, st Store, runID int) (RunRecord, tracker.Run, error) {
	run, err := getRun(ctx, st, runID)
	if err != nil {
		return RunRecord{}, run, err
	}
	rec := RunRecord{Stages: make([]StageRecord, 0, len(run.Stages))}
	for _, key := range run.Stages {
		s, err := st.GetStage(ctx, key)
		if err != nil {
			return rec, run, fmt.Errorf("run %d: read stage %s: %w", runID, key, err)
		}
		sr := StageRecord{Name: s.Name, Inputs: s.Attrs[attrStageInputs], Outputs: cloneIDs(s.Outputs),
			Metrics: jsonFloats(s.Metrics), Epochs: s.Attrs[keys.StageAttrEpochs]}
		for _, id := range s.Studies {
			sd, err := recordStudy(st, id)
			if err != nil {
				return rec, run, fmt.Errorf("run %d: stage %s: %w", runID, s.Name, err)
			}
			sr.Studies = append(sr.Studies, sd)
		}
		rec.Stages = append(rec.Stages, sr)
	}
	return rec, run, nil
}

func recordStudy(s goptuna.Storage, studyID int) (StudyRecord, error) {
	name, err := s.GetStudyNameFromID(studyID)
	if err != nil {
		return StudyRecord{}, fmt.Errorf("read study %d: %w", studyID, err)
	}
	attrs, err := s.GetStudyUserAttrs(studyID)
	if err != nil {
		return StudyRecord{}, fmt.Errorf("read attributes of study %s: %w", name, err)
	}
	ts, err := s.GetAllTrials(studyID)
	if err != nil {
		return StudyRecord{}, fmt.Errorf("read trials of study %s: %w", name, err)
	}
	label := name
	if i := strings.IndexByte(name, '/'); i >= 0 && strings.HasPrefix(name, "run-") {
		label = name[i+1:]
	}
	out := StudyRecord{Name: label, Trials: make([]TrialRecord, 0, len(ts))}
	if seed, ok := attrs[keys.AttrSeed]; ok {
		out.Seed = seed
	}
	for _, t := range ts {
		if t.State != goptuna.TrialStateComplete {
			continue // failed attempts are bookkeeping, not results
		}
		n := t.Number
		if slot, err := strconv.Atoi(t.SystemAttrs[keys.TrialSlot]); err == nil {
			n = slot
		}
		tr := TrialRecord{Number: n, Value: tracker.JSONFloat(t.Value), Params: jsonFloats(t.InternalParams),
			Attrs: cloneStrings(t.UserAttrs)}
		if len(t.IntermediateValues) > 0 {
			tr.Intermediate = make(map[int]tracker.JSONFloat, len(t.IntermediateValues))
			for k, v := range t.IntermediateValues {
				tr.Intermediate[k] = tracker.JSONFloat(v)
			}
		}
		tr.Digest = tr.ContentDigest()
		out.Trials = append(out.Trials, tr)
	}
	sort.SliceStable(out.Trials, func(i, j int) bool { return out.Trials[i].Number < out.Trials[j].Number })
	return out, nil
}

// Counts returns how many stages, artifacts (stage outputs) and trials r holds.
func (r RunRecord) Counts() (stages, artifacts, trials int) {
	for _, s := range r.Stages {
		artifacts += len(s.Outputs)
		for _, sd := range s.Studies {
			trials += len(sd.Trials)
		}
	}
	return len(r.Stages), artifacts, trials
}

func jsonFloats(m map[string]float64) map[string]tracker.JSONFloat {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]tracker.JSONFloat, len(m))
	for k, v := range m {
		out[k] = tracker.JSONFloat(v)
	}
	return out
}

func cloneIDs(m map[string]tracker.ID) map[string]tracker.ID {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]tracker.ID, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func cloneStrings(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
