package reports

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
)

// Trial attributes (docs/DATA.md), as package internal/keys defines them.
const (
	TrialSuccess    = keys.TrialSuccess
	TrialConfidence = keys.TrialConfidence
	TrialSteps      = keys.TrialSteps
	TrialSource     = keys.TrialSource
	TrialResult     = keys.TrialResult
	TrialImage      = keys.TrialImage
	// TrialPlanted optionally holds the planted gap of this trial's own image
	// (JSON name -> value), when it differs per image; see docs/REPORTS.md.
	TrialPlanted = keys.TrialPlanted
	// TrialSlot is the system attribute holding a search trial's slot.
	TrialSlot = keys.TrialSlot
)

// Index is the trial's position in its study's sequence from 0: its slot
// when the study package recorded one, else its number.
func (t Trial) Index() int {
	if t.Slot >= 0 {
		return t.Slot
	}
	return t.Number
}

// Trial is one goptuna trial with its cgx attributes decoded. Absent numeric
// attributes are NaN (Confidence) or -1 (Steps, Image).
type Trial struct {
	ID       int
	Number   int
	State    goptuna.TrialState
	Complete bool
	Value    float64
	// Params holds the internal (float) value of every parameter; ParamText its
	// external value as text (a categorical's choice, an integer without ".0").
	Params     map[string]float64
	ParamText  map[string]string
	Judged     bool // the success attribute is present
	Success    bool
	Confidence float64
	Steps      int
	Image      int
	// Slot is the study package's logical trial index (system attribute
	// cgx.slot), -1 when absent. Failed attempts shift trial numbers but
	// not slots, so Index prefers it.
	Slot    int
	Source  tracker.ID // zero when absent
	Result  tracker.ID // zero when absent
	Planted map[string]float64
	// Bounds holds each numeric parameter's range [low, high] from its
	// distribution (uniform, log-uniform, integer); categoricals have none.
	Bounds map[string][2]float64
	// AtBound lists the parameters whose fitted value ended at a bound of
	// its range: the runner's at_bound attribute when present, else the
	// parameters whose value equals a bound of Bounds.
	AtBound []string
	// Spread holds a distribution fit's spread per parameter (trial
	// attribute cgx.spread); nil for point fits.
	Spread map[string]float64
	// SampleSuccess is a distribution fit's share of draws that reached the
	// threshold (attribute sample_success), NaN when absent.
	SampleSuccess float64
	Attrs         map[string]string // all user attributes, a copy
	// Curve holds the trial's intermediate values by step (a fit's loss
	// after each step), NaN at steps without one; nil when it has none.
	// Steps beyond MaxCurveSteps are left out.
	Curve []float64
}

// MaxCurveSteps bounds the steps of a trial's curve that reports read.
const MaxCurveSteps = 100_000

func decodeTrial(study string, ft goptuna.FrozenTrial, w *warnings) Trial {
	t := Trial{
		ID: ft.ID, Number: ft.Number, State: ft.State,
		Complete:   ft.State == goptuna.TrialStateComplete,
		Value:      ft.Value,
		Params:     make(map[string]float64, len(ft.InternalParams)),
		ParamText:  make(map[string]string, len(ft.InternalParams)),
		Confidence: math.NaN(), Steps: -1, Image: -1, Slot: -1, SampleSuccess: math.NaN(),
		Attrs: make(map[string]string, len(ft.UserAttrs)),
	}
	for k, v := range ft.InternalParams {
		t.Params[k] = v
		t.ParamText[k] = externalText(ft.Params[k], v)
	}
	t.Bounds = decodeBounds(ft.Distributions)
	for k, v := range ft.UserAttrs {
		t.Attrs[k] = v
	}
	where := fmt.Sprintf("%s trial %d", study, ft.Number)
	t.Curve = decodeCurve(ft.IntermediateValues)
	if t.Complete && (math.IsNaN(t.Value) || math.IsInf(t.Value, 0)) {
		w.addf("%s: complete but its value is %v; counted as not complete", where, t.Value)
		t.Complete = false
	}
	get := func(k string) string { return strings.TrimSpace(ft.UserAttrs[k]) }
	if v := get(TrialSuccess); v != "" {
		b, err := strconv.ParseBool(v)
		if err == nil {
			t.Judged, t.Success = true, b
		} else {
			w.addf("%s: attribute %s = %q is not true/false; left out", where, TrialSuccess, v)
		}
	}
	if v := get(TrialConfidence); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
			t.Confidence = f
		} else {
			w.addf("%s: attribute %s = %q is not a probability; left out", where, TrialConfidence, v)
		}
	}
	if v := strings.TrimSpace(ft.SystemAttrs[TrialSlot]); v != "" {
		t.Slot = intAttr(v, TrialSlot, where, w)
	}
	t.Steps = intAttr(get(TrialSteps), TrialSteps, where, w)
	t.Image = intAttr(get(TrialImage), TrialImage, where, w)
	t.Source = idAttr(get(TrialSource), TrialSource, where, w)
	t.Result = idAttr(get(TrialResult), TrialResult, where, w)
	if v, ok := ft.UserAttrs[keys.TrialAtBound]; ok {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				t.AtBound = append(t.AtBound, p)
			}
		}
	} else {
		for _, p := range SortParamNames(sortedKeys(t.Params)) {
			if b, ok := t.Bounds[p]; ok && (t.Params[p] <= b[0] || t.Params[p] >= b[1]) {
				t.AtBound = append(t.AtBound, p)
			}
		}
	}
	if v := get(keys.TrialSpread); v != "" {
		if sp, err := parsePlanted(v); err == nil {
			t.Spread = sp
		} else {
			w.addf("%s: attribute %s: %v; left out", where, keys.TrialSpread, err)
		}
	}
	if v := get(keys.TrialSampleSuccess); v != "" {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f <= 1 {
			t.SampleSuccess = f
		} else {
			w.addf("%s: attribute %s = %q is not a share; left out", where, keys.TrialSampleSuccess, v)
		}
	}
	if v := get(TrialPlanted); v != "" {
		p, err := parsePlanted(v)
		if err != nil {
			w.addf("%s: attribute %s: %v; left out", where, TrialPlanted, err)
		} else {
			t.Planted = p
		}
	}
	return t
}

func intAttr(v, key, where string, w *warnings) int {
	if v == "" {
		return -1
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		w.addf("%s: attribute %s = %q is not a count; left out", where, key, v)
		return -1
	}
	return n
}

func idAttr(v, key, where string, w *warnings) tracker.ID {
	if v == "" {
		return tracker.ID{}
	}
	id, err := tracker.ParseID(v)
	if err != nil {
		w.addf("%s: attribute %s: %v; left out", where, key, err)
		return tracker.ID{}
	}
	return id
}

// externalText renders a parameter's external value; it falls back on the
// internal value when the external one is missing.
func externalText(ext any, internal float64) string {
	switch v := ext.(type) {
	case nil:
		return formatFloat(internal, 4)
	case string:
		return v
	case float64:
		return formatFloat(v, 4)
	case float32:
		return formatFloat(float64(v), 4)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	default:
		return fmt.Sprint(v)
	}
}

// decodeCurve lays intermediate values out by step; negative steps and those
// past MaxCurveSteps are dropped.
func decodeCurve(iv map[int]float64) []float64 {
	last := -1
	for k := range iv {
		if k >= 0 && k < MaxCurveSteps && k > last {
			last = k
		}
	}
	if last < 0 {
		return nil
	}
	c := make([]float64, last+1)
	for i := range c {
		c[i] = math.NaN()
	}
	for k, v := range iv {
		if k >= 0 && k <= last {
			c[k] = v
		}
	}
	return c
}

// decodeBounds returns the range of every numeric distribution.
func decodeBounds(dists map[string]any) map[string][2]float64 {
	out := make(map[string][2]float64, len(dists))
	for k, d := range dists {
		switch d := d.(type) {
		case goptuna.UniformDistribution:
			out[k] = [2]float64{d.Low, d.High}
		case goptuna.LogUniformDistribution:
			out[k] = [2]float64{d.Low, d.High}
		case goptuna.IntUniformDistribution:
			out[k] = [2]float64{float64(d.Low), float64(d.High)}
		case goptuna.DiscreteUniformDistribution:
			out[k] = [2]float64{d.Low, d.High}
		}
	}
	return out
}

// atBound reports whether parameter p ended at a bound.
func (t Trial) atBound(p string) bool {
	for _, q := range t.AtBound {
		if q == p {
			return true
		}
	}
	return false
}
