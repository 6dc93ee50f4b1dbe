package fit

import (
	"runtime"
	"testing"
	"weak"
)

// TestBatchGraphIsCollected: a batch's graph and machine become garbage once
// fitBatch drops them. The graph's reads write into the batchGraph that
// holds the machine, a cycle; gorgonia's finalizer on the machine used to
// pin it, so every batch of a fit stayed in memory with its ops' buffers
// (14 GB by the end of style/all at the paper profile).
func TestBatchGraphIsCollected(t *testing.T) {
	m := lookup(t, "brightness-contrast")
	clf := newTinyConv(1)
	const n, h, w = 4, 8, 8
	im := Images{N: n, H: h, W: w, Pix: make([]float32, n*3*h*w), Seeds: make([]int64, n)}
	for i := range im.Pix {
		im.Pix[i] = float32(i%7) / 7
	}
	p := func() weak.Pointer[batchGraph] {
		b, err := buildBatch(clf, m, im, 1, false)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		b.vm.Reset()
		if err := b.vm.Close(); err != nil {
			t.Fatal(err)
		}
		return weak.Make(b)
	}()
	for range 3 {
		runtime.GC()
	}
	if p.Value() != nil {
		t.Error("a closed batch graph is still reachable after garbage collection")
	}
}
