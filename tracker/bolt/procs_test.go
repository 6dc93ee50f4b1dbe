package bolt_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// Tests with real processes: the test binary re-executes itself with
// CGX_TRACKER_HELPER set and runs one of the helpers below instead of the
// tests.

func TestMain(m *testing.M) {
	if h := os.Getenv("CGX_TRACKER_HELPER"); h != "" {
		if err := runHelper(h, os.Getenv("CGX_TRACKER_DB")); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runHelper runs a study in the database at path, printing one line per
// event to stdout:
//
//	done ID NUMBER VALUE   after SetTrialState(COMPLETE) returned
//	running ID             a trial left RUNNING past the checkpoint
//
// "study" runs trials until killed; "slow" runs 400 trials 2ms apart then
// exits; "stuck" runs 20 trials then leaves one RUNNING and waits.
func runHelper(kind, path string) error {
	if n, err := strconv.ParseUint(os.Getenv("CGX_TRACKER_CHECKPOINT_EVERY"), 10, 64); err == nil {
		bolt.SetJournalCheckpointEvery(n)
	}
	s, err := bolt.Open(path, bolt.RunningCheckpoint(20*time.Millisecond))
	if err != nil {
		return err
	}
	defer s.Close()
	sid, err := s.GetStudyIDFromName("crash")
	if err != nil {
		if sid, err = s.CreateNewStudy("crash"); err != nil {
			return err
		}
	}
	if _, err := s.FailStaleTrials(sid); err != nil { // resume
		return err
	}
	out := bufio.NewWriter(os.Stdout)
	limit := 1 << 30
	switch kind {
	case "slow":
		limit = 400
	case "stuck":
		limit = 20
	}
	for i := 0; i < limit; i++ {
		id, err := s.CreateNewTrial(sid)
		if err != nil {
			return err
		}
		n, _ := s.GetTrialNumberFromID(id)
		for _, p := range []string{"a", "b", "c"} {
			if err := s.SetTrialParam(id, p, float64(n%10)/10, goptuna.UniformDistribution{Low: 0, High: 1}); err != nil {
				return err
			}
		}
		if err := s.SetTrialUserAttr(id, "number", strconv.Itoa(n)); err != nil {
			return err
		}
		if err := s.SetTrialValue(id, float64(n)*1.5); err != nil {
			return err
		}
		if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
			return err
		}
		fmt.Fprintf(out, "done %d %d %g\n", id, n, float64(n)*1.5)
		out.Flush()
		if kind == "slow" {
			time.Sleep(2 * time.Millisecond)
		}
	}
	if kind == "stuck" {
		id, err := s.CreateNewTrial(sid)
		if err != nil {
			return err
		}
		s.SetTrialParam(id, "a", 0.5, goptuna.UniformDistribution{Low: 0, High: 1})
		if !bolt.WaitCheckpoint(s) { // committed as RUNNING before the parent kills us
			return fmt.Errorf("the running checkpoint did not commit within two minutes")
		}
		fmt.Fprintf(out, "running %d\n", id)
		out.Flush()
		time.Sleep(time.Hour)
	}
	return nil
}

// helper starts the test binary as a helper process on the database.
type helper struct {
	cmd   *exec.Cmd
	lines chan string
}

func startHelper(t *testing.T, kind, path string, env ...string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), "CGX_TRACKER_HELPER="+kind, "CGX_TRACKER_DB="+path), env...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, lines: make(chan string, 1<<16)}
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		io.Copy(io.Discard, stdout)
		close(h.lines)
	}()
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	return h
}

func (h *helper) kill9() {
	h.cmd.Process.Kill() // SIGKILL: no deferred Close, no flush
	h.cmd.Wait()
}

// completed is what the helper reported finished: trial id -> value.
type completed map[int]float64

func (c completed) add(line string) {
	f := strings.Fields(line)
	if len(f) == 4 && f[0] == "done" {
		id, _ := strconv.Atoi(f[1])
		v, _ := strconv.ParseFloat(f[3], 64)
		c[id] = v
	}
}

// TestKill9KeepsCompletedTrials kills a writing process at arbitrary points,
// three times, resuming in between, and checks every trial it reported
// complete is intact and the file checks clean: with the journal's default
// checkpoints, and with a checkpoint every 7 records, so that kills also land
// in and around checkpoints.
func TestKill9KeepsCompletedTrials(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, every := range []string{"", "7"} {
		t.Run("checkpoint-every="+every, func(t *testing.T) {
			kill9Rounds(t, "CGX_TRACKER_CHECKPOINT_EVERY="+every)
		})
	}
}

func kill9Rounds(t *testing.T, env string) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	done := completed{}
	for round, after := range []int{25, 60, 140} {
		h := startHelper(t, "study", path, env)
		seen := 0
		for line := range h.lines {
			done.add(line)
			if seen++; seen == after {
				break
			}
		}
		h.kill9() // mid-trial: the helper keeps going until the signal lands
		for line := range h.lines {
			done.add(line) // lines written before the kill
		}
		t.Logf("round %d: killed after %d trials reported", round, seen)
	}
	s, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sid, err := s.GetStudyIDFromName("crash")
	if err != nil {
		t.Fatal(err)
	}
	all, err := s.GetAllTrials(sid)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[int]goptuna.FrozenTrial{}
	for i, tr := range all {
		byID[tr.ID] = tr
		if tr.Number != i {
			t.Errorf("trial %d has number %d at position %d", tr.ID, tr.Number, i)
		}
	}
	if len(done) < 25+60+140 {
		t.Fatalf("only %d completions reported", len(done))
	}
	for id, v := range done {
		tr, ok := byID[id]
		if !ok {
			t.Errorf("trial %d was reported complete but is gone", id)
			continue
		}
		n := tr.Number
		if tr.State != goptuna.TrialStateComplete || tr.Value != v || tr.Params["b"] != float64(n%10)/10 || tr.UserAttrs["number"] != strconv.Itoa(n) {
			t.Errorf("trial %d after kill -9: %+v, want COMPLETE with value %v", id, tr, v)
		}
	}
	rep, err := s.Check(context.Background())
	if err != nil || !rep.OK() {
		t.Fatalf("check after kill -9: %+v, %v", rep.Problems, err)
	}
}

// TestKill9LeavesStaleRunningTrial: a trial running past the checkpoint when
// its process dies is visible as RUNNING and can be marked failed.
func TestKill9LeavesStaleRunningTrial(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "cgx.db")
	h := startHelper(t, "stuck", path)
	running := -1
	for line := range h.lines {
		if f := strings.Fields(line); len(f) == 2 && f[0] == "running" {
			running, _ = strconv.Atoi(f[1])
			break
		}
	}
	h.kill9()
	if running < 0 {
		t.Fatal("helper never reported its running trial")
	}
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr, err := s.GetTrial(running)
	if err != nil || tr.State != goptuna.TrialStateRunning {
		t.Fatalf("trial %d after kill -9: %+v, %v; want RUNNING", running, tr, err)
	}
	rep, _ := s.Check(context.Background())
	if !rep.OK() || rep.RunningTrials != 1 || !strings.Contains(strings.Join(rep.Notes, " "), "fail-stale") {
		t.Errorf("check: %+v", rep)
	}
	if n, err := s.FailStaleTrials(tr.StudyID); err != nil || n != 1 {
		t.Errorf("FailStaleTrials = %d, %v", n, err)
	}
	if tr, _ := s.GetTrial(running); tr.State != goptuna.TrialStateFail {
		t.Errorf("state after FailStaleTrials: %s", tr.State)
	}
}
