package bolt_test

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// Benchmarks for docs/perf/tracker.md. Each compares the bbolt store with
// goptuna.InMemoryStorage in the same run:
//
//	go test -run '^$' -bench . -benchtime 5x ./tracker/
//
// "inmemory-deepcopy" is InMemoryStorage made to keep the contract cgx's
// store keeps (returned trials share no map with the storage): the same
// storage, with every trial it returns deep-copied. It is the peer that
// separates what the store costs from what the copies cost.
//
// BenchmarkStudy runs a whole 1,000-trial study (random sampler, 6 float
// parameters) and reports trials/s, either through goptuna's study loop
// ("optimize", which calls GetAllTrials before every trial) or through the
// Storage calls one trial makes, sampler included ("storage", the way cgx's
// study package drives trials: it reads the history once per batch).
// BenchmarkTrialAt measures one more trial in a study that already holds N
// trials, through goptuna's loop ("optimize") and through the Storage calls
// a trial makes without the loop ("storage"), to show how the per-trial cost
// grows with N.

var paramNames = []string{"p0", "p1", "p2", "p3", "p4", "p5"}

func sixFloats(tr goptuna.Trial) (float64, error) {
	sum := 0.0
	for _, n := range paramNames {
		v, err := tr.SuggestFloat(n, -1, 1)
		if err != nil {
			return 0, err
		}
		sum += v * v
	}
	return sum, nil
}

type storageKind struct {
	name string
	open func(b *testing.B) goptuna.Storage
}

func storageKinds() []storageKind {
	openDB := func(opts ...bolt.Option) func(b *testing.B) goptuna.Storage {
		return func(b *testing.B) goptuna.Storage {
			s, err := bolt.Open(filepath.Join(b.TempDir(), "cgx.db"), opts...)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { s.Close() })
			return s
		}
	}
	return []storageKind{
		{"inmemory", func(*testing.B) goptuna.Storage { return goptuna.NewInMemoryStorage() }},
		{"inmemory-deepcopy", func(*testing.B) goptuna.Storage { return deepCopying{goptuna.NewInMemoryStorage()} }},
		{"tracker-fsync", openDB()},
		{"tracker-nosync", openDB(bolt.NoSync())},
	}
}

func newStudy(b *testing.B, s goptuna.Storage, name string, seed int64) *goptuna.Study {
	study, err := goptuna.CreateStudy(name, goptuna.StudyOptionStorage(s), goptuna.StudyOptionLogger(nil),
		goptuna.StudyOptionSampler(goptuna.NewRandomSampler(goptuna.RandomSamplerOptionSeed(seed))))
	if err != nil {
		b.Fatal(err)
	}
	return study
}

func BenchmarkStudy(b *testing.B) {
	const trials = 1000
	for _, mode := range []string{"optimize", "storage"} {
		for _, k := range storageKinds() {
			b.Run(mode+"/"+k.name+"/trials=1000", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					s := k.open(b)
					study := newStudy(b, s, fmt.Sprint("bench-", i), int64(i))
					b.StartTimer()
					if mode == "storage" {
						for j := 0; j < trials; j++ {
							storageTrial(b, s, study)
						}
					} else if err := study.Optimize(sixFloats, trials); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(trials*b.N)/b.Elapsed().Seconds(), "trials/s")
				b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(trials*b.N), "µs/trial")
			})
		}
	}
}

// prefill adds n finished trials with six float parameters to a study.
func prefill(b *testing.B, s goptuna.Storage, studyID, n int) {
	t0 := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	trials := make([]goptuna.FrozenTrial, n)
	for i := range trials {
		tr := goptuna.FrozenTrial{State: goptuna.TrialStateComplete, Value: float64(i), DatetimeStart: t0, DatetimeComplete: t0,
			IntermediateValues: map[int]float64{}, InternalParams: map[string]float64{}, Params: map[string]any{},
			Distributions: map[string]any{}, UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}}
		for j, p := range paramNames {
			v := float64((i*7+j)%100)/50 - 1
			tr.InternalParams[p], tr.Params[p], tr.Distributions[p] = v, v, goptuna.UniformDistribution{Low: -1, High: 1}
		}
		trials[i] = tr
	}
	if ts, ok := s.(*bolt.Store); ok {
		if _, err := ts.AddFinishedTrials(studyID, trials); err != nil {
			b.Fatal(err)
		}
		return
	}
	for _, tr := range trials {
		if _, err := s.CloneTrial(studyID, tr); err != nil {
			b.Fatal(err)
		}
	}
}

// storageTrial makes the Storage calls goptuna's loop makes for one trial of
// sixFloats with the random sampler, minus the loop's GetAllTrials.
func storageTrial(b *testing.B, s goptuna.Storage, study *goptuna.Study) {
	id, err := s.CreateNewTrial(study.ID)
	if err != nil {
		b.Fatal(err)
	}
	sum := 0.0
	for _, n := range paramNames {
		ft, err := s.GetTrial(id)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.GetTrialSystemAttrs(id); err != nil {
			b.Fatal(err)
		}
		d := goptuna.UniformDistribution{Low: -1, High: 1}
		v, _ := study.Sampler.Sample(study, ft, n, d)
		if err := s.SetTrialParam(id, n, v, d); err != nil {
			b.Fatal(err)
		}
		sum += v * v
	}
	if err := s.SetTrialValue(id, sum); err != nil {
		b.Fatal(err)
	}
	if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
		b.Fatal(err)
	}
}

func BenchmarkTrialAt(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		for _, k := range storageKinds() {
			for _, mode := range []string{"optimize", "storage"} {
				b.Run(fmt.Sprintf("%s/%s/N=%d", mode, k.name, n), func(b *testing.B) {
					s := k.open(b)
					study := newStudy(b, s, "at", 1)
					prefill(b, s, study.ID, n)
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						if mode == "storage" {
							storageTrial(b, s, study)
						} else if err := study.Optimize(sixFloats, 1); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

// BenchmarkFdatasync measures the disk's fdatasync of one rewritten 4 KiB
// page, the floor under every durable commit (bbolt syncs twice per commit).
func BenchmarkFdatasync(b *testing.B) {
	f := syncTarget(b, 0)
	page := make([]byte, 4096)
	for i := 0; i < b.N; i++ {
		writeSynced(b, f, page, int64(i%64)*4096)
	}
}

// BenchmarkSyncAfterGap times two syncs, back to back and after a gap
// outside the timer (450 us of computing, about what goptuna's loop does
// between two commits, or a 5 ms sleep): "flush" is fdatasync of a file with
// nothing to write, which leaves only the disk's cache flush; "record" is a
// 614-byte journal record written into the allocated area and fdatasynced,
// as a commit does. On the dev VMs' virtual disk both are several times
// slower after a gap than back to back, so a commit's wait depends on how
// long ago the previous one was. record/sleep-5ms also shows what ext4
// without a journal (the dev VMs' root) adds once per clock tick: the write
// changed the file's modification time, so fdatasync writes the inode's
// table block too. docs/perf/tracker.md, "Read-ahead".
func BenchmarkSyncAfterGap(b *testing.B) {
	gaps := []struct {
		name string
		wait func()
	}{
		{"none", func() {}},
		{"busy-450us", func() {
			for t := time.Now(); time.Since(t) < 450*time.Microsecond; {
			}
		}},
		{"sleep-5ms", func() { time.Sleep(5 * time.Millisecond) }},
	}
	rec := make([]byte, 614)
	for _, what := range []string{"flush", "record"} {
		for _, gap := range gaps {
			b.Run(what+"/"+gap.name, func(b *testing.B) {
				f := syncTarget(b, 4<<20)
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					gap.wait()
					b.StartTimer()
					if what == "record" {
						writeSynced(b, f, rec, int64(i%6000)*int64(len(rec)))
					} else if err := bolt.Fdatasync(f); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// syncTarget creates a file for the sync benchmarks, its first size bytes
// zero-filled and synced (allocated, as the journal's area ahead is).
func syncTarget(b *testing.B, size int) *os.File {
	f, err := os.Create(filepath.Join(b.TempDir(), "sync"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	if size > 0 {
		if _, err := f.WriteAt(make([]byte, size), 0); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
	}
	return f
}

// writeSynced writes p at off and syncs it as a journal commit does.
func writeSynced(b *testing.B, f *os.File, p []byte, off int64) {
	if _, err := f.WriteAt(p, off); err != nil {
		b.Fatal(err)
	}
	if err := bolt.Fdatasync(f); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkGetAllTrials500 reads a 500-trial study (6 float parameters),
// the average history goptuna's Study.Optimize copies per trial in a
// 1,000-trial study. "inmemory" is goptuna.InMemoryStorage's shallow copy
// (its maps alias its state); "tracker" is the store's deep copy;
// "deep-copy-floor" is the least any non-aliasing copy does (the three
// filled maps cloned, three empty ones made), with no storage around it.
// Together with BenchmarkStudy/optimize/inmemory they bound the ratio to
// InMemoryStorage any non-aliasing store can reach under Study.Optimize.
func BenchmarkGetAllTrials500(b *testing.B) {
	const n = 500
	for _, k := range []storageKind{storageKinds()[0], storageKinds()[2]} {
		b.Run(k.name, func(b *testing.B) {
			s := k.open(b)
			study := newStudy(b, s, "copy", 1)
			prefill(b, s, study.ID, n)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := s.GetAllTrials(study.ID); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/trial")
		})
	}
	b.Run("deep-copy-floor", func(b *testing.B) {
		s := goptuna.NewInMemoryStorage()
		study := newStudy(b, s, "copy", 1)
		prefill(b, s, study.ID, n)
		src, _ := s.GetAllTrials(study.ID)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			out := make([]goptuna.FrozenTrial, len(src))
			for j := range src {
				t := src[j]
				t.InternalParams = maps.Clone(t.InternalParams)
				t.Params = maps.Clone(t.Params)
				t.Distributions = maps.Clone(t.Distributions)
				t.IntermediateValues = map[int]float64{}
				t.UserAttrs = map[string]string{}
				t.SystemAttrs = map[string]string{}
				out[j] = t
			}
			sinkTrials = out
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/trial")
	})
}

var sinkTrials []goptuna.FrozenTrial

// deepCopying wraps a goptuna.Storage so that returned trials are deep
// copies, as cgx's store returns them.
type deepCopying struct{ goptuna.Storage }

func deepCopy(t goptuna.FrozenTrial) goptuna.FrozenTrial {
	t.IntermediateValues = maps.Clone(t.IntermediateValues)
	t.InternalParams = maps.Clone(t.InternalParams)
	t.Params = maps.Clone(t.Params)
	t.Distributions = maps.Clone(t.Distributions)
	t.UserAttrs = maps.Clone(t.UserAttrs)
	t.SystemAttrs = maps.Clone(t.SystemAttrs)
	return t
}

func (d deepCopying) GetTrial(id int) (goptuna.FrozenTrial, error) {
	t, err := d.Storage.GetTrial(id)
	return deepCopy(t), err
}

func (d deepCopying) GetBestTrial(id int) (goptuna.FrozenTrial, error) {
	t, err := d.Storage.GetBestTrial(id)
	return deepCopy(t), err
}

func (d deepCopying) GetAllTrials(id int) ([]goptuna.FrozenTrial, error) {
	ts, err := d.Storage.GetAllTrials(id)
	for i := range ts {
		ts[i] = deepCopy(ts[i])
	}
	return ts, err
}

func (d deepCopying) GetTrialParams(id int) (map[string]interface{}, error) {
	m, err := d.Storage.GetTrialParams(id)
	return maps.Clone(m), err
}

func (d deepCopying) GetTrialUserAttrs(id int) (map[string]string, error) {
	m, err := d.Storage.GetTrialUserAttrs(id)
	return maps.Clone(m), err
}

func (d deepCopying) GetTrialSystemAttrs(id int) (map[string]string, error) {
	m, err := d.Storage.GetTrialSystemAttrs(id)
	return maps.Clone(m), err
}

func (d deepCopying) GetStudyUserAttrs(id int) (map[string]string, error) {
	m, err := d.Storage.GetStudyUserAttrs(id)
	return maps.Clone(m), err
}

func (d deepCopying) GetStudySystemAttrs(id int) (map[string]string, error) {
	m, err := d.Storage.GetStudySystemAttrs(id)
	return maps.Clone(m), err
}
