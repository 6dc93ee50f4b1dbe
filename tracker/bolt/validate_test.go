package bolt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
)

// FuzzValidateFile: any bytes, read as a database file, never make the
// page walker panic or read out of bounds, and whatever it accepts bbolt
// can open.
func FuzzValidateFile(f *testing.F) {
	s, path, sid := openStudy(f, NoSync())
	finishTrials(f, s, sid, 3)
	if err := s.Close(); err != nil {
		f.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add([]byte("not a database"))
	f.Fuzz(func(t *testing.T, b []byte) {
		rep := validateFile(bytes.NewReader(b), int64(len(b)), func([][]byte, []byte, []byte, bool) {})
		if !rep.ok() || len(b) == 0 {
			return
		}
		p := filepath.Join(t.TempDir(), "f.db")
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := Open(p, ReadOnly())
		if err != nil {
			return // format record or records: refused with an error
		}
		defer st.Close()
		studies, _ := st.Studies()
		for _, s := range studies {
			st.GetAllTrials(s.ID)
		}
	})
}

// TestDecodeErrorsWrap: decode errors keep their cause and ErrCorruptDB
// for errors.Is.
func TestDecodeErrorsWrap(t *testing.T) {
	raw, err := encodeTrial(nil, &goptuna.FrozenTrial{ID: 1, StudyID: 1, InternalParams: map[string]float64{"x": 5},
		Distributions: map[string]interface{}{"x": goptuna.CategoricalDistribution{Choices: []string{"a"}}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = decodeTrial(raw, distCache{})
	if !errors.Is(err, tracker.ErrCorruptDB) || !errors.Is(err, tracker.ErrInvalidTrial) {
		t.Errorf("categorical index out of range: %v; want ErrCorruptDB and ErrInvalidTrial", err)
	}
	if _, err := decodeStudy([]byte{1, 2}); !errors.Is(err, tracker.ErrCorruptDB) {
		t.Errorf("short study record: %v", err)
	}
	if _, err := decodeRun([]byte("{")); !errors.Is(err, tracker.ErrCorruptDB) {
		t.Errorf("bad run: %v", err)
	}
}
