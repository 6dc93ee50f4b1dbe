package main

// defaultMemoryLimit is the soft memory limit cgx gives the Go runtime when
// GOMEMLIMIT is not set.
//
// What a run keeps live is bounded by its configuration, not its datasets:
// images are read on demand through a 128 MiB cache, and the largest
// working set is two segmentation trainings side by side, about 400 MiB of
// graph buffers at the paper profile. Left to GOGC=100 alone the heap
// grows to twice what is live before a collection, so the same run peaked
// at 0.87 GB with 2,000 training images and 1.25 GB with 31,000 (the cache
// full): garbage, not data. Under this limit the collector runs earlier
// instead, and the process stays under 1 GB whatever the dataset size.
//
// A run whose live memory exceeds the limit (much wider networks, larger
// images) still runs: the runtime lets the heap grow past a soft limit
// rather than fail, and caps the collector at about half the CPU; such a
// run should set GOMEMLIMIT to what the machine can give (or "off").
const defaultMemoryLimit = 768 << 20

// applyMemoryLimit sets defaultMemoryLimit unless the environment set
// GOMEMLIMIT: the runtime has applied that one already ("off" included).
func applyMemoryLimit(getenv func(string) string, setLimit func(int64) int64) {
	if getenv("GOMEMLIMIT") == "" {
		setLimit(defaultMemoryLimit)
	}
}
