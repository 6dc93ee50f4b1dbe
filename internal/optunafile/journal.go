package optunafile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
)

// Optuna's JournalOperation op codes (optuna/storages/_journal/storage.py).
const (
	opCreateStudy = iota
	opDeleteStudy
	opSetStudyUserAttr
	opSetStudySystemAttr
	opCreateTrial
	opSetTrialParam
	opSetTrialStateValues
	opSetTrialIntermediateValue
	opSetTrialUserAttr
	opSetTrialSystemAttr
)

// journalWorker is the worker_id of every operation WriteJournal writes.
// Optuna only compares worker ids to decide whether an invalid operation
// was its own (then it raises) or another worker's (then it is skipped).
const journalWorker = "cgx-export-0"

// WriteJournal writes s as an Optuna JournalFileStorage log: one create
// study operation, one per study attribute and one create trial operation
// per trial (Optuna's own form for a trial added from a template), study id
// 0. optuna.storages.JournalFileStorage(path) reads it.
func WriteJournal(w io.Writer, s Study) error {
	if err := s.validate(); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	bw := bufio.NewWriter(w)
	var line bytes.Buffer
	emit := func(op int, fields map[string]any) error {
		fields["op_code"] = op
		fields["worker_id"] = journalWorker
		line.Reset()
		if err := appendJSON(&line, fields); err != nil {
			return err
		}
		line.WriteByte('\n')
		_, err := bw.Write(line.Bytes())
		return err
	}
	dirs := make([]any, len(s.Directions))
	for i, d := range s.Directions {
		dirs[i] = int(d)
	}
	if err := emit(opCreateStudy, map[string]any{"study_name": s.Name, "directions": dirs}); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	for _, k := range sortedKeys(s.UserAttrs) {
		if err := emit(opSetStudyUserAttr, map[string]any{"study_id": 0, "user_attr": map[string]any{k: s.UserAttrs[k]}}); err != nil {
			return fmt.Errorf("write journal: study user attribute %q: %w", k, err)
		}
	}
	for _, k := range sortedKeys(s.SystemAttrs) {
		if err := emit(opSetStudySystemAttr, map[string]any{"study_id": 0, "system_attr": map[string]any{k: s.SystemAttrs[k]}}); err != nil {
			return fmt.Errorf("write journal: study system attribute %q: %w", k, err)
		}
	}
	for i := range s.Trials {
		f, err := trialOp(&s.Trials[i])
		if err == nil {
			err = emit(opCreateTrial, f)
		}
		if err != nil {
			return fmt.Errorf("write journal: trial %d: %w", s.Trials[i].Number, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write journal: %w", err)
	}
	return nil
}

// trialOp returns the fields of the create trial operation for t, as
// JournalStorage.create_new_trial writes them for a template trial.
func trialOp(t *Trial) (map[string]any, error) {
	f := map[string]any{"study_id": 0, "state": int(t.State), "value": nil, "values": nil}
	switch {
	case len(t.Values) == 1:
		f["value"] = t.Values[0]
	case len(t.Values) > 1:
		f["values"] = append([]float64(nil), t.Values...)
	}
	f["datetime_start"] = nil
	if !t.Start.IsZero() {
		f["datetime_start"] = formatTime(t.Start)
	}
	if !t.Complete.IsZero() {
		f["datetime_complete"] = formatTime(t.Complete)
	}
	dists := map[string]any{}
	for name, d := range t.Distributions {
		text, err := d.json()
		if err != nil {
			return nil, fmt.Errorf("parameter %q: %w", name, err)
		}
		dists[name] = text
	}
	f["distributions"] = dists
	f["params"] = copyFloats(t.Params)
	iv := map[string]any{}
	for step, v := range t.IntermediateValues {
		iv[strconv.Itoa(step)] = v
	}
	f["intermediate_values"] = iv
	f["user_attrs"] = nonNil(t.UserAttrs)
	f["system_attrs"] = nonNil(t.SystemAttrs)
	return f, nil
}

func copyFloats(m map[string]float64) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func nonNil(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// validate checks what Optuna's FrozenTrial checks, so that a written file
// loads: times agree with states, a complete trial has a value, parameters
// have distributions.
func (s Study) validate() error {
	if len(s.Directions) == 0 {
		return fmt.Errorf("study %q has no direction", s.Name)
	}
	for i := range s.Trials {
		t := &s.Trials[i]
		if !t.State.valid() {
			return fmt.Errorf("trial %d: unknown state %d", t.Number, t.State)
		}
		if t.State != StateWaiting && t.Start.IsZero() {
			return fmt.Errorf("trial %d (%s) has no start time", t.Number, t.State)
		}
		if t.State.Finished() != !t.Complete.IsZero() {
			return fmt.Errorf("trial %d (%s): a completion time is needed exactly when the trial is finished", t.Number, t.State)
		}
		if t.State == StateComplete && len(t.Values) == 0 {
			return fmt.Errorf("trial %d is complete but has no value", t.Number)
		}
		if len(t.Values) > 0 && len(t.Values) != len(s.Directions) {
			return fmt.Errorf("trial %d has %d values for %d directions", t.Number, len(t.Values), len(s.Directions))
		}
		if len(t.Params) != len(t.Distributions) {
			return fmt.Errorf("trial %d has %d parameters and %d distributions", t.Number, len(t.Params), len(t.Distributions))
		}
		for name := range t.Params {
			if _, ok := t.Distributions[name]; !ok {
				return fmt.Errorf("trial %d: parameter %q has no distribution", t.Number, name)
			}
		}
	}
	return nil
}
