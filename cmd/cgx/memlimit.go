package main

import (
	"context"
	"runtime/metrics"
	"time"
)

// defaultMemoryLimit is the soft memory limit cgx gives the Go runtime when
// GOMEMLIMIT is not set.
//
// What a run keeps live is bounded by its configuration, not its datasets:
// images are read on demand through a 128 MiB cache, and the largest
// working set on two cores is two segmentation trainings side by side,
// about 380-560 MiB of graph buffers and cache at the paper profile. Left to
// GOGC=100 alone the heap grows to twice what is live before a collection,
// so that run peaked at 0.87 GB with 2,000 training images and 1.25 GB with
// 31,000: garbage, not data. Under this limit the collector runs earlier
// instead, and the process stays under 1 GB whatever the dataset size.
const defaultMemoryLimit = 768 << 20

// applyMemoryLimit sets defaultMemoryLimit unless the environment set
// GOMEMLIMIT: the runtime has applied that one already ("off" included). It
// returns the guard that keeps the default from starving a run that needs
// more (nil when GOMEMLIMIT was set).
func applyMemoryLimit(getenv func(string) string, setLimit func(int64) int64) *memoryGuard {
	if getenv("GOMEMLIMIT") != "" {
		return nil
	}
	setLimit(defaultMemoryLimit)
	return &memoryGuard{limit: defaultMemoryLimit, set: setLimit}
}

// memoryGuard raises the default limit when a run's live heap grows close
// to it. A soft limit below what is live makes the collector run back to
// back (the runtime caps it at about half the CPU): a run of much wider
// networks, larger images or many trainings side by side on a many-core
// machine would crawl. Past seven eighths of the limit the guard sets it to
// twice the live heap, which is GOGC=100's own goal, so such a run costs
// what it cost without the default. The limit is never lowered again. (The
// 31,000-image segmentation run peaked at 557 MiB live, while one training
// scored its evaluation set and the other still trained: under 672 MiB.)
type memoryGuard struct {
	limit int64
	set   func(int64) int64
}

// observe takes the live heap in bytes (after the last collection).
func (g *memoryGuard) observe(live uint64) {
	if l := int64(live); l > g.limit/8*7 {
		g.limit = 2 * l
		g.set(g.limit)
	}
}

// watch reads the live heap every interval until ctx ends.
func (g *memoryGuard) watch(ctx context.Context, every time.Duration) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			metrics.Read(sample)
			if sample[0].Value.Kind() == metrics.KindUint64 {
				g.observe(sample[0].Value.Uint64())
			}
		}
	}
}
