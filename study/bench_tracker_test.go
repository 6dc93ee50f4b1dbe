package study_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cgx-dev/cgx/study"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// BenchmarkRunSizeTracker is BenchmarkRunSize on the tracker's bbolt store
// (the default storage of cgx), with every finished trial synced (sync) and
// without (nosync): Run's cost per trial as the study grows, storage
// included. A new database per iteration.
func BenchmarkRunSizeTracker(b *testing.B) {
	var ps []study.Param
	for i := 0; i < 6; i++ {
		ps = append(ps, study.Float("x"+strconv.Itoa(i), -1, 1))
	}
	space, err := study.NewSpace(ps...)
	if err != nil {
		b.Fatal(err)
	}
	obj := func(_ context.Context, in study.TrialInput) (study.Outcome, error) {
		return study.Outcome{Value: float64(in.Slot)}, nil
	}
	for _, durable := range []bool{true, false} {
		for _, trials := range []int{100, 1000, 10000} {
			name := map[bool]string{true: "sync", false: "nosync"}[durable]
			b.Run(fmt.Sprintf("%s/trials-%d", name, trials), func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					var opts []bolt.Option
					if !durable {
						opts = append(opts, bolt.NoSync())
					}
					st, err := bolt.Open(filepath.Join(b.TempDir(), "cgx.db"), opts...)
					if err != nil {
						b.Fatal(err)
					}
					cfg := study.Config{Study: "bench", Sampler: study.SamplerRandom, Seed: 1, Trials: trials, BatchSize: 4, Workers: 4}
					if _, err := study.Run(context.Background(), st, cfg, space, obj); err != nil {
						b.Fatal(err)
					}
					if err := st.Close(); err != nil {
						b.Fatal(err)
					}
				}
				per := float64(b.Elapsed().Nanoseconds()) / float64(b.N*trials)
				b.ReportMetric(per, "ns/trial")
				b.ReportMetric(1e9/per, "trials/s")
			})
		}
	}
}
