package optunafile

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// bigStudy has enough trials and long enough attributes for interior
// b-tree pages (several levels) and overflow chains.
func bigStudy() Study {
	s := sampleStudy()
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.Local)
	d := map[string]Distribution{"x": {Kind: KindFloat, Low: 0, High: 1}}
	for i := 0; i < 3000; i++ {
		s.Trials = append(s.Trials, Trial{Number: len(s.Trials), State: StateComplete, Values: []float64{float64(i) / 7},
			Params: map[string]float64{"x": float64(i%100) / 100}, Distributions: d,
			IntermediateValues: map[int]float64{0: 1, 1: 0.5}, Start: t0, Complete: t0.Add(time.Second),
			UserAttrs: map[string]any{"i": fmt.Sprint(i)}, SystemAttrs: map[string]any{}})
	}
	s.Trials[9].UserAttrs = map[string]any{"long": strings.Repeat("overflow ", 5000)} // spans several overflow pages
	return s
}

func TestSQLiteRoundTrip(t *testing.T) {
	for name, s := range map[string]Study{"sample": sampleStudy(), "big": bigStudy()} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteSQLite(&buf, s); err != nil {
				t.Fatal(err)
			}
			got, err := ReadSQLite(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 {
				t.Fatalf("%d studies", len(got))
			}
			if d := cmp.Diff(s, got[0], studyCmp...); d != "" {
				t.Errorf("(-written +read):\n%s", d)
			}
		})
	}
}

// TestSQLiteLoadsInOptuna opens a written database with the real
// optuna.load_study and SQLite's own integrity check.
func TestSQLiteLoadsInOptuna(t *testing.T) {
	py := pythonOptuna(t)
	for name, want := range map[string]Study{"sample": sampleStudy(), "big": bigStudy()} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "study.db")
			var buf bytes.Buffer
			if err := WriteSQLite(&buf, want); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(py, "-c", "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchall())", path).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "[('ok',)]" {
				t.Fatalf("integrity_check: %v: %s", err, out)
			}
			got := runOptuna(t, py, "dump", "sqlite", path, want.Name)
			want = sqliteView(want)
			if d := cmp.Diff(want, got, studyCmp...); d != "" && name == "sample" {
				t.Errorf("Optuna loaded a different study (-written +loaded):\n%s", d)
			} else if d != "" {
				t.Errorf("Optuna loaded a different big study (%d lines of diff)", strings.Count(d, "\n"))
			}
		})
	}
}

// TestSQLiteReadsOptuna reads a database Optuna itself wrote.
func TestSQLiteReadsOptuna(t *testing.T) {
	py := pythonOptuna(t)
	path := filepath.Join(t.TempDir(), "optuna.db")
	want := runOptuna(t, py, "make", "sqlite", path, "made-by-optuna")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	studies, err := ReadSQLite(f)
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

func FuzzReadSQLite(f *testing.F) {
	var buf bytes.Buffer
	if err := WriteSQLite(&buf, sampleStudy()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add(buf.Bytes()[:8192+100])
	f.Fuzz(func(t *testing.T, data []byte) {
		studies, err := ReadSQLite(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, s := range studies {
			var b bytes.Buffer
			if WriteSQLite(&b, s) == nil {
				if _, err := ReadSQLite(&b); err != nil {
					t.Fatalf("re-reading a written study: %v", err)
				}
			}
		}
	})
}

func TestVarint(t *testing.T) {
	for _, v := range []uint64{0, 1, 127, 128, 16383, 16384, 1 << 32, 1<<56 - 1, 1 << 56, math.MaxUint64} {
		b := putVarint(nil, v)
		got, n := getVarint(b)
		if got != v || n != len(b) {
			t.Errorf("varint %d: encoded %x, read %d (%d bytes)", v, b, got, n)
		}
	}
}

// sqliteView is s as Optuna sees it in SQLite: a trial with a NaN value is a
// failed trial without one, marked with NaNValueAttr.
func sqliteView(s Study) Study {
	s.Trials = append([]Trial(nil), s.Trials...)
	for i := range s.Trials {
		t := &s.Trials[i]
		if hasNaN(t.Values) {
			t.SystemAttrs = copyAttrs(t.SystemAttrs)
			t.SystemAttrs[NaNValueAttr] = t.State.String()
			t.State, t.Values = StateFail, nil
		}
	}
	return s
}

// TestSQLiteDeepIndex writes 20,000 trials of 12 parameters (240,000 index
// entries: interior index pages on two levels) and has SQLite check every
// table and index.
func TestSQLiteDeepIndex(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short: writes a 20,000-trial database (~10 s)")
	}
	py := "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import sqlite3").Run(); err != nil {
		t.Skipf("skipped: %s has no sqlite3 module: %v", py, err)
	}
	s := Study{Name: "deep", Directions: []Direction{DirectionMinimize}}
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 0, time.Local)
	d := map[string]Distribution{}
	for j := 0; j < 12; j++ {
		d[fmt.Sprintf("param_%02d", j)] = Distribution{Kind: KindFloat, Low: 0, High: 1}
	}
	for i := 0; i < 20000; i++ {
		p := map[string]float64{}
		for k := range d {
			p[k] = float64(i%97) / 97
		}
		s.Trials = append(s.Trials, Trial{Number: i, State: StateComplete, Values: []float64{float64(i)}, Params: p, Distributions: d,
			Start: t0, Complete: t0, UserAttrs: map[string]any{"k": fmt.Sprint(i)}})
	}
	path := filepath.Join(t.TempDir(), "deep.db")
	var b bytes.Buffer
	if err := WriteSQLite(&b, s); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
print(c.execute("pragma integrity_check").fetchall(), c.execute("select count(*) from trial_params where trial_id = 12345 and param_name = 'param_03'").fetchall())`
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "[('ok',)] [(1,)]" {
		t.Fatalf("SQLite's check: %v: %s", err, out)
	}
	got, err := ReadSQLite(bytes.NewReader(b.Bytes()))
	if err != nil || len(got) != 1 || len(got[0].Trials) != 20000 {
		t.Fatalf("read back: %v", err)
	}
}
