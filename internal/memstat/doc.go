// Package memstat reads the process's peak resident memory (its high-water
// mark), so runs can record how much memory each stage needed.
//
// # Vocabulary
//
//   - Peak RSS: the most resident memory the process has held, in bytes: the
//     VmHWM line of /proc/self/status on Linux, getrusage's ru_maxrss
//     elsewhere.
//   - Reset: lowering the high-water mark to the current resident size
//     (Linux: writing "5" to /proc/self/clear_refs), so that a later Peak
//     covers only what happened since.
//
// # Caveats
//
//   - The mark is process-wide: a stage's peak includes whatever else the
//     process held or did at the same time (other stages running
//     concurrently, data loaded by earlier stages and still referenced,
//     garbage the Go collector has not yet returned to the kernel).
//   - Without Reset (not Linux, or /proc/self/clear_refs not writable) the
//     peak is the whole process's so far, not the stage's; Reset says so by
//     returning ErrNoReset.
//   - The figure depends on the machine, the Go version and GOGC: record it
//     as an attribute next to a result, never as a metric that runs are
//     compared on.
package memstat
