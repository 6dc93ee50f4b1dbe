package datasets

import (
	"context"
	"sync"
)

// forEach calls fn(i) for i in [0, n) on up to workers goroutines. It stops
// handing out indexes once ctx is done and then returns ctx's error;
// otherwise it returns the error of the lowest index that failed, so the
// answer does not depend on scheduling.
func forEach(ctx context.Context, n, workers int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	next := make(chan int)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				errs[i] = fn(i)
			}
		}()
	}
	for i := range n {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
