package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const workerUsage = `Usage: cgx worker [--lease 30s] [--workers N] [--exit-when-idle] [--json]

Works on the runs in the database (--db or CGX_DB): every run that is queued
('cgx run SPEC --enqueue') or running. With a postgres:// database any number of
workers on any number of machines share the work: dataset render chunks,
search trial slots and whole stages are work items, claimed with a lease that the
worker renews while it computes. A worker that dies (kill -9, a machine that
vanishes) loses its lease and another worker redoes its item with the same seed:
the stored trials, parameters, losses and artifacts are the same bytes whichever
worker computed what, and the same as one 'cgx run' process on a bbolt file.

Run the same cgx executable on every machine (copy one build): stage keys include
the executable's SHA-256, so a worker built differently does not share the others'
stages and work items; it computes its own copy of them.

The first signal (Ctrl-C, SIGTERM) stops the worker cleanly: the item it holds is
abandoned (another worker redoes it when its lease runs out) and the runs are
left to the other workers. Progress goes to stderr.

--lease is how long an item stays claimed without a renewal (renewed at a third of
it): shorter finds dead workers sooner, longer tolerates slow databases.
--exit-when-idle exits (0) once no run is queued or running; without it the
worker waits for new runs.

Examples:
  id=$(cgx --db postgres://cgx@db/cgx run content/samplers --enqueue --json | jq .run)
  cgx --db postgres://cgx@db/cgx worker            # on each machine
  cgx --db postgres://cgx@db/cgx worker --exit-when-idle --lease 10s`

type workerOptions struct {
	lease    time.Duration
	workers  int
	exitIdle bool
	json     bool
}

// workerIdlePoll is how often an idle worker looks for new runs.
const workerIdlePoll = 2 * time.Second

func init() {
	register(&command{name: "worker", summary: "work on queued and running runs, sharing them with other workers", usage: workerUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			var o workerOptions
			fs := g.newFlagSet("worker", workerUsage)
			fs.DurationVar(&o.lease, "lease", experiments.DefaultLease, "how long a claimed item stays this worker's without renewal, e.g. `30s`")
			fs.IntVar(&o.workers, "workers", 0, "items computed at once, 0 (all cores) to 256; never changes results")
			fs.BoolVar(&o.exitIdle, "exit-when-idle", false, "exit once no run is queued or running")
			fs.BoolVar(&o.json, "json", false, "print the runs worked on as JSON when the worker exits")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("worker takes no arguments; see 'cgx worker --help'")
			}
			if o.lease < 100*time.Millisecond || o.lease > 24*time.Hour {
				return g.usageErrorf("--lease %v is out of range; use 100ms to 24h", o.lease)
			}
			if err := checkWorkers(g, o.workers); err != nil {
				return err
			}
			return runWorker(ctx, o, g)
		}})
}

// workedRun is one run a worker walked, as --json prints it.
type workedRun struct {
	Run    int               `json:"run"`
	Name   string            `json:"name"`
	Status tracker.RunStatus `json:"status"`
	Error  string            `json:"error,omitempty"`
}

func runWorker(ctx context.Context, o workerOptions, g *globals) (err error) {
	st, err := openDB(ctx, g, backend.Options{})
	if err != nil {
		return err
	}
	defer closeInto(&err, st)
	owner := experiments.DefaultOwner()
	progress := experiments.NewProgress(g.stderr, isTerminal(g.stderr))
	progress.Logf("worker %s on %s (lease %v)", owner, safeText(st.Info().Location), o.lease)
	var worked []workedRun
	skip := map[int]bool{} // runs this worker could not walk at all
	defer func() {
		if err == nil && o.json {
			if worked == nil {
				worked = []workedRun{}
			}
			enc := json.NewEncoder(g.stdout)
			enc.SetIndent("", "  ")
			err = enc.Encode(struct {
				Worker string      `json:"worker"`
				Runs   []workedRun `json:"runs"`
			}{owner, worked})
		}
	}()
	for {
		if ctx.Err() != nil {
			progress.Logf("worker %s: stopped", owner)
			return nil
		}
		todo, err := activeRuns(ctx, st, skip)
		if err != nil {
			return err
		}
		for _, id := range todo {
			res, err := experiments.Walk(ctx, st, id, experiments.Options{Workers: o.workers, Lease: o.lease,
				Owner: owner, Progress: progress})
			if ctx.Err() != nil {
				progress.Logf("worker %s: stopped; run %d is left to the other workers", owner, id)
				return nil
			}
			w := workedRun{Run: id, Name: res.Name, Status: res.Status}
			if err != nil {
				w.Error = err.Error()
				progress.Logf("worker %s: %s", owner, safeText(err.Error()))
				skip[id] = true // failed (and recorded so) or unreadable: do not loop on it
				if errors.Is(err, experiments.ErrRunStopped) {
					w.Status = ""
				}
			}
			worked = append(worked, w)
		}
		if len(todo) > 0 {
			continue
		}
		if o.exitIdle {
			progress.Logf("worker %s: no run is queued or running; exiting", owner)
			return nil
		}
		select {
		case <-ctx.Done():
		case <-time.After(workerIdlePoll):
		}
	}
}

// activeRuns lists the queued and running runs, oldest first, but those in skip.
func activeRuns(ctx context.Context, st tracker.RunStorage, skip map[int]bool) ([]int, error) {
	runs, err := st.ListRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	var ids []int
	for _, r := range runs {
		if (r.Status == tracker.RunQueued || r.Status == tracker.RunRunning) && !skip[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	sort.Ints(ids)
	return ids, nil
}
