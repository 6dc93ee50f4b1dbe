package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

// BenchmarkWorkersContentSearch measures durable trials/s of a content
// search (content/exp1 at the smoke sizes, random sampler, batch 8) computed
// by 1 and by 2 'cgx worker' processes, alternately, (--workers 1 each: one core each) on
// PostgreSQL. The datasets and the discriminator are computed once before
// timing; each iteration is a new search (another study seed), so it times
// sampling, rendering, scoring and the work queue, plus each worker's start
// (opening the database, loading the stored datasets and weights).
//
//	CGX_TEST_POSTGRES=... go test ./cmd/cgx -run '^$' -bench WorkersContentSearch -benchtime 3x
func BenchmarkWorkersContentSearch(b *testing.B) {
	dsn := pgtest.NewDatabase(b)
	const trials = 400
	common := []string{"--profile", "smoke", "--set", "content.batch_size=8", "--set", `content.samplers=["random"]`}
	enqueue := func(b *testing.B, seed int, n int) int {
		var q struct{ Run int }
		args := append([]string{"--db", dsn, "run", "content/exp1", "--enqueue", "--json",
			"--set", "content.trials=" + strconv.Itoa(n), "--set", fmt.Sprintf("content.seeds=[%d]", seed)}, common...)
		cgxJSON(b, &q, args...)
		return q.Run
	}
	work := func(b *testing.B, procs int) {
		var logs []*bytes.Buffer
		var cmds []*exec.Cmd
		for range procs {
			var log bytes.Buffer
			cmd := cgxProcess(b, &log, "--db", dsn, "worker", "--exit-when-idle", "--workers", "1", "--lease", "10s")
			if err := cmd.Start(); err != nil {
				b.Fatal(err)
			}
			logs, cmds = append(logs, &log), append(cmds, cmd)
		}
		for k, cmd := range cmds {
			if err := cmd.Wait(); err != nil {
				b.Fatalf("worker %d: %v\n%s", k, err, logs[k].String())
			}
		}
	}
	enqueue(b, 1, 8) // datasets and discriminator, stored once
	work(b, 1)
	// One process and two alternate within every iteration, so that both
	// see the same machine load (on a shared machine it drifts by 2x within
	// minutes); the ratio is of the summed times.
	seed := 100
	var one, two time.Duration
	for range b.N {
		for _, procs := range []int{1, 2} {
			seed++
			enqueue(b, seed, trials)
			start := time.Now()
			work(b, procs)
			if procs == 1 {
				one += time.Since(start)
			} else {
				two += time.Since(start)
			}
		}
	}
	b.ReportMetric(float64(trials*b.N)/one.Seconds(), "trials/s-1proc")
	b.ReportMetric(float64(trials*b.N)/two.Seconds(), "trials/s-2procs")
	b.ReportMetric(one.Seconds()/two.Seconds(), "speedup")
}
