package tracker

import (
	"time"

	"github.com/c-bata/goptuna"
)

// StaleAttr is the system attribute FailStaleTrials sets, on every
// backend, on the trials it marks failed.
const StaleAttr = "cgx:stale"

// StudyInfo is a study as stored: its identity, settings and the aggregate
// figures that let listings skip decoding trials. Values returned by a Store
// are copies.
type StudyInfo struct {
	ID          int
	Name        string
	Direction   goptuna.StudyDirection
	Created     time.Time
	UserAttrs   map[string]string
	SystemAttrs map[string]string
	Stats       StudyStats
}

// StudyStats aggregates a study's trials. It is recomputed and stored with
// every commit that touches the study.
type StudyStats struct {
	Trials       int
	Running      int
	Complete     int
	Pruned       int
	Fail         int
	Waiting      int
	BestTrialID  int // 0 when no trial is complete
	BestNumber   int
	BestValue    float64
	FirstStart   time.Time // earliest trial start, zero without trials
	LastComplete time.Time // latest trial completion, zero if none finished
}

// ComputeStats aggregates n trials, at(0)...at(n-1), the way goptuna's storages pick the best
// trial: the first COMPLETE trial, replaced only by a strictly better one.
func ComputeStats(dir goptuna.StudyDirection, n int, at func(i int) *goptuna.FrozenTrial) StudyStats {
	var st StudyStats
	st.Trials = n
	found := false
	for i := 0; i < n; i++ {
		t := at(i)
		switch t.State {
		case goptuna.TrialStateRunning:
			st.Running++
		case goptuna.TrialStateComplete:
			st.Complete++
		case goptuna.TrialStatePruned:
			st.Pruned++
		case goptuna.TrialStateFail:
			st.Fail++
		case goptuna.TrialStateWaiting:
			st.Waiting++
		}
		if !t.DatetimeStart.IsZero() && (st.FirstStart.IsZero() || t.DatetimeStart.Before(st.FirstStart)) {
			st.FirstStart = t.DatetimeStart
		}
		if t.DatetimeComplete.After(st.LastComplete) {
			st.LastComplete = t.DatetimeComplete
		}
		if t.State != goptuna.TrialStateComplete {
			continue
		}
		if !found || BetterValue(dir, t.Value, st.BestValue) {
			found = true
			st.BestTrialID, st.BestNumber, st.BestValue = t.ID, t.Number, t.Value
		}
	}
	return st
}

// BetterValue reports whether v beats best in direction dir (ties do not).
func BetterValue(dir goptuna.StudyDirection, v, best float64) bool {
	if dir == goptuna.StudyDirectionMaximize {
		return v > best
	}
	return v < best
}
