package datasets

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/blender/style"
)

// BenchmarkGenerate64 generates a 512-image experiment-2 shelf set at 64 px
// end to end (scene, render, domain, PNG encode, hash,
// store into an in-memory store) in the "real" domain (with and without
// masks) and in the identity domain, and reports images per second: the
// dataset stage's cost without the database's. img/CPU-s divides by the
// process's user and system time, which other processes on a busy machine
// move much less than the wall clock.
func BenchmarkGenerate64(b *testing.B) {
	for _, c := range []struct {
		domain string
		masks  bool
	}{{"real", false}, {"real", true}, {"identity", false}} {
		masks := c.masks
		b.Run(fmt.Sprintf("%s/masks-%v", c.domain, masks), func(b *testing.B) {
			dom, err := style.DomainByName(c.domain)
			if err != nil {
				b.Fatal(err)
			}
			const n = 512
			ctx := context.Background()
			cpu0 := cpuSeconds(b)
			for i := 0; b.Loop(); i++ {
				spec := Spec{Generator: "exp2-shelf", Count: n, Size: 64, Seed: int64(i), Domain: dom, Masks: masks}
				if _, err := Generate(ctx, newMemStore(), spec, GenerateOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "img/s")
			b.ReportMetric(float64(b.N*n)/(cpuSeconds(b)-cpu0), "img/CPU-s")
		})
	}
}

// cpuSeconds is the process's user plus system time so far.
func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
