package storagetest

import (
	"errors"
	"math"
	"math/rand"
	"strconv"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Factory returns a fresh, empty storage. It registers any cleanup with t.
type Factory func(t testing.TB) goptuna.Storage

// Run runs the whole suite against storages made by subject.
func Run(t *testing.T, subject Factory) {
	t.Run("Compare", func(t *testing.T) { RunCompare(t, subject) })
	t.Run("Strict", func(t *testing.T) { RunStrict(t, subject) })
	t.Run("Samplers", func(t *testing.T) { RunSamplers(t, subject) })
}

// Class names the goptuna sentinel err matches.
func Class(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, goptuna.ErrInvalidStudyID):
		return "invalid-study"
	case errors.Is(err, goptuna.ErrInvalidTrialID):
		return "invalid-trial"
	case errors.Is(err, goptuna.ErrTrialCannotBeUpdated):
		return "cannot-update"
	case errors.Is(err, goptuna.ErrNoCompletedTrials):
		return "no-completed"
	default:
		return "error"
	}
}

// Entry is one call in a transcript.
type Entry struct {
	Call   string
	Class  string
	Result any
}

// Trial is a FrozenTrial with its ids made symbolic (creation order) and
// its timestamps reduced to whether they are set, so that transcripts from
// storages with different id schemes and clocks compare equal.
type Trial struct {
	Ref                string // "trial#k": the k-th trial the scenario created
	Number             int
	State              goptuna.TrialState
	Value              float64
	IntermediateValues map[int]float64
	InternalParams     map[string]float64
	Params             map[string]any
	Distributions      map[string]any
	UserAttrs          map[string]string
	SystemAttrs        map[string]string
	HasStart           bool
	HasComplete        bool
}

// Summary is a StudySummary made comparable the same way.
type Summary struct {
	Name        string
	Direction   goptuna.StudyDirection
	BestTrial   Trial
	UserAttrs   map[string]string
	SystemAttrs map[string]string
}

// recorder calls a storage and writes a transcript.
type recorder struct {
	s     goptuna.Storage
	log   []Entry
	refs  map[int]string // trial id -> "trial#k"
	order []int          // trial ids in creation order
}

func newRecorder(s goptuna.Storage) *recorder {
	return &recorder{s: s, refs: map[int]string{}}
}

// add records a call. Map results are copied at once: the reference hands
// out its own maps, which later calls would change under the transcript.
func (r *recorder) add(call string, err error, result any) {
	switch m := result.(type) {
	case map[string]string:
		result = copyMap(m)
	case map[string]any:
		result = copyMap(m)
	}
	r.log = append(r.log, Entry{Call: call, Class: Class(err), Result: result})
}

func copyMap[K comparable, V any](m map[K]V) map[K]V {
	if m == nil {
		return nil
	}
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

// trialID returns the id of the k-th created trial, or an id no storage
// hands out when k is negative.
func (r *recorder) trialID(k int) int {
	if k < 0 || k >= len(r.order) {
		return 987654
	}
	return r.order[k]
}

func (r *recorder) remember(id int) {
	if _, ok := r.refs[id]; !ok {
		r.refs[id] = "trial#" + itoa(len(r.order))
		r.order = append(r.order, id)
	}
}

func (r *recorder) norm(t goptuna.FrozenTrial) Trial {
	t = deepCopyTrial(t)
	ref, ok := r.refs[t.ID]
	if !ok {
		ref = "unknown"
	}
	return Trial{
		Ref: ref, Number: t.Number, State: t.State, Value: t.Value,
		IntermediateValues: t.IntermediateValues, InternalParams: t.InternalParams,
		Params: t.Params, Distributions: t.Distributions,
		UserAttrs: t.UserAttrs, SystemAttrs: t.SystemAttrs,
		HasStart: !t.DatetimeStart.IsZero(), HasComplete: !t.DatetimeComplete.IsZero(),
	}
}

// cmpOpts compares transcripts: NaN equals NaN, nil maps equal empty ones.
var cmpOpts = cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty()}

// compareTranscripts diffs subject against reference, letting the subject
// fail with a more specific class where the reference failed with a plain
// error.
func compareTranscripts(t *testing.T, ref, sub []Entry) {
	t.Helper()
	if d := transcriptDiff(ref, sub); d != "" {
		t.Errorf("subject differs from goptuna.InMemoryStorage (-reference +subject):\n%s", d)
	}
}

func transcriptDiff(ref, sub []Entry) string {
	sub = append([]Entry(nil), sub...)
	for i := range sub {
		if i < len(ref) && ref[i].Class == "error" && sub[i].Class != "ok" {
			sub[i].Class = "error"
		}
		if i < len(ref) && ref[i].Class != "ok" && ref[i].Class == sub[i].Class {
			sub[i].Result = ref[i].Result // results of failed calls are unspecified
		}
	}
	return cmp.Diff(ref, sub, cmpOpts)
}

// seedGlobalRand seeds math/rand's global source and checks that it worked.
func seedGlobalRand(t *testing.T, seed int64) {
	t.Helper()
	//lint:ignore SA1019 goptuna's TPE draws from the global source.
	rand.Seed(seed) //nolint:staticcheck
	a := rand.Int63()
	//lint:ignore SA1019 as above
	rand.Seed(seed) //nolint:staticcheck
	if b := rand.Int63(); a != b {
		t.Fatalf("math/rand.Seed has no effect, so goptuna's TPE sampler cannot be reproduced: add the line //go:debug randseednop=0 to the test file that calls storagetest.Run")
	}
	//lint:ignore SA1019 as above
	rand.Seed(seed) //nolint:staticcheck
}

func itoa(i int) string { return strconv.Itoa(i) }

func nan() float64      { return math.NaN() }
func inf(s int) float64 { return math.Inf(s) }
