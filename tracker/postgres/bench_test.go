package postgres_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/cgx-dev/cgx/study"
	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

// BenchmarkStudyRun measures durable trials per second through cgx's own
// search loop (study.Run: random sampler, 6 float parameters, batch 4, 4
// workers, an objective that returns at once) on the PostgreSQL server
// CGX_TEST_POSTGRES names, a fresh database per iteration. Every trial is
// committed (synchronous_commit as the server sets it) before Run moves on:
// a batch's trials in one commit (Store.FinishTrials).
// The durable-running variant also waits for the WAL flush when a RUNNING
// trial is created (Options.DurableRunning): two synced commits per trial
// instead of one. bench/optuna_rdb_pg.py is the same search through Optuna's RDBStorage,
// for the side-by-side figure in docs/PERFORMANCE.md.
func BenchmarkStudyRun(b *testing.B) {
	var ps []study.Param
	for i := 0; i < 6; i++ {
		ps = append(ps, study.Float("x"+strconv.Itoa(i), -1, 1))
	}
	space, err := study.NewSpace(ps...)
	if err != nil {
		b.Fatal(err)
	}
	obj := func(_ context.Context, in study.TrialInput) (study.Outcome, error) {
		v := 0.0
		for _, x := range in.Params {
			f := x.(float64)
			v += f * f
		}
		return study.Outcome{Value: v}, nil
	}
	for _, c := range []struct {
		trials  int
		durable bool
	}{{100, false}, {1000, false}, {10000, false}, {1000, true}} {
		trials := c.trials
		name := fmt.Sprintf("trials-%d", trials)
		if c.durable {
			name += "/durable-running"
		}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dsn := pgtest.NewDatabase(b)
				st, err := postgres.Open(context.Background(), dsn, postgres.Options{DurableRunning: c.durable})
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				cfg := study.Config{Study: "bench", Sampler: study.SamplerRandom, Seed: 1, Trials: trials, BatchSize: 4, Workers: 4}
				if _, err := study.Run(context.Background(), st, cfg, space, obj); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := st.Close(); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			per := float64(b.Elapsed().Nanoseconds()) / float64(b.N*trials)
			b.ReportMetric(per, "ns/trial")
			b.ReportMetric(1e9/per, "trials/s")
		})
	}
}
