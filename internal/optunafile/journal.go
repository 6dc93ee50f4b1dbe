package optunafile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"
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

// journalReplay applies operations as optuna's JournalStorageReplayResult
// does for operations of another worker: an operation on a missing study or
// trial, or on a finished trial, is skipped.
type journalReplay struct {
	studies   map[int]*Study
	order     []int // study ids in creation order
	nextStudy int
	trials    []*Trial // by trial id
	trialOf   []int    // trial id -> study id
	byStudy   map[int][]*Trial
}

// ReadJournal replays an Optuna JournalFileStorage log and returns its
// studies (deleted ones left out) in creation order. A last line that does
// not decode is a torn write and is ignored, as Optuna ignores it; any other
// line that does not decode is an error naming it.
func ReadJournal(r io.Reader) ([]Study, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	rp := &journalReplay{studies: map[int]*Study{}, byStudy: map[int][]*Trial{}}
	lines := bytes.SplitAfter(data, []byte("\n"))
	for len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	for i, line := range lines {
		v, err := decodeJSON(line)
		if err != nil {
			if i == len(lines)-1 {
				break // torn last write
			}
			return nil, fmt.Errorf("read journal line %d: %v: %w", i+1, err, ErrFormat)
		}
		op, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("read journal line %d: not a JSON object: %w", i+1, ErrFormat)
		}
		if err := rp.apply(op); err != nil {
			return nil, fmt.Errorf("read journal line %d: %w", i+1, err)
		}
	}
	out := make([]Study, 0, len(rp.order))
	for _, id := range rp.order {
		if s, ok := rp.studies[id]; ok {
			for _, t := range rp.byStudy[id] {
				s.Trials = append(s.Trials, *t)
			}
			out = append(out, *s)
		}
	}
	return out, nil
}

func (rp *journalReplay) apply(op map[string]any) error {
	code, ok := toInt(op["op_code"])
	if !ok {
		return fmt.Errorf("no op_code: %w", ErrFormat)
	}
	switch code {
	case opCreateStudy:
		return rp.createStudy(op)
	case opDeleteStudy, opSetStudyUserAttr, opSetStudySystemAttr:
		id, ok := toInt(op["study_id"])
		if !ok {
			return fmt.Errorf("op %d: no study_id: %w", code, ErrFormat)
		}
		s := rp.studies[id]
		if s == nil {
			return nil
		}
		switch code {
		case opDeleteStudy:
			delete(rp.studies, id)
		case opSetStudyUserAttr:
			return mergeAttr(op, "user_attr", s.UserAttrs)
		default:
			return mergeAttr(op, "system_attr", s.SystemAttrs)
		}
		return nil
	case opCreateTrial:
		return rp.createTrial(op)
	case opSetTrialParam, opSetTrialStateValues, opSetTrialIntermediateValue, opSetTrialUserAttr, opSetTrialSystemAttr:
		id, ok := toInt(op["trial_id"])
		if !ok {
			return fmt.Errorf("op %d: no trial_id: %w", code, ErrFormat)
		}
		if id < 0 || id >= len(rp.trials) || rp.trials[id].State.Finished() {
			return nil
		}
		if rp.studies[rp.trialOf[id]] == nil {
			return nil // its study was deleted
		}
		return rp.updateTrial(code, id, op)
	}
	return fmt.Errorf("unknown op_code %d: %w", code, ErrFormat)
}

func (rp *journalReplay) createStudy(op map[string]any) error {
	name, ok := op["study_name"].(string)
	list, ok2 := op["directions"].([]any)
	if !ok || !ok2 {
		return fmt.Errorf("create study: study_name and directions are required: %w", ErrFormat)
	}
	for _, s := range rp.studies {
		if s.Name == name {
			return nil // another worker's duplicate: skipped
		}
	}
	s := &Study{Name: name, UserAttrs: map[string]any{}, SystemAttrs: map[string]any{}}
	for _, d := range list {
		n, ok := toInt(d)
		if !ok || n < 0 || n > 2 {
			return fmt.Errorf("create study %q: direction %v: %w", name, d, ErrFormat)
		}
		s.Directions = append(s.Directions, Direction(n))
	}
	rp.studies[rp.nextStudy] = s
	rp.order = append(rp.order, rp.nextStudy)
	rp.nextStudy++
	return nil
}

func mergeAttr(op map[string]any, field string, into map[string]any) error {
	m, ok := op[field].(map[string]any)
	if !ok || len(m) != 1 {
		return fmt.Errorf("%s must be an object with one key: %w", field, ErrFormat)
	}
	for k, v := range m {
		into[k] = v
	}
	return nil
}

func (rp *journalReplay) createTrial(op map[string]any) error {
	sid, ok := toInt(op["study_id"])
	if !ok {
		return fmt.Errorf("create trial: no study_id: %w", ErrFormat)
	}
	s := rp.studies[sid]
	if s == nil {
		return nil
	}
	t := &Trial{Number: len(rp.byStudy[sid]), State: StateRunning, Params: map[string]float64{},
		Distributions: map[string]Distribution{}, IntermediateValues: map[int]float64{},
		UserAttrs: map[string]any{}, SystemAttrs: map[string]any{}}
	if v, ok := op["state"]; ok {
		n, ok := toInt(v)
		if !ok || !State(n).valid() {
			return fmt.Errorf("create trial: state %v: %w", v, ErrFormat)
		}
		t.State = State(n)
	}
	var err error
	if t.Start, err = optTime(op, "datetime_start"); err != nil {
		return fmt.Errorf("create trial: %w", err)
	}
	if t.Complete, err = optTime(op, "datetime_complete"); err != nil {
		return fmt.Errorf("create trial: %w", err)
	}
	if t.Values, err = readValues(op); err != nil {
		return fmt.Errorf("create trial: %w", err)
	}
	if d, ok := op["distributions"].(map[string]any); ok {
		for name, text := range d {
			s, ok := text.(string)
			if !ok {
				return fmt.Errorf("create trial: distribution of %q is not a string: %w", name, ErrFormat)
			}
			if t.Distributions[name], err = parseDistribution(s); err != nil {
				return fmt.Errorf("create trial: parameter %q: %w", name, err)
			}
		}
	}
	if p, ok := op["params"].(map[string]any); ok {
		for name, v := range p {
			f, ok := toFloat(v)
			if _, has := t.Distributions[name]; !ok || !has {
				return fmt.Errorf("create trial: parameter %q: a number with a distribution is needed: %w", name, ErrFormat)
			}
			t.Params[name] = f
		}
	}
	if iv, ok := op["intermediate_values"].(map[string]any); ok {
		for k, v := range iv {
			step, err := strconv.Atoi(k)
			f, ok := toFloat(v)
			if err != nil || !ok {
				return fmt.Errorf("create trial: intermediate value %q: %v: %w", k, v, ErrFormat)
			}
			t.IntermediateValues[step] = f
		}
	}
	for _, f := range []struct {
		key  string
		into map[string]any
	}{{"user_attrs", t.UserAttrs}, {"system_attrs", t.SystemAttrs}} {
		if m, ok := op[f.key].(map[string]any); ok {
			for k, v := range m {
				f.into[k] = v
			}
		}
	}
	rp.byStudy[sid] = append(rp.byStudy[sid], t)
	rp.trials = append(rp.trials, t)
	rp.trialOf = append(rp.trialOf, sid)
	return nil
}

func (rp *journalReplay) updateTrial(code, id int, op map[string]any) error {
	t := rp.trials[id]
	switch code {
	case opSetTrialParam:
		name, ok := op["param_name"].(string)
		text, ok2 := op["distribution"].(string)
		ir, ok3 := toFloat(op["param_value_internal"])
		if !ok || !ok2 || !ok3 {
			return fmt.Errorf("set trial param: param_name, param_value_internal and distribution are required: %w", ErrFormat)
		}
		d, err := parseDistribution(text)
		if err != nil {
			return fmt.Errorf("set trial param %q: %w", name, err)
		}
		for _, other := range rp.byStudy[rp.trialOf[id]] {
			if prev, ok := other.Distributions[name]; ok {
				if !compatible(prev, d) {
					return nil // Optuna skips an incompatible distribution
				}
				break
			}
		}
		t.Params[name], t.Distributions[name] = ir, d
	case opSetTrialStateValues:
		n, ok := toInt(op["state"])
		if !ok || !State(n).valid() {
			return fmt.Errorf("set trial state: state %v: %w", op["state"], ErrFormat)
		}
		state := State(n)
		if state == StateRunning && t.State == StateRunning {
			return nil
		}
		var err error
		if state == StateRunning {
			if t.Start, err = optTime(op, "datetime_start"); err != nil {
				return fmt.Errorf("set trial state: %w", err)
			}
		}
		if state.Finished() {
			if t.Complete, err = optTime(op, "datetime_complete"); err != nil {
				return fmt.Errorf("set trial state: %w", err)
			}
		}
		t.State = state
		if vals, err := readList(op["values"]); err != nil {
			return fmt.Errorf("set trial state: %w", err)
		} else if vals != nil {
			t.Values = vals
		}
	case opSetTrialIntermediateValue:
		step, ok := toInt(op["step"])
		v, ok2 := toFloat(op["intermediate_value"])
		if !ok || !ok2 {
			return fmt.Errorf("set intermediate value: step and intermediate_value are required: %w", ErrFormat)
		}
		t.IntermediateValues[step] = v
	case opSetTrialUserAttr:
		return mergeAttr(op, "user_attr", t.UserAttrs)
	case opSetTrialSystemAttr:
		return mergeAttr(op, "system_attr", t.SystemAttrs)
	}
	return nil
}

// compatible mirrors optuna.distributions.check_distribution_compatibility.
func compatible(a, b Distribution) bool {
	if a.Kind != b.Kind {
		return false
	}
	if a.Kind != KindCategorical {
		return true
	}
	return jsonText(a.Choices) == jsonText(b.Choices)
}

func optTime(op map[string]any, key string) (time.Time, error) {
	v, ok := op[key]
	if !ok || v == nil {
		return time.Time{}, nil
	}
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("%s %v is not a string: %w", key, v, ErrFormat)
	}
	return parseTime(s)
}

// readValues reads a create trial operation's "value" and "values".
func readValues(op map[string]any) ([]float64, error) {
	if vals, err := readList(op["values"]); err != nil || vals != nil {
		return vals, err
	}
	if v, ok := op["value"]; ok && v != nil {
		f, ok := toFloat(v)
		if !ok {
			return nil, fmt.Errorf("value %v is not a number: %w", v, ErrFormat)
		}
		return []float64{f}, nil
	}
	return nil, nil
}

func readList(v any) ([]float64, error) {
	if v == nil {
		return nil, nil
	}
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("values %v is not a list: %w", v, ErrFormat)
	}
	out := make([]float64, len(list))
	for i, e := range list {
		f, ok := toFloat(e)
		if !ok {
			return nil, fmt.Errorf("values[%d] %v is not a number: %w", i, e, ErrFormat)
		}
		out[i] = f
	}
	return out, nil
}
