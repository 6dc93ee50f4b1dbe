package experiments

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/internal/keys"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

const envKillHelper = "CGX_TEST_KILL_HELPER_DB"

// killSpec is content/exp1's smoke profile with a longer search, so the
// process can be killed in the middle of it.
func killSpec(t *testing.T) *File {
	t.Helper()
	b, err := BuiltinText("content/exp1")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "content.trials = 8", "content.trials = 400", 1)
	f, err := Parse("kill.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestKillHelperProcess is the process TestKillAndResume kills; it does
// nothing unless started by that test.
func TestKillHelperProcess(t *testing.T) {
	db := os.Getenv(envKillHelper)
	if db == "" {
		t.Skip("helper process for TestKillAndResume")
	}
	st, err := bolt.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), st, killSpec(t), Options{Profile: "smoke", Workers: 2})
	t.Fatalf("run finished before it was killed: %v", err)
}

// TestKillAndResume kills a run with SIGKILL in the middle of its search,
// resumes it and requires the same stored results as an uninterrupted run.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two content searches")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "cgx.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), envKillHelper+"="+db)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	// Poll until the search has 20 complete trials. The deadline only guards
	// against a hung helper: a loaded two-core machine takes a minute or two
	// to get there, so it is far above that.
	killed := false
	deadline := time.After(15 * time.Minute)
	for !killed {
		select {
		case err := <-exited:
			t.Fatalf("the helper exited (%v) before its search reached 20 trials", err)
		case <-deadline:
			_ = cmd.Process.Kill()
			<-exited
			t.Fatal("the helper did not reach 20 search trials in 15 minutes")
		case <-time.After(50 * time.Millisecond):
		}
		if n := completeSearchTrials(db); n >= 20 {
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	<-exited
	st := openStore(t, dir)
	run, err := st.GetRun(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != tracker.RunRunning {
		t.Fatalf("killed run has status %s, want running (it could not record anything)", run.Status)
	}
	res, err := Run(context.Background(), st, killSpec(t), Options{Profile: "smoke", ExactProfile: true, Resume: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	fresh := openStore(t, t.TempDir())
	want, err := Run(context.Background(), fresh, killSpec(t), Options{Profile: "smoke", Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CompareRuns(context.Background(), fresh, want.RunID, st, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("%s %s:\n%s", d.Stage, d.What, d)
	}
	if rep.Trials < 400 {
		t.Errorf("compared %d trials, want the 400 of the search", rep.Trials)
	}
}

// completeSearchTrials counts COMPLETE trials of the search study in the
// database at db, read while another process writes it (0 when unreadable).
func completeSearchTrials(db string) int {
	st, err := bolt.Open(db, bolt.ReadOnly())
	if err != nil {
		return 0
	}
	defer st.Close()
	id, err := st.GetStudyIDFromName(keys.StudyName(1, keys.SearchStage("exp1", 1, "tpe", 1)))
	if err != nil {
		return 0
	}
	trials, err := st.GetAllTrials(id)
	if err != nil {
		return 0
	}
	n := 0
	for _, tr := range trials {
		if tr.State == goptuna.TrialStateComplete {
			n++
		}
	}
	return n
}
