package postgres_test

import (
	"crypto/sha256"
	"errors"
	"io"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
)

// gen yields n deterministic bytes without holding them.
type gen struct {
	n, off int64
}

func (g *gen) Read(p []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	k := int(min(int64(len(p)), g.n-g.off))
	for i := range p[:k] {
		x := uint64(g.off) + uint64(i)
		p[i] = byte(x*2654435761>>13) ^ byte(x>>20)
	}
	g.off += int64(k)
	return k, nil
}

// peakHeap samples the heap until stop is closed and returns its peak.
func peakHeap(stop <-chan struct{}) <-chan uint64 {
	out := make(chan uint64, 1)
	go func() {
		var peak uint64
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
			select {
			case <-stop:
				out <- peak
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	return out
}

// TestLargeArtifactStreams stores and reads 64 MiB with the heap staying
// far below the artifact's size.
func TestLargeArtifactStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 64 MiB")
	}
	const size = 64 << 20
	const bound = 24 << 20 // a few chunks and the driver's buffers
	s, _ := openTest(t, postgres.Options{})
	h := sha256.New()
	if _, err := io.Copy(h, &gen{n: size}); err != nil {
		t.Fatal(err)
	}
	var want tracker.ID
	h.Sum(want[:0])

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	stop := make(chan struct{})
	peak := peakHeap(stop)
	id, err := s.PutArtifactFrom(bg, &gen{n: size}, tracker.ArtifactMeta{Kind: "weights"})
	close(stop)
	if err != nil {
		t.Fatal(err)
	}
	if id != want {
		t.Fatalf("id %s, want %s", id, want)
	}
	if p := <-peak; p > base.HeapAlloc+bound {
		t.Errorf("PutArtifactFrom of %d MiB raised the heap to %d MiB (from %d MiB)", size>>20, p>>20, base.HeapAlloc>>20)
	}

	runtime.GC()
	runtime.ReadMemStats(&base)
	stop = make(chan struct{})
	peak = peakHeap(stop)
	rc, meta, err := s.OpenArtifact(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	h = sha256.New()
	n, err := io.Copy(h, rc)
	rc.Close()
	close(stop)
	if err != nil || n != size || meta.Size != size {
		t.Fatalf("streamed %d bytes (meta %d): %v", n, meta.Size, err)
	}
	var got tracker.ID
	h.Sum(got[:0])
	if got != id {
		t.Errorf("streamed bytes hash to %s, want %s", got, id)
	}
	if p := <-peak; p > base.HeapAlloc+bound {
		t.Errorf("OpenArtifact of %d MiB raised the heap to %d MiB (from %d MiB)", size>>20, p>>20, base.HeapAlloc>>20)
	}
}

// TestDamagedChunk: a chunk changed behind cgx's back is found by reads
// and by Check.
func TestDamagedChunk(t *testing.T) {
	s, dsn := openTest(t, postgres.Options{})
	id, err := s.PutArtifactFrom(bg, &gen{n: 3<<20 + 5}, tracker.ArtifactMeta{Kind: "weights"})
	if err != nil {
		t.Fatal(err)
	}
	if rep := of(s.Check(bg)).must(t); !rep.OK() {
		t.Fatalf("check of a sound database: %+v", rep.Problems)
	}
	sql(t, dsn, `UPDATE chunks SET data = overlay(data placing '\xff'::bytea from 100 for 1)
WHERE sha256 = (SELECT chunk FROM artifact_chunks ORDER BY seq DESC LIMIT 1)`)
	if _, _, err := s.GetArtifact(bg, id); !errors.Is(err, tracker.ErrCorruptArtifact) {
		t.Errorf("GetArtifact of a damaged artifact: %v", err)
	}
	rc, _, err := s.OpenArtifact(bg, id)
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.Copy(io.Discard, rc)
	rc.Close()
	if !errors.Is(err, tracker.ErrCorruptArtifact) {
		t.Errorf("streaming a damaged artifact: %v, want ErrCorruptArtifact", err)
	}
	rep := of(s.Check(bg)).must(t)
	if rep.OK() || len(rep.Recover) == 0 {
		t.Errorf("check missed a damaged chunk: %+v", rep)
	}
}

// TestConcurrentPuts: the same bytes put from two Stores at once are stored
// once, and GC alongside loses nothing referenced.
func TestConcurrentPuts(t *testing.T) {
	a, dsn := openTest(t, postgres.Options{})
	b := of(postgres.Open(bg, dsn, postgres.Options{})).must(t)
	defer b.Close()
	var wg sync.WaitGroup
	var fails atomic.Int32
	for i := range 8 {
		s := []*postgres.Store{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := s.PutArtifactFrom(bg, &gen{n: 2<<20 + 1}, tracker.ArtifactMeta{Kind: "k"}); err != nil {
				t.Error(err)
				fails.Add(1)
			}
		}()
	}
	wg.Wait()
	metas := of(a.ListArtifacts(bg, "")).must(t)
	if len(metas) != 1 {
		t.Errorf("%d artifacts after putting the same bytes 8 times", len(metas))
	}
	if rep := of(a.Check(bg)).must(t); !rep.OK() {
		t.Errorf("check: %+v", rep.Problems)
	}
}
