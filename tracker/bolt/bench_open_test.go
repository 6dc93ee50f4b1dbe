package bolt_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/cgx-dev/cgx/tracker/bolt"
)

// BenchmarkOpenLarge measures what the damage checks cost on a large
// database (CGX_BENCH_DB_MB, default 100 MB of trials): the structural
// validation a writer runs before bbolt maps the file ("validate"), a
// writer's whole Open, which also checks every record ("writer-open"), and
// a reader's Open and study listing ("reader-open"):
//
//	go test -run '^$' -bench OpenLarge -benchtime 3x ./tracker/
func BenchmarkOpenLarge(b *testing.B) {
	mb := 100
	if v, err := strconv.Atoi(os.Getenv("CGX_BENCH_DB_MB")); err == nil && v > 0 {
		mb = v
	}
	path := filepath.Join(b.TempDir(), "cgx.db")
	s, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		b.Fatal(err)
	}
	trials := 0
	for i := 0; ; i++ {
		fi, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		if fi.Size() >= int64(mb)<<20 {
			break
		}
		sid, err := s.CreateNewStudy("large-" + strconv.Itoa(i))
		if err != nil {
			b.Fatal(err)
		}
		prefill(b, s, sid, 20000)
		trials += 20000
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
	fi, _ := os.Stat(path)
	b.Logf("%d trials, %.1f MB", trials, float64(fi.Size())/(1<<20))
	b.Run("validate", func(b *testing.B) {
		for b.Loop() {
			if _, n, err := bolt.ValidateFile(path); err != nil || n != 0 {
				b.Fatalf("%d problems, %v", n, err)
			}
		}
		b.SetBytes(fi.Size())
	})
	b.Run("writer-open", func(b *testing.B) {
		for b.Loop() {
			s, err := bolt.Open(path, bolt.NoSync(), bolt.NoServe())
			if err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
		b.SetBytes(fi.Size())
	})
	b.Run("reader-open", func(b *testing.B) {
		for b.Loop() {
			s, err := bolt.Open(path, bolt.ReadOnly())
			if err != nil {
				b.Fatal(err)
			}
			if _, err := s.ListRuns(context.Background()); err != nil {
				b.Fatal(err)
			}
			s.Close()
		}
	})
}
