//go:debug randseednop=0

package storagetest

import (
	"testing"

	"github.com/c-bata/goptuna"
)

// forgetful is a broken storage: it drops trial user attributes.
type forgetful struct{ *goptuna.InMemoryStorage }

func (forgetful) SetTrialUserAttr(int, string, string) error { return nil }

// swapped is a broken storage: GetBestTrial returns the worst trial.
type swapped struct{ *goptuna.InMemoryStorage }

func (s swapped) GetBestTrial(id int) (goptuna.FrozenTrial, error) {
	ts, err := s.GetAllTrials(id)
	if err != nil || len(ts) == 0 {
		return goptuna.FrozenTrial{}, goptuna.ErrNoCompletedTrials
	}
	worst := ts[0]
	for _, t := range ts {
		if t.State == goptuna.TrialStateComplete && t.Value > worst.Value {
			worst = t
		}
	}
	return worst, nil
}

// TestCompareDetectsDifferences: the reference against itself shows no
// difference, and each broken storage is caught by some scenario.
func TestCompareDetectsDifferences(t *testing.T) {
	tests := []struct {
		name    string
		make    func() goptuna.Storage
		differs bool
	}{
		{"reference itself", func() goptuna.Storage { return goptuna.NewInMemoryStorage() }, false},
		{"drops user attributes", func() goptuna.Storage { return forgetful{goptuna.NewInMemoryStorage()} }, true},
		{"wrong best trial", func() goptuna.Storage { return swapped{goptuna.NewInMemoryStorage()} }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			found := []string{}
			for _, sc := range compareScenarios() {
				ref := newRecorder(goptuna.NewInMemoryStorage())
				sc.run(ref)
				sub := newRecorder(tc.make())
				sc.run(sub)
				if transcriptDiff(ref.log, sub.log) != "" {
					found = append(found, sc.name)
				}
			}
			if (len(found) > 0) != tc.differs {
				t.Errorf("scenarios reporting a difference: %v; want differences: %v", found, tc.differs)
			}
		})
	}
}

// TestSamplersDetectDifferences: a storage that reorders trials changes
// what TPE samples, and the sampler comparison sees it.
func TestSamplersDetectDifferences(t *testing.T) {
	sc := samplerCases()[1] // tpe
	want := runStudy(t, goptuna.NewInMemoryStorage(), sc, 1)
	got := runStudy(t, reversed{goptuna.NewInMemoryStorage()}, sc, 1)
	if len(want) != len(got) {
		t.Fatalf("%d vs %d trials", len(want), len(got))
	}
	same := true
	for i := range want {
		for k, v := range want[i].InternalParams {
			if got[len(got)-1-i].InternalParams[k] != v {
				same = false
			}
		}
	}
	if same {
		t.Error("reversing the history did not change TPE's samples; the comparison could not fail")
	}
}

// reversed returns trials newest first.
type reversed struct{ *goptuna.InMemoryStorage }

func (s reversed) GetAllTrials(id int) ([]goptuna.FrozenTrial, error) {
	ts, err := s.InMemoryStorage.GetAllTrials(id)
	for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
		ts[i], ts[j] = ts[j], ts[i]
	}
	return ts, err
}
