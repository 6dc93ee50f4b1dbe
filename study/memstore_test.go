package study

import (
	"errors"
	"fmt"
	"sync"

	"github.com/c-bata/goptuna"
)

// multiStore is a test storage holding many studies, each in its own
// goptuna.InMemoryStorage (which holds one). Trial ids are study<<20 | local.
type multiStore struct {
	mu      sync.Mutex
	studies []*goptuna.InMemoryStorage // study id i+1
	names   []string
}

var _ goptuna.Storage = (*multiStore)(nil)

const localBits = 20

func (m *multiStore) study(id int) (*goptuna.InMemoryStorage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if id < 1 || id > len(m.studies) {
		return nil, goptuna.ErrInvalidStudyID
	}
	return m.studies[id-1], nil
}

func (m *multiStore) trial(id int) (*goptuna.InMemoryStorage, int, error) {
	s, err := m.study(id >> localBits)
	return s, id & (1<<localBits - 1), err
}

func fix(studyID int, t goptuna.FrozenTrial) goptuna.FrozenTrial {
	t.ID, t.StudyID = studyID<<localBits|t.ID, studyID
	return t
}

func (m *multiStore) CreateNewStudy(name string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, n := range m.names {
		if n == name {
			return 0, fmt.Errorf("study %q exists", name)
		}
	}
	s := goptuna.NewInMemoryStorage()
	if _, err := s.CreateNewStudy(name); err != nil {
		return 0, err
	}
	m.studies, m.names = append(m.studies, s), append(m.names, name)
	return len(m.studies), nil
}

func (m *multiStore) DeleteStudy(int) error { return errors.New("multiStore: delete unsupported") }

func (m *multiStore) SetStudyDirection(id int, d goptuna.StudyDirection) error {
	s, err := m.study(id)
	if err != nil {
		return err
	}
	return s.SetStudyDirection(goptuna.InMemoryStorageStudyID, d)
}

func (m *multiStore) SetStudyUserAttr(id int, k, v string) error {
	s, err := m.study(id)
	if err != nil {
		return err
	}
	return s.SetStudyUserAttr(goptuna.InMemoryStorageStudyID, k, v)
}

func (m *multiStore) SetStudySystemAttr(id int, k, v string) error {
	s, err := m.study(id)
	if err != nil {
		return err
	}
	return s.SetStudySystemAttr(goptuna.InMemoryStorageStudyID, k, v)
}

func (m *multiStore) GetStudyIDFromName(name string) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, n := range m.names {
		if n == name {
			return i + 1, nil
		}
	}
	return 0, fmt.Errorf("study %q not found", name)
}

func (m *multiStore) GetStudyIDFromTrialID(id int) (int, error) {
	if _, _, err := m.trial(id); err != nil {
		return 0, err
	}
	return id >> localBits, nil
}

func (m *multiStore) GetStudyNameFromID(id int) (string, error) {
	if _, err := m.study(id); err != nil {
		return "", err
	}
	return m.names[id-1], nil
}

func (m *multiStore) GetStudyDirection(id int) (goptuna.StudyDirection, error) {
	s, err := m.study(id)
	if err != nil {
		return "", err
	}
	return s.GetStudyDirection(goptuna.InMemoryStorageStudyID)
}

func (m *multiStore) GetStudyUserAttrs(id int) (map[string]string, error) {
	s, err := m.study(id)
	if err != nil {
		return nil, err
	}
	return s.GetStudyUserAttrs(goptuna.InMemoryStorageStudyID)
}

func (m *multiStore) GetStudySystemAttrs(id int) (map[string]string, error) {
	s, err := m.study(id)
	if err != nil {
		return nil, err
	}
	return s.GetStudySystemAttrs(goptuna.InMemoryStorageStudyID)
}

func (m *multiStore) GetAllStudySummaries() ([]goptuna.StudySummary, error) {
	var out []goptuna.StudySummary
	for i := range m.studies {
		ss, err := m.studies[i].GetAllStudySummaries()
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			s.ID = i + 1
			out = append(out, s)
		}
	}
	return out, nil
}

func (m *multiStore) CreateNewTrial(id int) (int, error) {
	s, err := m.study(id)
	if err != nil {
		return 0, err
	}
	local, err := s.CreateNewTrial(goptuna.InMemoryStorageStudyID)
	return id<<localBits | local, err
}

func (m *multiStore) CloneTrial(id int, base goptuna.FrozenTrial) (int, error) {
	s, err := m.study(id)
	if err != nil {
		return 0, err
	}
	local, err := s.CloneTrial(goptuna.InMemoryStorageStudyID, base)
	return id<<localBits | local, err
}

func (m *multiStore) SetTrialValue(id int, v float64) error {
	s, local, err := m.trial(id)
	if err != nil {
		return err
	}
	return s.SetTrialValue(local, v)
}

func (m *multiStore) SetTrialIntermediateValue(id, step int, v float64) error {
	s, local, err := m.trial(id)
	if err != nil {
		return err
	}
	return s.SetTrialIntermediateValue(local, step, v)
}

func (m *multiStore) SetTrialParam(id int, name string, v float64, d interface{}) error {
	s, local, err := m.trial(id)
	if err != nil {
		return err
	}
	return s.SetTrialParam(local, name, v, d)
}

func (m *multiStore) SetTrialState(id int, state goptuna.TrialState) error {
	s, local, err := m.trial(id)
	if err != nil {
		return err
	}
	return s.SetTrialState(local, state)
}

func (m *multiStore) SetTrialUserAttr(id int, k, v string) error {
	s, local, err := m.trial(id)
	if err != nil {
		return err
	}
	return s.SetTrialUserAttr(local, k, v)
}

func (m *multiStore) SetTrialSystemAttr(id int, k, v string) error {
	s, local, err := m.trial(id)
	if err != nil {
		return err
	}
	return s.SetTrialSystemAttr(local, k, v)
}

func (m *multiStore) GetTrialNumberFromID(id int) (int, error) {
	s, local, err := m.trial(id)
	if err != nil {
		return 0, err
	}
	return s.GetTrialNumberFromID(local)
}

func (m *multiStore) GetTrialParam(id int, name string) (float64, error) {
	s, local, err := m.trial(id)
	if err != nil {
		return 0, err
	}
	return s.GetTrialParam(local, name)
}

func (m *multiStore) GetTrial(id int) (goptuna.FrozenTrial, error) {
	s, local, err := m.trial(id)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	t, err := s.GetTrial(local)
	return fix(id>>localBits, t), err
}

func (m *multiStore) GetAllTrials(id int) ([]goptuna.FrozenTrial, error) {
	s, err := m.study(id)
	if err != nil {
		return nil, err
	}
	ts, err := s.GetAllTrials(goptuna.InMemoryStorageStudyID)
	for i := range ts {
		ts[i] = fix(id, ts[i])
	}
	return ts, err
}

func (m *multiStore) GetBestTrial(id int) (goptuna.FrozenTrial, error) {
	s, err := m.study(id)
	if err != nil {
		return goptuna.FrozenTrial{}, err
	}
	t, err := s.GetBestTrial(goptuna.InMemoryStorageStudyID)
	return fix(id, t), err
}

func (m *multiStore) GetTrialParams(id int) (map[string]interface{}, error) {
	s, local, err := m.trial(id)
	if err != nil {
		return nil, err
	}
	return s.GetTrialParams(local)
}

func (m *multiStore) GetTrialUserAttrs(id int) (map[string]string, error) {
	s, local, err := m.trial(id)
	if err != nil {
		return nil, err
	}
	return s.GetTrialUserAttrs(local)
}

func (m *multiStore) GetTrialSystemAttrs(id int) (map[string]string, error) {
	s, local, err := m.trial(id)
	if err != nil {
		return nil, err
	}
	return s.GetTrialSystemAttrs(local)
}
