package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
)

// cpuSeconds is the user CPU time this process has used.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec) + float64(ru.Utime.Usec)/1e6
}

// reference computes C = alpha·op(A)·op(B) + beta·C exactly as the package
// comment defines it, one element at a time.
func reference(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			switch beta {
			case 0:
			case 1:
				s = c[i*ldc+j]
			default:
				s = float32(beta * c[i*ldc+j])
			}
			for p := 0; p < k; p++ {
				ai, bi := i*lda+p, p*ldb+j
				if transA {
					ai = p*lda + i
				}
				if transB {
					bi = j*ldb + p
				}
				av, bv := a[ai], b[bi]
				if alpha != 1 {
					av = float32(alpha * av)
				}
				s += float32(av * bv)
			}
			c[i*ldc+j] = s
		}
	}
}

// kernels lists every kernel this CPU can run.
func kernels() []Kernel {
	ks := []Kernel{Go()}
	if b := Best(); b.Name != Go().Name {
		ks = append(ks, b)
	}
	return append(ks, extraKernels()...)
}

// randMat fills r×ld values with a mix of magnitudes so that roundings
// depend on the order of operations.
func randMat(rng *rand.Rand, r, ld int) []float32 {
	v := make([]float32, max(r, 1)*ld)
	for i := range v {
		v[i] = float32((rng.Float64()*2 - 1) * math.Pow(2, float64(rng.IntN(16)-8)))
	}
	return v
}

// TestKernelsMatchDefinition: every kernel gives the bits of the defining
// loop, for shapes on and off every tile and block edge, all transpositions
// and alpha/beta cases, with padded strides left untouched.
func TestKernelsMatchDefinition(t *testing.T) {
	sizes := [][3]int{
		{1, 1, 1}, {1, 17, 3}, {6, 16, 1}, {7, 17, 5}, {5, 31, 33}, {13, 15, 2},
		{12, 32, 64}, {97, 33, 9}, {31, 513, 7}, {40, 70, 257}, {100, 600, 300}, {4, 4, 0},
	}
	rng := rand.New(rand.NewPCG(13, 1))
	for _, mk := range kernels() {
		for _, d := range sizes {
			m, n, k := d[0], d[1], d[2]
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				for _, ab := range [][2]float32{{1, 0}, {1, 1}, {0.7, -1.3}} {
					name := fmt.Sprintf("%s/%dx%dx%d/trans%v/alpha%v-beta%v", mk.Name, m, n, k, tr, ab[0], ab[1])
					lda, ldb, ldc := k+1, n+2, n+3
					ar, br := m, k
					if tr[0] {
						lda, ar = m+1, k
					}
					if tr[1] {
						ldb, br = k+2, n
					}
					a, b, c := randMat(rng, ar, lda), randMat(rng, br, ldb), randMat(rng, m, ldc)
					want := append([]float32(nil), c...)
					reference(tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], want, ldc)
					got := append([]float32(nil), c...)
					Sgemm(mk, tr[0], tr[1], m, n, k, ab[0], a, lda, b, ldb, ab[1], got, ldc)
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("%s: c[%d,%d] = %v (%#x), want %v (%#x)", name, i/ldc, i%ldc, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
						}
					}
				}
			}
		}
	}
}

// TestKernelsSubnormal: products and sums in the subnormal range (and
// signed zeros) come out as the defining loop gives them, so no kernel
// flushes to zero where another does not (arm64's FPCR.FZ, x86's FTZ/DAZ).
func TestKernelsSubnormal(t *testing.T) {
	const m, n, k = 9, 13, 11
	rng := rand.New(rand.NewPCG(7, 7))
	a, b := make([]float32, m*k), make([]float32, k*n)
	for i := range a {
		a[i] = float32((rng.Float64()*2 - 1) * 1e-20)
	}
	for i := range b {
		b[i] = float32((rng.Float64()*2 - 1) * 1e-19)
	}
	a[0], b[0] = float32(math.Copysign(0, -1)), 0
	for _, mk := range kernels() {
		want, got := make([]float32, m*n), make([]float32, m*n)
		reference(false, false, m, n, k, 1, a, k, b, n, 0, want, n)
		Sgemm(mk, false, false, m, n, k, 1, a, k, b, n, 0, got, n)
		subnormal := 0
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s: c[%d,%d] = %g (%#x), want %g (%#x)", mk.Name, i/n, i%n, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
			if w := math.Abs(float64(want[i])); w != 0 && w < 0x1p-126 {
				subnormal++
			}
		}
		if subnormal == 0 {
			t.Fatalf("%s: no subnormal result; the test no longer covers them", mk.Name)
		}
	}
}

// TestChoose: Sgemm runs the kernel (of a kernel and its alternatives)
// that pads the result least, the first on a tie.
func TestChoose(t *testing.T) {
	k4x16 := Kernel{Name: "4x16", mr: 4, nr: 16}
	k8x12 := Kernel{Name: "8x12", mr: 8, nr: 12, alts: []Kernel{k4x16}}
	tests := []struct {
		m, n int
		want string
	}{
		{16, 16, "4x16"},  // 16×24 against 16×16
		{144, 32, "4x16"}, // 144×36 against 144×32
		{32, 24, "8x12"},  // exact against 32×32
		{8, 12, "8x12"},
		{27, 64, "4x16"}, // 32×72 against 28×64
		{8, 4, "8x12"},   // 8×12 against 8×16
	}
	for _, tt := range tests {
		if got := choose(k8x12, tt.m, tt.n).Name; got != tt.want {
			t.Errorf("choose(%d×%d) = %s, want %s", tt.m, tt.n, got, tt.want)
		}
	}
}

// TestBetaZeroClearsNaN: beta 0 overwrites C whatever it held, as BLAS does.
func TestBetaZeroClearsNaN(t *testing.T) {
	for _, mk := range kernels() {
		c := []float32{float32(math.NaN()), float32(math.Inf(1))}
		Sgemm(mk, false, false, 1, 2, 1, 1, []float32{2}, 1, []float32{3, 4}, 2, 0, c, 2)
		if c[0] != 6 || c[1] != 8 {
			t.Fatalf("%s: got %v, want [6 8]", mk.Name, c)
		}
	}
}

func BenchmarkKernels(b *testing.B) {
	const m, n, k = 192, 512, 256
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"nn", false, false, m, n, k},
		{"conv2-forward", false, false, 64, 1024, 288},
		{"conv2-weight-grad", false, true, 288, 64, 1024},
		{"conv2-input-grad", true, false, 288, 1024, 64},
	}
	for _, sh := range shapes {
		a, bm, c := randMat(rng, sh.m, sh.k), randMat(rng, sh.k, sh.n), make([]float32, sh.m*sh.n)
		lda, ldb := sh.k, sh.n
		if sh.ta {
			lda = sh.m
		}
		if sh.tb {
			ldb = sh.k
		}
		for _, mk := range kernels() {
			b.Run(sh.name+"/"+mk.Name, func(b *testing.B) {
				cpu0 := cpuSeconds()
				for b.Loop() {
					Sgemm(mk, sh.ta, sh.tb, sh.m, sh.n, sh.k, 1, a, lda, bm, ldb, 0, c, sh.n)
				}
				flop := float64(2*sh.m*sh.n*sh.k) * float64(b.N)
				b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				// On a shared machine the CPU time this process got is a
				// steadier measure than wall time.
				b.ReportMetric(flop/(cpuSeconds()-cpu0)/1e9, "cpu-GFLOP/s")
			})
		}
	}
}
