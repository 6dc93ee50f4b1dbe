package optunafile

import (
	"fmt"
	"time"
)

// State is Optuna's TrialState (the same numbers as goptuna's).
type State int

// Optuna's trial states.
const (
	StateRunning  State = 0
	StateComplete State = 1
	StatePruned   State = 2
	StateFail     State = 3
	StateWaiting  State = 4
)

var stateNames = [...]string{"RUNNING", "COMPLETE", "PRUNED", "FAIL", "WAITING"}

// String returns Optuna's name of the state.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return fmt.Sprintf("State(%d)", int(s))
}

// Finished reports whether the trial can no longer change.
func (s State) Finished() bool { return s == StateComplete || s == StatePruned || s == StateFail }

func (s State) valid() bool { return s >= StateRunning && s <= StateWaiting }

// Direction is Optuna's StudyDirection.
type Direction int

// Optuna's study directions.
const (
	DirectionNotSet   Direction = 0
	DirectionMinimize Direction = 1
	DirectionMaximize Direction = 2
)

// String returns Optuna's name of the direction.
func (d Direction) String() string {
	switch d {
	case DirectionMinimize:
		return "MINIMIZE"
	case DirectionMaximize:
		return "MAXIMIZE"
	case DirectionNotSet:
		return "NOT_SET"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// Distribution kinds.
const (
	KindFloat       = "float"
	KindInt         = "int"
	KindCategorical = "categorical"
)

// Distribution is an Optuna 3 distribution: FloatDistribution,
// IntDistribution or CategoricalDistribution.
type Distribution struct {
	Kind      string  // KindFloat, KindInt or KindCategorical
	Low, High float64 // float and int
	Log       bool    // float and int
	Step      float64 // 0 when none (float); int distributions have 1 or more
	// Choices holds the categorical choices as JSON values (string,
	// json.Number, bool or nil).
	Choices []any
}

// Study is one Optuna study with its trials in number order.
type Study struct {
	Name        string
	Directions  []Direction
	UserAttrs   map[string]any // JSON values
	SystemAttrs map[string]any
	Trials      []Trial
}

// Trial is one trial. Params holds internal representations.
type Trial struct {
	Number             int
	State              State
	Values             []float64 // nil when the trial has none
	Params             map[string]float64
	Distributions      map[string]Distribution
	IntermediateValues map[int]float64
	UserAttrs          map[string]any
	SystemAttrs        map[string]any
	Start, Complete    time.Time // zero when unset
}

// timeLayout is Python's datetime.isoformat(timespec="microseconds") for a
// naive datetime.
const timeLayout = "2006-01-02T15:04:05.000000"

func formatTime(t time.Time) string { return t.In(time.Local).Format(timeLayout) }

// parseTime reads what Python's datetime.fromisoformat reads in practice:
// naive times (taken as local) with or without fractions, and times with an
// offset.
func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02T15:04:05.999999999Z07:00", "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.ParseInLocation(layout, s, time.Local); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("time %q is not ISO 8601: %w", s, ErrFormat)
}
