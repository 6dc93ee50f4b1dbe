package storagetest

import (
	"fmt"

	"github.com/c-bata/goptuna"
)

// One method per goptuna.Storage call: each makes the call, records its
// error class and a normalized result, and returns what later calls need.

func (r *recorder) createStudy(name string) int {
	id, err := r.s.CreateNewStudy(name)
	r.add("CreateNewStudy("+name+")", err, nil)
	return id
}

func (r *recorder) studyIDFromName(name string, want int) {
	id, err := r.s.GetStudyIDFromName(name)
	r.add("GetStudyIDFromName("+name+")", err, id == want)
}

func (r *recorder) studyName(study int) {
	n, err := r.s.GetStudyNameFromID(study)
	r.add("GetStudyNameFromID", err, n)
}

func (r *recorder) setDirection(study int, d goptuna.StudyDirection) {
	r.add("SetStudyDirection("+string(d)+")", r.s.SetStudyDirection(study, d), nil)
}

func (r *recorder) direction(study int) {
	d, err := r.s.GetStudyDirection(study)
	r.add("GetStudyDirection", err, d)
}

func (r *recorder) setStudyUserAttr(study int, k, v string) {
	r.add("SetStudyUserAttr("+k+")", r.s.SetStudyUserAttr(study, k, v), nil)
}

func (r *recorder) setStudySystemAttr(study int, k, v string) {
	r.add("SetStudySystemAttr("+k+")", r.s.SetStudySystemAttr(study, k, v), nil)
}

func (r *recorder) studyAttrs(study int) {
	u, err := r.s.GetStudyUserAttrs(study)
	r.add("GetStudyUserAttrs", err, u)
	sa, err := r.s.GetStudySystemAttrs(study)
	r.add("GetStudySystemAttrs", err, sa)
}

func (r *recorder) createTrial(study int) int {
	id, err := r.s.CreateNewTrial(study)
	if err == nil {
		r.remember(id)
	}
	r.add("CreateNewTrial", err, nil)
	return id
}

func (r *recorder) clone(study int, base goptuna.FrozenTrial) {
	id, err := r.s.CloneTrial(study, base)
	if err == nil {
		r.remember(id)
	}
	r.add("CloneTrial", err, nil)
}

func (r *recorder) call(k int, name string, err error) {
	r.add(fmt.Sprintf("%s(trial#%d)", name, k), err, nil)
}

func (r *recorder) setParam(k int, name string, ir float64, d any) {
	r.call(k, "SetTrialParam "+name, r.s.SetTrialParam(r.trialID(k), name, ir, d))
}

func (r *recorder) setValue(k int, v float64) {
	r.call(k, "SetTrialValue", r.s.SetTrialValue(r.trialID(k), v))
}

func (r *recorder) setStep(k, step int, v float64) {
	r.call(k, fmt.Sprintf("SetTrialIntermediateValue step %d", step), r.s.SetTrialIntermediateValue(r.trialID(k), step, v))
}

func (r *recorder) setUserAttr(k int, key, v string) {
	r.call(k, "SetTrialUserAttr "+key, r.s.SetTrialUserAttr(r.trialID(k), key, v))
}

func (r *recorder) setSystemAttr(k int, key, v string) {
	r.call(k, "SetTrialSystemAttr "+key, r.s.SetTrialSystemAttr(r.trialID(k), key, v))
}

func (r *recorder) setState(k int, st goptuna.TrialState) {
	r.call(k, "SetTrialState "+st.String(), r.s.SetTrialState(r.trialID(k), st))
}

func (r *recorder) trial(k int) {
	t, err := r.s.GetTrial(r.trialID(k))
	r.add(fmt.Sprintf("GetTrial(trial#%d)", k), err, r.norm(t))
	n, err := r.s.GetTrialNumberFromID(r.trialID(k))
	r.add(fmt.Sprintf("GetTrialNumberFromID(trial#%d)", k), err, n)
	p, err := r.s.GetTrialParams(r.trialID(k))
	r.add(fmt.Sprintf("GetTrialParams(trial#%d)", k), err, p)
	u, err := r.s.GetTrialUserAttrs(r.trialID(k))
	r.add(fmt.Sprintf("GetTrialUserAttrs(trial#%d)", k), err, u)
	sa, err := r.s.GetTrialSystemAttrs(r.trialID(k))
	r.add(fmt.Sprintf("GetTrialSystemAttrs(trial#%d)", k), err, sa)
}

func (r *recorder) param(k int, name string) {
	v, err := r.s.GetTrialParam(r.trialID(k), name)
	r.add(fmt.Sprintf("GetTrialParam(trial#%d, %s)", k, name), err, v)
}

func (r *recorder) studyOfTrial(k, want int) {
	id, err := r.s.GetStudyIDFromTrialID(r.trialID(k))
	r.add(fmt.Sprintf("GetStudyIDFromTrialID(trial#%d)", k), err, id == want)
}

func (r *recorder) all(study int) {
	ts, err := r.s.GetAllTrials(study)
	out := make([]Trial, len(ts))
	for i := range ts {
		out[i] = r.norm(ts[i])
	}
	r.add("GetAllTrials", err, out)
}

func (r *recorder) best(study int) {
	t, err := r.s.GetBestTrial(study)
	r.add("GetBestTrial", err, r.norm(t))
}

func (r *recorder) summaries() {
	ss, err := r.s.GetAllStudySummaries()
	out := make([]Summary, len(ss))
	for i, s := range ss {
		out[i] = Summary{Name: s.Name, Direction: s.Direction, BestTrial: r.norm(s.BestTrial),
			UserAttrs: s.UserAttrs, SystemAttrs: s.SystemAttrs}
		if s.BestTrial.ID == 0 && s.BestTrial.Number == 0 && s.BestTrial.DatetimeStart.IsZero() {
			out[i].BestTrial = Trial{Ref: "none"}
		}
	}
	r.add("GetAllStudySummaries", err, out)
}
