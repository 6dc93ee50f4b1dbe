package optunafile

import (
	"bytes"
	"fmt"
	"io"
	"strconv"
	"time"
)

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
