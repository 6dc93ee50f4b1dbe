package bolt_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// BenchmarkPutArtifacts stores 128 artifacts of 5 KiB (a batch of 64 px
// dataset PNGs) per iteration in a durable store (every object and commit
// synced), one PutArtifact each ("one-by-one") or with one PutArtifacts
// call ("batch"; "batch-nosync" is the same with NoSync, which leaves out
// the syncs), and reports artifacts/s. docs/perf/datasets.md has the
// figures:
//
//	go test -run '^$' -bench PutArtifacts -benchtime 20x ./tracker/bolt/
func BenchmarkPutArtifacts(b *testing.B) {
	for _, mode := range []string{"one-by-one", "batch", "batch-nosync"} {
		b.Run(mode, func(b *testing.B) {
			var opts []bolt.Option
			if mode == "batch-nosync" {
				opts = append(opts, bolt.NoSync())
			}
			s, err := bolt.Open(filepath.Join(b.TempDir(), "cgx.db"), opts...)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			ctx := context.Background()
			rng := rand.NewChaCha8([32]byte{7})
			const n = 128
			items := make([]tracker.ArtifactPut, n)
			for k := range items {
				items[k] = tracker.ArtifactPut{Data: make([]byte, 5<<10), Meta: tracker.ArtifactMeta{Kind: "image", MediaType: "image/png"}}
				rng.Read(items[k].Data)
			}
			for i := 0; b.Loop(); i++ {
				for k := range items { // new bytes every iteration: nothing deduplicated
					binary.LittleEndian.PutUint64(items[k].Data, uint64(i))
				}
				if mode != "one-by-one" {
					if _, err := s.PutArtifacts(ctx, items); err != nil {
						b.Fatal(err)
					}
					continue
				}
				for _, it := range items {
					if _, err := s.PutArtifact(ctx, it.Data, it.Meta); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "artifacts/s")
		})
	}
}
