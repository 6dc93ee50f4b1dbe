package gemm

import "testing"

// TestFasterPicksOneOfTwo: faster returns one of the kernels it is given,
// and Best is one choice per process.
func TestFasterPicksOneOfTwo(t *testing.T) {
	a := Best()
	if got := faster(a, goKernel); got.Name != a.Name && got.Name != goKernel.Name {
		t.Errorf("faster(%s, %s) = %s", a.Name, goKernel.Name, got.Name)
	}
	if got := faster(goKernel, goKernel); got.Name != goKernel.Name {
		t.Errorf("faster(Go, Go) = %s", got.Name)
	}
	for range 3 {
		if b := Best(); b.Name != a.Name {
			t.Fatalf("Best changed from %s to %s within one process", a.Name, b.Name)
		}
	}
}
