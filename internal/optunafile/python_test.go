package optunafile

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// pythonOptuna returns Debian's python3 when it has optuna, and skips the
// test otherwise (.ci/run installs python3-optuna).
func pythonOptuna(t *testing.T) string {
	t.Helper()
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import optuna").Run(); err != nil {
		t.Skipf("skipped: %s cannot import optuna (%v); install python3-optuna (apt-get install python3-optuna) to run the round trip", py, err)
	}
	return py
}

// runOptuna runs testdata/optuna_roundtrip.py and decodes the study it
// prints.
func runOptuna(t *testing.T, py, mode, kind, path, name string) Study {
	t.Helper()
	cmd := exec.Command(py, filepath.Join("testdata", "optuna_roundtrip.py"), mode, kind, path, name)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python %s %s: %v\n%s", mode, kind, err, stderr.Bytes())
	}
	s, err := decodeDump(out)
	if err != nil {
		t.Fatalf("decode python's dump: %v\n%s", err, out)
	}
	return s
}

// decodeDump reads the JSON the helper prints into a Study.
func decodeDump(data []byte) (Study, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return Study{}, err
	}
	m := v.(map[string]any)
	s := Study{Name: m["name"].(string), UserAttrs: m["user_attrs"].(map[string]any), SystemAttrs: m["system_attrs"].(map[string]any)}
	for _, d := range m["directions"].([]any) {
		n, _ := toInt(d)
		s.Directions = append(s.Directions, Direction(n))
	}
	for _, tv := range m["trials"].([]any) {
		tm := tv.(map[string]any)
		n, _ := toInt(tm["number"])
		st, _ := toInt(tm["state"])
		t := Trial{Number: n, State: State(st), Params: map[string]float64{}, Distributions: map[string]Distribution{},
			IntermediateValues: map[int]float64{}, UserAttrs: tm["user_attrs"].(map[string]any), SystemAttrs: tm["system_attrs"].(map[string]any)}
		if t.Values, err = readList(tm["values"]); err != nil {
			return s, err
		}
		for k, p := range tm["params"].(map[string]any) {
			t.Params[k], _ = toFloat(p)
		}
		for k, d := range tm["distributions"].(map[string]any) {
			if t.Distributions[k], err = parseDistribution(d.(string)); err != nil {
				return s, err
			}
		}
		for k, iv := range tm["intermediate_values"].(map[string]any) {
			step, _ := strconv.Atoi(k)
			t.IntermediateValues[step], _ = toFloat(iv)
		}
		if t.Start, err = optTime(tm, "datetime_start"); err != nil {
			return s, err
		}
		if t.Complete, err = optTime(tm, "datetime_complete"); err != nil {
			return s, err
		}
		s.Trials = append(s.Trials, t)
	}
	return s, nil
}

// studyCmp compares studies: NaN equals NaN, times by instant, JSON numbers
// by value.
var studyCmp = []cmp.Option{
	cmpopts.EquateNaNs(),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }),
	cmp.FilterValues(func(a, b any) bool {
		_, n1 := a.(json.Number)
		_, n2 := b.(json.Number)
		_, ok1 := toFloat(a)
		_, ok2 := toFloat(b)
		return (n1 || n2) && ok1 && ok2
	},
		cmp.Comparer(func(a, b any) bool {
			x, _ := toFloat(a)
			y, _ := toFloat(b)
			return x == y || (math.IsNaN(x) && math.IsNaN(y))
		})),
}

// sampleStudy has every kind of distribution, every state, special values,
// attributes of several JSON types and times to the microsecond.
func sampleStudy() Study {
	t0 := time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.Local)
	dists := map[string]Distribution{
		"x":     {Kind: KindFloat, Low: -1, High: 1},
		"lr":    {Kind: KindFloat, Low: 1e-5, High: 0.1, Log: true},
		"q":     {Kind: KindFloat, Low: 0, High: 1, Step: 0.25},
		"n":     {Kind: KindInt, Low: 0, High: 9, Step: 1},
		"w":     {Kind: KindInt, Low: 8, High: 64, Step: 8},
		"level": {Kind: KindCategorical, Choices: []any{"top_shelf", "bottom|50%", `quo"te`}},
	}
	params := func(i int) map[string]float64 {
		return map[string]float64{"x": -0.75 + 0.5*float64(i), "lr": math.Pow(10, -float64(i+1)), "q": 0.25 * float64(i%4),
			"n": float64(i), "w": float64(8 * (i + 1)), "level": float64(i % 3)}
	}
	s := Study{Name: "run-1/search/exp1/round-1", Directions: []Direction{DirectionMinimize},
		UserAttrs: map[string]any{"cgx.sampler": "tpe", "unicode": "blå ✓"}, SystemAttrs: map[string]any{"cgx.seed": "42"}}
	values := []float64{0.75, math.NaN(), math.Inf(1), 1e-300, 2}
	for i, v := range values {
		s.Trials = append(s.Trials, Trial{Number: i, State: StateComplete, Values: []float64{v}, Params: params(i), Distributions: dists,
			IntermediateValues: map[int]float64{0: v * 2, 7: math.Inf(-1)}, UserAttrs: map[string]any{"result": "abc", "i": strconv.Itoa(i)},
			SystemAttrs: map[string]any{"cgx.slot": strconv.Itoa(i)}, Start: t0.Add(time.Duration(i) * time.Minute),
			Complete: t0.Add(time.Duration(i)*time.Minute + 1500*time.Millisecond)})
	}
	s.Trials = append(s.Trials,
		Trial{Number: 5, State: StatePruned, Values: []float64{0.4}, Params: map[string]float64{"x": 0.5}, Distributions: map[string]Distribution{"x": dists["x"]},
			IntermediateValues: map[int]float64{0: 0.9, 1: 0.4}, Start: t0, Complete: t0.Add(time.Second)},
		Trial{Number: 6, State: StateFail, Params: map[string]float64{}, Distributions: map[string]Distribution{}, UserAttrs: map[string]any{"error": "diverged"},
			Start: t0, Complete: t0.Add(time.Second)},
		Trial{Number: 7, State: StateRunning, Params: map[string]float64{"n": 3}, Distributions: map[string]Distribution{"n": dists["n"]}, Start: t0},
		Trial{Number: 8, State: StateWaiting},
	)
	return s
}

// TestJournalLoadsInOptuna writes a journal and loads it with the real
// optuna.load_study.
func TestJournalLoadsInOptuna(t *testing.T) {
	py := pythonOptuna(t)
	want := sampleStudy()
	path := filepath.Join(t.TempDir(), "study.log")
	var buf bytes.Buffer
	if err := WriteJournal(&buf, want); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	got := runOptuna(t, py, "dump", "journal", path, want.Name)
	if d := cmp.Diff(want, got, studyCmp...); d != "" {
		t.Errorf("Optuna loaded a different study (-written +loaded):\n%s", d)
	}
}

// TestJournalReadsOptuna reads a journal that Optuna itself wrote.
func TestJournalReadsOptuna(t *testing.T) {
	py := pythonOptuna(t)
	path := filepath.Join(t.TempDir(), "optuna.log")
	want := runOptuna(t, py, "make", "journal", path, "made-by-optuna")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	studies, err := ReadJournal(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(studies) != 1 {
		t.Fatalf("read %d studies, want 1", len(studies))
	}
	if d := cmp.Diff(want, studies[0], studyCmp...); d != "" {
		t.Errorf("read a different study than Optuna wrote (-optuna +read):\n%s", d)
	}
}
