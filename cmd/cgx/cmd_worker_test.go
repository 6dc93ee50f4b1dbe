package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

// helperEnv carries the arguments of a cgx process that the test binary
// plays (TestCgxHelperProcess), JSON-encoded.
const helperEnv = "CGX_TEST_HELPER_ARGS"

// TestCgxHelperProcess is cgx's main when the test binary is started as a
// cgx process by cgxProcess; otherwise it skips.
func TestCgxHelperProcess(t *testing.T) {
	enc := os.Getenv(helperEnv)
	if enc == "" {
		t.Skip("runs as a cgx process for the worker tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(enc), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	os.Exit(run(ctx, args, os.Stdout, os.Stderr))
}

// cgxProcess returns a command that runs cgx with args in a process of its own.
func cgxProcess(t testing.TB, stderr *bytes.Buffer, args ...string) *exec.Cmd {
	t.Helper()
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCgxHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(enc))
	cmd.Stderr = stderr
	return cmd
}

// cgxJSON runs cgx in this process and decodes its JSON output into v.
func cgxJSON(t testing.TB, v any, args ...string) {
	t.Helper()
	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		t.Fatalf("cgx %s: exit %d\n%s", strings.Join(args, " "), code, errOut.String())
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		t.Fatalf("cgx %s: %v\n%s", strings.Join(args, " "), err, out.String())
	}
}

// TestWorkersKilledMidItemMatchOneProcess: built-in smoke specs enqueued on
// PostgreSQL and computed by three 'cgx worker' processes, one of them
// killed with SIGKILL while it holds a work item, store exactly the stages,
// artifacts, metrics and trials of the same spec run by one process on a
// bbolt file.
func TestWorkersKilledMidItemMatchOneProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs smoke specs in several processes")
	}
	dsn := pgtest.NewDatabase(t)
	boltPath := filepath.Join(t.TempDir(), "ref.db")
	ctx := context.Background()
	for _, tc := range []struct {
		spec string
		sets []string // --set flags, the same for both runs
		kill string   // kind of item the killed worker holds
	}{
		// 40 trials: the killed worker spends long enough on trial slots
		// for the test to see it holding one.
		{"content/exp1", []string{"--set", "content.trials=40"}, experiments.WorkTrialSlot},
		{"style/blur", nil, experiments.WorkFitChunk},
	} {
		spec := tc.spec
		t.Run(spec, func(t *testing.T) {
			var ref experiments.Result
			cgxJSON(t, &ref, append([]string{"--db", boltPath, "run", spec, "--profile", "smoke", "--workers", "1", "--json"}, tc.sets...)...)
			var queued struct{ Run int }
			cgxJSON(t, &queued, append([]string{"--db", dsn, "run", spec, "--profile", "smoke", "--enqueue", "--json"}, tc.sets...)...)

			pg, err := backend.Open(ctx, dsn, backend.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer pg.Close()
			q, ok := pg.(tracker.WorkQueue)
			if !ok {
				t.Fatalf("%T has no work queue", pg)
			}

			logs := make([]bytes.Buffer, 3)
			procs := make([]*exec.Cmd, 3)
			for k := range procs {
				procs[k] = cgxProcess(t, &logs[k], "--db", dsn, "worker", "--exit-when-idle", "--lease", "2s", "--workers", "1")
			}
			// The victim starts first and alone, so it computes the first
			// stages; the others start once it holds an item of the kind
			// the case kills it in.
			if err := procs[0].Start(); err != nil {
				t.Fatal(err)
			}
			victim := fmt.Sprintf(":%d:", procs[0].Process.Pid)
			victimDone := make(chan error, 1)
			go func() { victimDone <- procs[0].Wait() }()
			seen := waitForLease(t, q, queued.Run, victim, tc.kill, victimDone, &logs[0])
			for _, p := range procs[1:] {
				if err := p.Start(); err != nil {
					t.Fatal(err)
				}
			}
			if err := procs[0].Process.Kill(); err != nil {
				t.Fatal(err)
			}
			<-victimDone
			// What the dead worker still holds (it may have finished the item
			// seen between the look and the kill) must be redone by another.
			held := leasedBy(t, q, queued.Run, victim)
			t.Logf("killed worker %s (seen holding %s item %d of %s); it held %d items at its death", victim, seen.Kind, seen.Index, seen.Stage, len(held))
			for k, p := range procs[1:] {
				if err := p.Wait(); err != nil {
					t.Fatalf("worker %d: %v\n%s", k+1, err, logs[k+1].String())
				}
			}
			for _, h := range held {
				// Done by another worker, or by the killed one: a completion
				// it sent just before the kill can reach the server after
				// the look above.
				switch redone := findItem(t, q, h.WorkKey); {
				case redone.State != tracker.WorkDone:
					t.Errorf("an item the killed worker held: %+v; want done", redone)
				case redone.Attempts < 2 && !strings.Contains(redone.Owner, victim):
					t.Errorf("an item the killed worker held: %+v; done in one attempt by another worker", redone)
				case redone.Attempts < 2:
					t.Logf("the killed worker's completion of %s item %d landed after its death", redone.Kind, redone.Index)
				}
			}
			run, err := pg.GetRun(ctx, queued.Run)
			if err != nil || run.Status != tracker.RunSucceeded {
				t.Fatalf("run %d: status %q (%v); worker logs:\n%s\n%s", queued.Run, run.Status, err, logs[1].String(), logs[2].String())
			}
			refStore, err := backend.Open(ctx, boltPath, backend.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer refStore.Close()
			rep, err := experiments.CompareRuns(ctx, refStore, ref.RunID, pg, queued.Run)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range rep.Differences {
				t.Errorf("%s", d)
			}
			if rep.Stages == 0 || rep.Artifacts == 0 {
				t.Errorf("compared %d stages, %d artifacts; want some", rep.Stages, rep.Artifacts)
			}
			if d := diffMetrics(ref.Metrics, run.Metrics); d != "" {
				t.Errorf("run metrics differ: %s", d)
			}
			want, got := artifactIDs(t, refStore), artifactIDs(t, pg)
			if !slices.Equal(want, got) {
				t.Errorf("artifacts: one process stored %d, the workers %d; they differ:\n%s", len(want), len(got), artifactsDiff(t, refStore, pg))
			}
		})
	}
}

// waitForLease polls the queue until an item of run (of kind, unless "") is
// leased by an owner containing who, and returns it. It fails if that
// worker exits first.
func waitForLease(t *testing.T, q tracker.WorkQueue, run int, who, kind string, exited <-chan error, log *bytes.Buffer) tracker.WorkItem {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		items, err := q.ListWork(context.Background(), run, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.State == tracker.WorkLeased && strings.Contains(it.Owner, who) && (kind == "" || it.Kind == kind) {
				return it
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("worker %s exited (%v) before it was seen holding a %q item:\n%s", who, err, kind, log.String())
		case <-time.After(5 * time.Millisecond):
		}
	}
	t.Fatalf("worker %s held no item of run %d within 2 minutes", who, run)
	return tracker.WorkItem{}
}

// leasedBy lists the items of run leased by an owner containing who.
func leasedBy(t *testing.T, q tracker.WorkQueue, run int, who string) []tracker.WorkItem {
	t.Helper()
	items, err := q.ListWork(context.Background(), run, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []tracker.WorkItem
	for _, it := range items {
		if it.State == tracker.WorkLeased && strings.Contains(it.Owner, who) {
			out = append(out, it)
		}
	}
	return out
}

func findItem(t *testing.T, q tracker.WorkQueue, key tracker.WorkKey) tracker.WorkItem {
	t.Helper()
	items, err := q.ListWork(context.Background(), key.RunID, key.Stage)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Index == key.Index {
			return it
		}
	}
	t.Fatalf("item %+v is gone", key)
	return tracker.WorkItem{}
}

func artifactIDs(t *testing.T, st tracker.ArtifactStorage) []string {
	t.Helper()
	metas, err := st.ListArtifacts(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, len(metas))
	for i, m := range metas {
		ids[i] = m.ID.String()
	}
	slices.Sort(ids)
	return ids
}

// artifactsDiff describes the artifacts only one of a and b holds.
func artifactsDiff(t *testing.T, a, b tracker.ArtifactStorage) string {
	t.Helper()
	byID := func(st tracker.ArtifactStorage) map[string]tracker.ArtifactMeta {
		metas, err := st.ListArtifacts(context.Background(), "")
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]tracker.ArtifactMeta{}
		for _, meta := range metas {
			m[meta.ID.String()] = meta
		}
		return m
	}
	ma, mb := byID(a), byID(b)
	var out []string
	for id, m := range ma {
		if _, ok := mb[id]; !ok {
			out = append(out, fmt.Sprintf("  only in the one-process run: %s %s, stage %s, %q", id[:12], m.Kind, m.Stage, m.Name))
		}
	}
	for id, m := range mb {
		if _, ok := ma[id]; !ok {
			out = append(out, fmt.Sprintf("  only in the workers' run: %s %s, stage %s, %q", id[:12], m.Kind, m.Stage, m.Name))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}

func diffMetrics(a, b map[string]float64) string {
	var out []string
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			out = append(out, fmt.Sprintf("%s: %v vs %v", k, v, w))
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			out = append(out, k+": only in the workers' run")
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

// TestWorkerStopsCleanlyOnSIGTERM: a worker stopped with SIGTERM while it
// holds an item exits 0 and hands the item back at once (its lease has run
// out), and another worker finishes the run.
func TestWorkerStopsCleanlyOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a smoke spec in several processes")
	}
	dsn := pgtest.NewDatabase(t)
	ctx := context.Background()
	var queued struct{ Run int }
	cgxJSON(t, &queued, "--db", dsn, "run", "content/exp1", "--profile", "smoke", "--enqueue", "--json")
	pg, err := backend.Open(ctx, dsn, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	q := pg.(tracker.WorkQueue)

	var log bytes.Buffer
	w := cgxProcess(t, &log, "--db", dsn, "worker", "--workers", "1", "--lease", "1m")
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.Wait() }()
	held := waitForLease(t, q, queued.Run, fmt.Sprintf(":%d:", w.Process.Pid), "", done, &log)
	if err := w.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("worker stopped by SIGTERM: %v (want exit 0)\n%s", err, log.String())
	}
	it := findItem(t, q, held.WorkKey)
	if it.State != tracker.WorkDone && it.LeaseUntil.After(time.Now()) {
		t.Errorf("item the stopped worker held: %+v; want it done or handed back (lease over)", it)
	}
	var out struct{ Runs []workedRun }
	cgxJSON(t, &out, "--db", dsn, "worker", "--exit-when-idle", "--workers", "1", "--json")
	if len(out.Runs) != 1 || out.Runs[0].Status != tracker.RunSucceeded {
		t.Errorf("second worker: %+v; want run %d succeeded", out.Runs, queued.Run)
	}
}

// TestEnqueueThenWorkerOnBolt: on a bbolt file (no server needed) a run
// recorded with --enqueue waits, queued, until 'cgx worker' computes it, and
// stores what 'cgx run' stores for the same spec.
func TestEnqueueThenWorkerOnBolt(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a smoke spec twice")
	}
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "cgx.db")
	var queued struct{ Run int }
	cgxJSON(t, &queued, "--db", db, "run", "content/exp1", "--profile", "smoke", "--enqueue", "--json")
	var idle struct {
		Worker string
		Runs   []workedRun
	}
	var ref experiments.Result
	refDB := filepath.Join(t.TempDir(), "ref.db") // its own file: nothing cached for the worker
	cgxJSON(t, &ref, "--db", refDB, "run", "content/exp1", "--profile", "smoke", "--workers", "1", "--json")
	st, err := backend.Open(ctx, db, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := st.GetRun(ctx, queued.Run)
	st.Close()
	if err != nil || run.Status != tracker.RunQueued || run.Spec == "" || run.Profile != "smoke" {
		t.Fatalf("enqueued run: %+v, %v; want queued with its spec and profile", run, err)
	}
	cgxJSON(t, &idle, "--db", db, "worker", "--exit-when-idle", "--json")
	if len(idle.Runs) != 1 || idle.Runs[0].Run != queued.Run || idle.Runs[0].Status != tracker.RunSucceeded {
		t.Fatalf("worker: %+v; want run %d succeeded", idle.Runs, queued.Run)
	}
	st, err = backend.Open(ctx, db, backend.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	refSt, err := backend.Open(ctx, refDB, backend.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer refSt.Close()
	rep, err := experiments.CompareRuns(ctx, refSt, ref.RunID, st, queued.Run)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("%s", d)
	}
	if rep.Trials == 0 {
		t.Error("compared no trials")
	}
	// Nothing left: a second worker exits at once, having worked on nothing.
	cgxJSON(t, &idle, "--db", db, "worker", "--exit-when-idle", "--json")
	if len(idle.Runs) != 0 {
		t.Errorf("idle worker worked on %+v", idle.Runs)
	}
}

func TestWorkerAndEnqueueUsage(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	for _, args := range [][]string{
		{"worker", "extra"},
		{"worker", "--lease", "1ms"},
		{"worker", "--workers", "-1"},
		{"run", "--resume", "1", "--enqueue"},
		{"run", "content/exp1", "--enqueue", "--force"},
		{"run", "content/exp1", "--enqueue", "--sweep", "content.trials=4,8"},
	} {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), append([]string{"--db", db}, args...), &out, &errOut); code != 2 {
			t.Errorf("cgx %s: exit %d, want 2 (usage)\n%s", strings.Join(args, " "), code, errOut.String())
		}
	}
}
