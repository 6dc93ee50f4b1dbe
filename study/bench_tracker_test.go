package study_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/study"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"golang.org/x/sys/unix"
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

// BenchmarkRunDurable is the bbolt storage target of issue 15: durable
// trials per second through Run (random sampler, 6 floats, batch 4, 4
// workers, 1,000 trials, every finished trial synced) against the disk's
// own fdatasync rate, measured in the same folder just before and just after
// each study so that both see the same disk and the same load. It reports
// trials/s, fdatasync/s, their ratio (x-fdatasync; 1 means one durable
// trial per disk flush) and the store's syncs per trial.
func BenchmarkRunDurable(b *testing.B) {
	const trials = 1000
	var ps []study.Param
	for i := 0; i < 6; i++ {
		ps = append(ps, study.Float("x"+strconv.Itoa(i), -1, 1))
	}
	space, err := study.NewSpace(ps...)
	if err != nil {
		b.Fatal(err)
	}
	obj := func(_ context.Context, in study.TrialInput) (study.Outcome, error) {
		return study.Outcome{Value: in.Params["x0"].(float64)}, nil
	}
	var runTime, syncTime time.Duration
	var syncsDone, storeSyncs int64
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dir := b.TempDir()
		d, n := fdatasyncTime(b, dir, 250)
		syncTime, syncsDone = syncTime+d, syncsDone+n
		st, err := bolt.Open(filepath.Join(dir, "cgx.db"))
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		cfg := study.Config{Study: "bench", Sampler: study.SamplerRandom, Seed: int64(i + 1), Trials: trials, BatchSize: 4, Workers: 4}
		if _, err := study.Run(context.Background(), st, cfg, space, obj); err != nil {
			b.Fatal(err)
		}
		if err := st.Close(); err != nil { // its checkpoint is part of the cost
			b.Fatal(err)
		}
		runTime += time.Since(start)
		storeSyncs += st.Syncs()
		d, n = fdatasyncTime(b, dir, 250)
		syncTime, syncsDone = syncTime+d, syncsDone+n
	}
	b.StopTimer()
	trialRate := float64(b.N*trials) / runTime.Seconds()
	syncRate := float64(syncsDone) / syncTime.Seconds()
	b.ReportMetric(trialRate, "trials/s")
	b.ReportMetric(syncRate, "fdatasync/s")
	b.ReportMetric(trialRate/syncRate, "x-fdatasync")
	b.ReportMetric(float64(storeSyncs)/float64(b.N*trials), "syncs/trial")
}

// fdatasyncTime times n rewrites of a small record in a preallocated file
// in dir, each followed by fdatasync: what the journal does per commit.
func fdatasyncTime(b *testing.B, dir string, n int) (time.Duration, int64) {
	f, err := os.Create(filepath.Join(dir, "fdatasync-probe"))
	if err != nil {
		b.Fatal(err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := f.Write(make([]byte, 1<<20)); err != nil {
		b.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	rec := make([]byte, 512)
	start := time.Now()
	for i := 0; i < n; i++ {
		rec[0] = byte(i)
		if _, err := f.WriteAt(rec, int64(i%2048)*512); err != nil {
			b.Fatal(err)
		}
		if err := unix.Fdatasync(int(f.Fd())); err != nil {
			b.Fatal(err)
		}
	}
	return time.Since(start), int64(n)
}
