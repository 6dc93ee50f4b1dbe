package experiments

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// testBundle is a small hand-made bundle: one stage with a study of two
// trials (one with a NaN value), one artifact whose bytes are included and
// one given by digest only. It returns the bundle and the included bytes.
func testBundle(t testing.TB) (*Bundle, map[tracker.ID][]byte) {
	t.Helper()
	img := []byte("\x89PNG fake image bytes")
	w := []byte("weights")
	trials := []TrialRecord{
		{Number: 0, Value: 0.25, Params: map[string]tracker.JSONFloat{"sigma": 1.5},
			Intermediate: map[int]tracker.JSONFloat{0: 0.9, 1: 0.25}, Attrs: map[string]string{"success": "true", "result": tracker.Sum(img).String()}},
		{Number: 1, Value: tracker.JSONFloat(math.NaN()), Params: map[string]tracker.JSONFloat{"sigma": 0.5}},
	}
	for i := range trials {
		trials[i].Digest = trials[i].ContentDigest()
	}
	spec, _ := BuiltinText("style/blur")
	b := &Bundle{Format: BundleFormat,
		Run: BundleRun{ID: 3, Name: "style/blur", Kind: KindStyle, Profile: "smoke", Seed: 1, Spec: string(spec),
			Metrics: map[string]tracker.JSONFloat{"fit/blur/cg-to-real/success_rate": 0.5}},
		Environment: Environment{CodeVersion: CodeVersion, DBFormat: bolt.FormatVersion, OS: "linux", Arch: "amd64", BLAS: "pure Go"},
		Settings:    map[string]string{"seed": "1", "profile": "smoke"},
		Record: RunRecord{Stages: []StageRecord{{Name: "fit/blur/cg-to-real", Inputs: `{"Weights":"` + tracker.Sum(w).String() + `","Seed":7}`,
			Outputs: map[string]tracker.ID{"weights": tracker.Sum(w)},
			Metrics: map[string]tracker.JSONFloat{"fit/blur/cg-to-real/success_rate": 0.5},
			Studies: []StudyRecord{{Name: "fit/blur/cg-to-real", Seed: "7", Trials: trials}}}}},
		Artifacts: []BundleArtifact{
			{ID: tracker.Sum(img), Kind: "image", MediaType: "image/png", Size: int64(len(img)), Included: true},
			{ID: tracker.Sum(w), Kind: "weights", Size: int64(len(w))},
		},
	}
	return b, map[tracker.ID][]byte{tracker.Sum(img): img}
}

func encodeBundle(t testing.TB, b *Bundle, data map[tracker.ID][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	err := WriteBundle(&buf, b, func(id tracker.ID) ([]byte, error) {
		d, ok := data[id]
		if !ok {
			return nil, tracker.ErrNotFound
		}
		return d, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bundleCmp compares bundles' floats bit for bit (NaN equal to the same NaN).
var bundleCmp = cmp.Options{cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b tracker.JSONFloat) bool { return sameFloat(a, b) })}

func TestBundleRoundTrip(t *testing.T) {
	b, data := testBundle(t)
	raw := encodeBundle(t, b, data)
	got := map[tracker.ID][]byte{}
	back, err := ReadBundle(bytes.NewReader(raw), func(a BundleArtifact, d []byte) error {
		got[a.ID] = d
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(b, back, bundleCmp); d != "" {
		t.Errorf("bundle changed on the way (-written +read):\n%s", d)
	}
	if d := cmp.Diff(data, got); d != "" {
		t.Errorf("artifacts changed (-written +read):\n%s", d)
	}
	if again := encodeBundle(t, back, got); !bytes.Equal(again, raw) {
		t.Error("re-encoding a read bundle gives other bytes; the format must be deterministic")
	}
}

// TestBundleRefusals pins what a damaged or newer bundle is told.
func TestBundleRefusals(t *testing.T) {
	b, data := testBundle(t)
	raw := encodeBundle(t, b, data)
	newer := bytes.Clone(raw)
	binary.BigEndian.PutUint32(newer[8:], BundleFormat+1)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 0x40
	for _, tc := range []struct {
		name string
		data []byte
		is   error
		want string
	}{
		{"empty", nil, ErrBundleDamaged, "read header"},
		{"not a bundle", []byte("format = 1\nkind = \"style\"\n"), ErrBundleDamaged, "no bundle magic"},
		{"newer format", newer, ErrBundleVersion, "verify it with a cgx that reads bundle format 2"},
		{"cut short", raw[:len(raw)-9], ErrBundleDamaged, ""},
		{"flipped byte", flipped, ErrBundleDamaged, ""},
		{"trailing data", append(bytes.Clone(raw), 0), ErrBundleDamaged, "after the end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadBundle(bytes.NewReader(tc.data), nil)
			if !errors.Is(err, tc.is) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v; want %v containing %q", err, tc.is, tc.want)
			}
		})
	}
}

// TestBundleCompatible: a bundle from a newer database format or another
// code version is refused with the version needed.
func TestBundleCompatible(t *testing.T) {
	b, _ := testBundle(t)
	if err := b.Compatible(); err != nil {
		t.Fatalf("own bundle refused: %v", err)
	}
	b.Environment.Module, b.Environment.Revision = "v0.9.0", "abc123"
	b.Environment.CodeVersion = "cgx-stages-0"
	err := b.Compatible()
	if !errors.Is(err, ErrBundleVersion) || !strings.Contains(err.Error(), "verify the bundle with a cgx of code version cgx-stages-0") ||
		!strings.Contains(err.Error(), "revision abc123") {
		t.Errorf("other code version: %v", err)
	}
	b.Environment.CodeVersion = CodeVersion
	b.Environment.DBFormat = bolt.FormatVersion + 1
	if err := b.Compatible(); !errors.Is(err, ErrBundleVersion) || !strings.Contains(err.Error(), "database format") {
		t.Errorf("newer database format: %v", err)
	}
}

// FuzzReadBundle: arbitrary bytes never panic, every refusal matches
// ErrBundleDamaged or ErrBundleVersion, and an accepted bundle writes back
// and reads back the same.
func FuzzReadBundle(f *testing.F) {
	b, data := testBundle(f)
	raw := encodeBundle(f, b, data)
	f.Add(raw)
	f.Add(raw[:len(raw)/2])
	f.Add(raw[:12])
	b.Artifacts[0].Included = false
	f.Add(encodeBundle(f, b, nil))
	f.Add([]byte(bundleMagic + "\x00\x00\x00\x01"))
	f.Fuzz(func(t *testing.T, in []byte) {
		got := map[tracker.ID][]byte{}
		b, err := ReadBundle(bytes.NewReader(in), func(a BundleArtifact, d []byte) error {
			if tracker.Sum(d) != a.ID {
				t.Fatalf("artifact %s handed over with bytes of another digest", a.ID)
			}
			got[a.ID] = d
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrBundleDamaged) && !errors.Is(err, ErrBundleVersion) {
				t.Fatalf("refusal matches neither sentinel: %v", err)
			}
			return
		}
		again := encodeBundle(t, b, got)
		back, err := ReadBundle(bytes.NewReader(again), nil)
		if err != nil {
			t.Fatalf("an accepted bundle does not read back after writing: %v", err)
		}
		if d := cmp.Diff(b, back, bundleCmp); d != "" {
			t.Fatalf("round trip changed the bundle:\n%s", d)
		}
	})
}
