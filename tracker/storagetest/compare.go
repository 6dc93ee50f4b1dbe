package storagetest

import (
	"testing"
	"time"

	"github.com/c-bata/goptuna"
)

// scenario is a sequence of calls on a storage holding one study.
type scenario struct {
	name string
	run  func(r *recorder)
}

var (
	uniform     = goptuna.UniformDistribution{Low: -1, High: 1}
	logUniform  = goptuna.LogUniformDistribution{Low: 1e-3, High: 10}
	intUniform  = goptuna.IntUniformDistribution{Low: -5, High: 5}
	stepInt     = goptuna.StepIntUniformDistribution{Low: 0, High: 10, Step: 2}
	discrete    = goptuna.DiscreteUniformDistribution{Low: 0, High: 1, Q: 0.25}
	categorical = goptuna.CategoricalDistribution{Choices: []string{"red", "green", "blue"}}
)

// fixedTime keeps cloned trials independent of the wall clock.
var fixedTime = time.Date(2021, 6, 1, 12, 0, 0, 0, time.UTC)

func compareScenarios() []scenario {
	return []scenario{
		{"study settings", func(r *recorder) {
			s := r.createStudy("alpha")
			r.studyIDFromName("alpha", s)
			r.studyIDFromName("missing", s)
			r.studyName(s)
			r.direction(s)
			r.setDirection(s, goptuna.StudyDirectionMaximize)
			r.direction(s)
			r.setStudyUserAttr(s, "cgx.kind", "style")
			r.setStudyUserAttr(s, "cgx.kind", "content")
			r.setStudySystemAttr(s, "seed", "7")
			r.studyAttrs(s)
			r.direction(s + 1000)
			r.studyName(s + 1000)
		}},
		{"trial lifecycle", func(r *recorder) {
			s := r.createStudy("life")
			r.createTrial(s)
			r.trial(0)
			r.setParam(0, "x", 0.25, uniform)
			r.setParam(0, "lr", 0.01, logUniform)
			r.setParam(0, "n", 3, intUniform)
			r.setParam(0, "k", 4, stepInt)
			r.setParam(0, "q", 0.5, discrete)
			r.setParam(0, "color", 2, categorical)
			r.setParam(0, "x", -0.5, uniform) // same name again replaces
			r.param(0, "x")
			r.param(0, "color")
			r.param(0, "absent")
			r.setUserAttr(0, "source", "ab12")
			r.setSystemAttr(0, "fixed", "no")
			r.setStep(0, 0, 1.5)
			r.setStep(0, 3, 0.5)
			r.setStep(0, 3, 0.25) // duplicate step
			r.setValue(0, 0.125)
			r.trial(0)
			r.studyOfTrial(0, s)
			r.setState(0, goptuna.TrialStateComplete)
			r.trial(0)
			r.setValue(0, 9)
			r.setParam(0, "x", 0.1, uniform)
			r.setStep(0, 5, 1)
			r.setUserAttr(0, "late", "1")
			r.setSystemAttr(0, "late", "1")
			r.setState(0, goptuna.TrialStateFail)
			r.trial(0)
			r.all(s)
		}},
		{"unknown ids", func(r *recorder) {
			s := r.createStudy("ghost")
			r.createTrial(s)
			r.trial(-1)
			r.setValue(-1, 1)
			r.setParam(-1, "x", 0, uniform)
			r.setStep(-1, 0, 1)
			r.setUserAttr(-1, "a", "b")
			r.setSystemAttr(-1, "a", "b")
			r.setState(-1, goptuna.TrialStateComplete)
			r.param(-1, "x")
			r.best(s + 1000)
			r.createTrial(s + 1000)
			r.clone(s+1000, goptuna.FrozenTrial{State: goptuna.TrialStateComplete})
			r.all(s)
		}},
		{"unknown distribution", func(r *recorder) {
			s := r.createStudy("dist")
			r.createTrial(s)
			r.setParam(0, "x", 0.5, "not a distribution")
			r.setParam(0, "y", 0.5, &goptuna.UniformDistribution{Low: 0, High: 1})
			r.trial(0)
		}},
		{"best trial minimize", func(r *recorder) {
			s := r.createStudy("min")
			r.best(s)
			finishWith(r, s, 0, 3.0, goptuna.TrialStateComplete)
			finishWith(r, s, 1, 1.0, goptuna.TrialStateComplete)
			finishWith(r, s, 2, 0.5, goptuna.TrialStatePruned)
			finishWith(r, s, 3, -9.0, goptuna.TrialStateFail)
			finishWith(r, s, 4, 1.0, goptuna.TrialStateComplete) // tie: the first stays
			r.createTrial(s)                                     // still running
			r.best(s)
			r.all(s)
			r.summaries()
		}},
		{"best trial maximize", func(r *recorder) {
			s := r.createStudy("max")
			r.setDirection(s, goptuna.StudyDirectionMaximize)
			finishWith(r, s, 0, 3.0, goptuna.TrialStateComplete)
			finishWith(r, s, 1, 7.0, goptuna.TrialStateComplete)
			finishWith(r, s, 2, 7.0, goptuna.TrialStateComplete)
			finishWith(r, s, 3, 9.0, goptuna.TrialStatePruned)
			r.best(s)
			r.summaries()
		}},
		{"no completed trials in summary", func(r *recorder) {
			s := r.createStudy("empty")
			r.setStudyUserAttr(s, "k", "v")
			r.summaries()
			finishWith(r, s, 0, 1, goptuna.TrialStateFail)
			r.summaries()
			r.best(s)
		}},
		{"clone and waiting trials", func(r *recorder) {
			s := r.createStudy("clone")
			r.createTrial(s)
			r.clone(s, goptuna.FrozenTrial{
				State: goptuna.TrialStateComplete, Value: 0.75,
				DatetimeStart: fixedTime, DatetimeComplete: fixedTime.Add(time.Second),
				IntermediateValues: map[int]float64{0: 2, 1: 1},
				InternalParams:     map[string]float64{"x": 0.5, "color": 1},
				Params:             map[string]any{"x": 0.5, "color": "green"},
				Distributions:      map[string]any{"x": uniform, "color": categorical},
				UserAttrs:          map[string]string{"u": "1"},
				SystemAttrs:        map[string]string{"s": "2"},
			})
			r.clone(s, goptuna.FrozenTrial{
				State: goptuna.TrialStateWaiting, DatetimeStart: fixedTime,
				IntermediateValues: map[int]float64{}, InternalParams: map[string]float64{},
				Params: map[string]any{}, Distributions: map[string]any{},
				UserAttrs: map[string]string{}, SystemAttrs: map[string]string{"fixed_params": `{"x":0.5}`},
			})
			r.trial(1)
			r.trial(2)
			r.setParam(2, "x", 0.5, uniform)
			r.setState(2, goptuna.TrialStateRunning)
			r.setValue(2, 4)
			r.setState(2, goptuna.TrialStateComplete)
			r.trial(2)
			r.best(s)
			r.all(s)
		}},
		{"many trials keep their numbers", func(r *recorder) {
			s := r.createStudy("numbers")
			for k := 0; k < 25; k++ {
				r.createTrial(s)
				r.setParam(k, "x", float64(k)/25, uniform)
				if k%3 == 0 {
					r.setValue(k, float64(k))
					r.setState(k, goptuna.TrialStateComplete)
				}
			}
			for k := 0; k < 25; k += 6 {
				r.trial(k)
			}
			r.all(s)
			r.best(s)
		}},
		{"special values", func(r *recorder) {
			s := r.createStudy("nan")
			finishWith(r, s, 0, nan(), goptuna.TrialStateComplete)
			finishWith(r, s, 1, inf(1), goptuna.TrialStateComplete)
			finishWith(r, s, 2, inf(-1), goptuna.TrialStateComplete)
			r.createTrial(s)
			r.setStep(3, -2, nan())
			r.setUserAttr(3, "", "empty key")
			r.setUserAttr(3, "unicode ✓", "多字节")
			r.trial(3)
			r.best(s)
			r.all(s)
		}},
	}
}

// finishWith creates trial k with one parameter, sets its value and state.
func finishWith(r *recorder, s, k int, v float64, st goptuna.TrialState) {
	r.createTrial(s)
	r.setParam(k, "x", float64(k%5)/5, uniform)
	if st == goptuna.TrialStatePruned {
		r.setStep(k, 0, v)
	}
	r.setValue(k, v)
	r.setState(k, st)
}

// RunCompare runs every single-study scenario on goptuna.InMemoryStorage and
// on a fresh subject storage and compares the transcripts.
func RunCompare(t *testing.T, subject Factory) {
	for _, sc := range compareScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			ref := newRecorder(goptuna.NewInMemoryStorage())
			sc.run(ref)
			sub := newRecorder(subject(t))
			sc.run(sub)
			compareTranscripts(t, ref.log, sub.log)
		})
	}
}
