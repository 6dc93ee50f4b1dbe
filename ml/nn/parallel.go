package nn

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// gradChunk is the number of images whose weight-gradient contributions are
// summed into one partial sum before the partials are added in chunk order.
// It is fixed so that the order of every floating-point addition, and hence
// every bit of the result, is the same whatever GOMAXPROCS is.
const gradChunk = 4

// workerCount is how many goroutines forEach uses for n tasks.
func workerCount(n int) int {
	return max(1, min(n, runtime.GOMAXPROCS(0)))
}

// forEach runs task(i, worker) for every i in [0, n) on workerCount(n)
// goroutines, worker being in [0, workerCount(n)). Tasks are handed out
// dynamically, so a task must not depend on which worker runs it: workers
// only select scratch space, which a task overwrites before reading.
func forEach(n int, task func(i, worker int)) {
	w := workerCount(n)
	if w == 1 {
		for i := 0; i < n; i++ {
			task(i, 0)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(w)
	for k := 0; k < w; k++ {
		go func(worker int) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				task(i, worker)
			}
		}(k)
	}
	wg.Wait()
}

// scratch holds one growable float32 buffer per worker.
type scratch struct{ bufs [][]float32 }

// prepare makes room for workers buffers of at least size floats each; call
// it before forEach, never from inside a task.
func (s *scratch) prepare(workers, size int) {
	for len(s.bufs) < workers {
		s.bufs = append(s.bufs, nil)
	}
	for i := 0; i < workers; i++ {
		if cap(s.bufs[i]) < size {
			s.bufs[i] = make([]float32, size)
		}
		s.bufs[i] = s.bufs[i][:size]
	}
}

func (s *scratch) get(worker int) []float32 { return s.bufs[worker] }

// grow returns buf resized to n floats, reallocating only when too small.
// The contents are unspecified.
func grow(buf []float32, n int) []float32 {
	if cap(buf) < n {
		return make([]float32, n)
	}
	return buf[:n]
}
