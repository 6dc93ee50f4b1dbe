package bolt_test

import (
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// reopening is a goptuna.Storage that closes and reopens its bolt.Store
// after every state change and before every read, so reads see only what
// was committed to the file. Setters on RUNNING trials are buffered until
// the trial's state changes, so it reopens only around state changes and
// study-level writes.
type reopening struct {
	t     testing.TB
	path  string
	opts  []bolt.Option
	crash bool // stop the store as kill -9 would instead of closing it
	s     *bolt.Store
}

var _ goptuna.Storage = (*reopening)(nil)

func newReopening(t testing.TB, path string, crash bool, opts ...bolt.Option) *reopening {
	r := &reopening{t: t, path: path, opts: opts, crash: crash}
	r.open()
	t.Cleanup(func() { r.s.Close() })
	return r
}

func (r *reopening) open() {
	s, err := bolt.Open(r.path, r.opts...)
	if err != nil {
		r.t.Fatal(err)
	}
	r.s = s
}

func (r *reopening) cycle() {
	if r.crash {
		bolt.Crash(r.s)
	} else if err := r.s.Close(); err != nil {
		r.t.Fatal(err)
	}
	r.open()
}

func (r *reopening) CreateNewStudy(name string) (int, error) {
	defer r.cycle()
	return r.s.CreateNewStudy(name)
}
func (r *reopening) DeleteStudy(id int) error { defer r.cycle(); return r.s.DeleteStudy(id) }
func (r *reopening) SetStudyDirection(id int, d goptuna.StudyDirection) error {
	defer r.cycle()
	return r.s.SetStudyDirection(id, d)
}
func (r *reopening) SetStudyUserAttr(id int, k, v string) error {
	defer r.cycle()
	return r.s.SetStudyUserAttr(id, k, v)
}
func (r *reopening) SetStudySystemAttr(id int, k, v string) error {
	defer r.cycle()
	return r.s.SetStudySystemAttr(id, k, v)
}
func (r *reopening) GetStudyIDFromName(n string) (int, error) { return r.s.GetStudyIDFromName(n) }
func (r *reopening) GetStudyIDFromTrialID(id int) (int, error) {
	return r.s.GetStudyIDFromTrialID(id)
}
func (r *reopening) GetStudyNameFromID(id int) (string, error) { return r.s.GetStudyNameFromID(id) }
func (r *reopening) GetStudyDirection(id int) (goptuna.StudyDirection, error) {
	return r.s.GetStudyDirection(id)
}
func (r *reopening) GetStudyUserAttrs(id int) (map[string]string, error) {
	return r.s.GetStudyUserAttrs(id)
}
func (r *reopening) GetStudySystemAttrs(id int) (map[string]string, error) {
	return r.s.GetStudySystemAttrs(id)
}
func (r *reopening) GetAllStudySummaries() ([]goptuna.StudySummary, error) {
	return r.s.GetAllStudySummaries()
}
func (r *reopening) CreateNewTrial(id int) (int, error) {
	defer r.cycle()
	return r.s.CreateNewTrial(id)
}
func (r *reopening) CloneTrial(id int, base goptuna.FrozenTrial) (int, error) {
	defer r.cycle()
	return r.s.CloneTrial(id, base)
}
func (r *reopening) SetTrialValue(id int, v float64) error { return r.s.SetTrialValue(id, v) }
func (r *reopening) SetTrialIntermediateValue(id, step int, v float64) error {
	return r.s.SetTrialIntermediateValue(id, step, v)
}
func (r *reopening) SetTrialParam(id int, name string, ir float64, d interface{}) error {
	return r.s.SetTrialParam(id, name, ir, d)
}
func (r *reopening) SetTrialState(id int, st goptuna.TrialState) error {
	defer r.cycle()
	return r.s.SetTrialState(id, st)
}
func (r *reopening) SetTrialUserAttr(id int, k, v string) error {
	return r.s.SetTrialUserAttr(id, k, v)
}
func (r *reopening) SetTrialSystemAttr(id int, k, v string) error {
	return r.s.SetTrialSystemAttr(id, k, v)
}
func (r *reopening) GetTrialNumberFromID(id int) (int, error) { return r.s.GetTrialNumberFromID(id) }
func (r *reopening) GetTrialParam(id int, n string) (float64, error) {
	return r.s.GetTrialParam(id, n)
}
func (r *reopening) GetTrial(id int) (goptuna.FrozenTrial, error) { return r.s.GetTrial(id) }
func (r *reopening) GetAllTrials(id int) ([]goptuna.FrozenTrial, error) {
	return r.s.GetAllTrials(id)
}
func (r *reopening) GetBestTrial(id int) (goptuna.FrozenTrial, error) { return r.s.GetBestTrial(id) }
func (r *reopening) GetTrialParams(id int) (map[string]interface{}, error) {
	return r.s.GetTrialParams(id)
}
func (r *reopening) GetTrialUserAttrs(id int) (map[string]string, error) {
	return r.s.GetTrialUserAttrs(id)
}
func (r *reopening) GetTrialSystemAttrs(id int) (map[string]string, error) {
	return r.s.GetTrialSystemAttrs(id)
}
