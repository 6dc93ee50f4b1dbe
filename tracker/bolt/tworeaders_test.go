package bolt_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker/bolt"
)

// TestReadWhileAnotherProcessWrites reads a database from this process while
// a helper process writes a study to it: listings must work throughout and
// see the study grow, then keep working from the file once the writer exits.
func TestReadWhileAnotherProcessWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	tests := []struct {
		name string
		dir  func(t *testing.T) string
	}{
		{"socket next to the database", func(t *testing.T) string { return t.TempDir() }},
		{"path too long for a socket address", func(t *testing.T) string {
			d := filepath.Join(t.TempDir(), strings.Repeat("long-folder-name/", 8))
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
			return d
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(tc.dir(t), "cgx.db")
			makeDB(t, path) // so the reader can open before the writer starts
			r, err := bolt.Open(path, bolt.ReadOnly())
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			h := startHelper(t, "slow", path) // opens for writing while r is open
			last, reads, done := -1, 0, 0
			deadline := time.Now().Add(5 * time.Minute) // a guard against a hang, far above a loaded machine's time
			for line := range h.lines {
				if strings.HasPrefix(line, "done") {
					done++
				}
				if done%20 != 0 || done == 0 {
					continue
				}
				studies, err := r.Studies()
				if err != nil {
					t.Fatalf("list studies while the writer runs: %v", err)
				}
				var n int
				for _, st := range studies {
					if st.Name == "crash" {
						trials, err := r.GetAllTrials(st.ID)
						if err != nil {
							t.Fatalf("list trials while the writer runs: %v", err)
						}
						n = len(trials)
						if n > 0 && trials[n-1].Number != n-1 {
							t.Fatalf("last trial number %d of %d", trials[n-1].Number, n)
						}
					}
				}
				if n < last {
					t.Fatalf("study shrank from %d to %d trials", last, n)
				}
				if n < done {
					t.Fatalf("reader sees %d trials after the writer reported %d complete", n, done)
				}
				last = n
				reads++
				if time.Now().After(deadline) {
					t.Fatal("the writer has not finished 400 trials in 5 minutes: hung?")
				}
			}
			if err := h.cmd.Wait(); err != nil {
				t.Fatalf("writer: %v", err)
			}
			if reads < 10 || done != 400 {
				t.Fatalf("%d reads during %d trials", reads, done)
			}
			// The writer is gone: the same reader now reads the file.
			sid, err := r.GetStudyIDFromName("crash")
			if err != nil {
				t.Fatal(err)
			}
			all, err := r.GetAllTrials(sid)
			if err != nil || len(all) != 400 {
				t.Fatalf("after the writer exited: %d trials, %v", len(all), err)
			}
			rep, err := r.Check(context.Background())
			if err != nil || !rep.OK() || rep.Trials != 400 {
				t.Fatalf("check: %+v, %v", rep, err)
			}
			// And a new writer can open (the reader holds no lock between reads).
			w, err := bolt.Open(path, bolt.LockTimeout(2*time.Second))
			if err != nil {
				t.Fatalf("writer after reader: %v", err)
			}
			w.Close()
		})
	}
}
