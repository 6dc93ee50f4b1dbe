package bolt

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func sampleTrial() goptuna.FrozenTrial {
	return goptuna.FrozenTrial{
		ID: 42, StudyID: 3, Number: 7, State: goptuna.TrialStatePruned, Value: math.Inf(-1),
		DatetimeStart:      time.Date(1650, 1, 2, 3, 4, 5, 6, time.UTC),
		DatetimeComplete:   time.Date(2400, 1, 2, 3, 4, 5, 999999999, time.UTC),
		IntermediateValues: map[int]float64{-3: math.NaN(), 0: 1, 1 << 40: 2},
		InternalParams:     map[string]float64{"x": 0.5, "c": 2, "n": 3},
		Params:             map[string]any{"x": 0.5, "c": "b", "n": 3},
		Distributions: map[string]any{
			"x": goptuna.UniformDistribution{Low: 0, High: 1},
			"c": goptuna.CategoricalDistribution{Choices: []string{"", "a", "b"}},
			"n": goptuna.IntUniformDistribution{Low: 0, High: 9},
		},
		UserAttrs:   map[string]string{"": "empty", "k": "v\x00w"},
		SystemAttrs: map[string]string{},
	}
}

func TestTrialRoundTrip(t *testing.T) {
	in := sampleTrial()
	b, err := encodeTrial(nil, &in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeTrial(b, distCache{})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("round trip (-in +out):\n%s", d)
	}
	again, _ := encodeTrial(nil, &out)
	if !bytes.Equal(b, again) {
		t.Error("re-encoding a decoded trial changed its bytes")
	}
}

func TestStudyRoundTrip(t *testing.T) {
	in := tracker.StudyInfo{ID: 9, Name: "run-3/fit/blur/cg-to-real", Direction: goptuna.StudyDirectionMaximize,
		Created: time.Date(2021, 6, 1, 0, 0, 0, 1, time.UTC), UserAttrs: map[string]string{"cgx.kind": "style"},
		SystemAttrs: map[string]string{},
		Stats:       tracker.StudyStats{Trials: 4, Running: 1, Complete: 2, Fail: 1, BestTrialID: 8, BestNumber: 2, BestValue: math.NaN()}}
	out, err := decodeStudy(encodeStudy(&in))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(in, out, cmpopts.EquateNaNs()); d != "" {
		t.Errorf("round trip (-in +out):\n%s", d)
	}
}

func TestDecodeTrialRejectsDamage(t *testing.T) {
	in := sampleTrial()
	good, err := encodeTrial(nil, &in)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"other version", append([]byte{9}, good[1:]...)},
		{"truncated", good[:len(good)/2]},
		{"trailing byte", append(append([]byte(nil), good...), 0)},
		{"bad state", func() []byte { c := in; c.State = 7; b, _ := encodeTrial(nil, &c); return b }()},
		{"categorical index out of range", func() []byte {
			c := sampleTrial()
			c.InternalParams["c"] = 3
			b, _ := encodeTrial(nil, &c)
			return b
		}()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := decodeTrial(tc.b, distCache{}); err == nil {
				t.Error("decodeTrial accepted damaged bytes")
			}
		})
	}
}

// FuzzDecodeTrial: any bytes decode to an error or to a trial that encodes
// back to the same bytes; nothing panics.
func FuzzDecodeTrial(f *testing.F) {
	in := sampleTrial()
	b, _ := encodeTrial(nil, &in)
	f.Add(b)
	empty := goptuna.FrozenTrial{}
	b, _ = encodeTrial(nil, &empty)
	f.Add(b)
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := decodeTrial(b, distCache{})
		if err != nil {
			return
		}
		again, err := encodeTrial(nil, &tr)
		if err != nil {
			t.Fatalf("decoded trial does not encode: %v", err)
		}
		tr2, err := decodeTrial(again, distCache{})
		if err != nil {
			t.Fatalf("re-encoded trial does not decode: %v", err)
		}
		if d := cmp.Diff(tr, tr2, cmpopts.EquateNaNs()); d != "" {
			t.Fatalf("decode(encode(decode(b))) differs:\n%s", d)
		}
	})
}

// FuzzDecodeStudy: any bytes decode to an error or to a study; no panic.
func FuzzDecodeStudy(f *testing.F) {
	in := tracker.StudyInfo{ID: 1, Name: "s", UserAttrs: map[string]string{"a": "b"}}
	f.Add(encodeStudy(&in))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeStudy(b)
		if err != nil {
			return
		}
		s2, err := decodeStudy(encodeStudy(&s))
		if err != nil {
			t.Fatalf("re-encoded study does not decode: %v", err)
		}
		if d := cmp.Diff(s, s2, cmpopts.EquateNaNs()); d != "" {
			t.Fatalf("decode(encode(decode(b))) differs:\n%s", d)
		}
	})
}
