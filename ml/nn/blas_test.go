package nn

import (
	"errors"
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

func naiveGemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) []float64 {
	out := make([]float64, m*n)
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for l := 0; l < k; l++ {
				var av, bv float32
				if transA {
					av = a[l*lda+i]
				} else {
					av = a[i*lda+l]
				}
				if transB {
					bv = b[j*ldb+l]
				} else {
					bv = b[l*ldb+j]
				}
				s += float64(av) * float64(bv)
			}
			out[i*n+j] = float64(alpha)*s + float64(beta)*float64(c[i*ldc+j])
		}
	}
	return out
}

func TestSgemmMatchesReference(t *testing.T) {
	type dims struct{ m, n, k int }
	sizes := []dims{{1, 1, 1}, {3, 5, 7}, {64, 200, 9}, {130, 70, 300}, {5, 4, 0}}
	for _, bl := range backends(t) {
		for _, d := range sizes {
			for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
				for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, 0.25}} {
					rng := rand.New(rand.NewPCG(uint64(d.m), uint64(d.n*1000+d.k)))
					lda, ldb, ldc := d.k+1, d.n+2, d.n+3
					if tr[0] {
						lda = d.m + 1
					}
					if tr[1] {
						ldb = d.k + 2
					}
					rows := func(r, ld int) []float32 {
						v := make([]float32, max(r, 1)*ld)
						for i := range v {
							v[i] = float32(rng.Float64()*2 - 1)
						}
						return v
					}
					ar, br := d.m, d.k
					if tr[0] {
						ar = d.k
					}
					if tr[1] {
						br = d.n
					}
					a, b, c := rows(ar, lda), rows(br, ldb), rows(d.m, ldc)
					want := naiveGemm(tr[0], tr[1], d.m, d.n, d.k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					before := append([]float32(nil), c...)
					bl.Sgemm(tr[0], tr[1], d.m, d.n, d.k, ab[0], a, lda, b, ldb, ab[1], c, ldc)
					for i := 0; i < d.m; i++ {
						for j := 0; j < d.n; j++ {
							if got := float64(c[i*ldc+j]); math.Abs(got-want[i*d.n+j]) > 1e-4*(1+math.Abs(want[i*d.n+j]))*math.Sqrt(float64(d.k+1)) {
								t.Fatalf("%s %v trans %v alpha/beta %v: c[%d,%d] = %v, want %v", backendName(bl), d, tr, ab, i, j, got, want[i*d.n+j])
							}
						}
						for j := d.n; j < ldc; j++ { // padding untouched
							if c[i*ldc+j] != before[i*ldc+j] {
								t.Fatalf("%s %v: wrote outside C at row %d column %d", backendName(bl), d, i, j)
							}
						}
					}
				}
			}
		}
	}
}

func TestLoadBLAS(t *testing.T) {
	cases := []struct {
		name    string
		want    string // "portable", "openblas", "error"
		wantErr error
	}{
		{"", "portable", nil},
		{"auto", "portable", nil},
		{"portable", "portable", nil},
		{"go", "portable", nil},
		{" GO ", "portable", nil},
		{"openblas", "openblas", nil},
		{"mkl", "error", ErrUnknownBackend},
	}
	_, obErr := OpenBLAS()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, note, err := LoadBLAS(c.name)
			if c.want == "openblas" && obErr != nil {
				if !errors.Is(err, ErrNoOpenBLAS) {
					t.Fatalf("LoadBLAS(openblas) without the library: %v, want ErrNoOpenBLAS", err)
				}
				return
			}
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("LoadBLAS(%q) error %v, want %v", c.name, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, isPortable := b.(portableBLAS)
			switch {
			case c.want == "portable" && (!isPortable || MachineBound(b)):
				t.Fatalf("LoadBLAS(%q) = %s, want the portable backend", c.name, b.Name())
			case c.want == "openblas" && (isPortable || !MachineBound(b) || note == ""):
				t.Fatalf("LoadBLAS(openblas) = %s (machine-bound %v, note %q), want OpenBLAS, machine-bound, with a note", b.Name(), MachineBound(b), note)
			}
		})
	}
}

func TestParseSIMD(t *testing.T) {
	for _, c := range []struct {
		v      string
		on     bool
		errors bool
	}{{"", true, false}, {"on", true, false}, {" Auto", true, false}, {"off", false, false}, {"OFF", false, false}, {"0", false, false}, {"avx", false, true}} {
		on, err := parseSIMD(c.v)
		if on != c.on || (err != nil) != c.errors || (err != nil && !errors.Is(err, ErrUnknownSIMD)) {
			t.Errorf("parseSIMD(%q) = %v, %v; want %v, error %v", c.v, on, err, c.on, c.errors)
		}
	}
}

func TestChooseCoreType(t *testing.T) {
	avx512 := cpuFeatures{AVX512F: true, AVX512CD: true, AVX512BW: true, AVX512DQ: true, AVX512VL: true, AVX2: true, FMA: true}
	noVL := avx512
	noVL.AVX512VL = false
	cases := []struct {
		name         string
		user         string
		userSet      bool
		f            cpuFeatures
		value, sauce string
	}{
		{"user value wins", "Haswell", true, avx512, "Haswell", "user"},
		{"user empty value still respected", "", true, avx512, "", "user"},
		{"avx-512 gets SkylakeX", "", false, avx512, "SkylakeX", "cgx"},

		{"partial avx-512 gets Haswell", "", false, noVL, "Haswell", "cgx"},
		{"avx2+fma gets Haswell", "", false, cpuFeatures{AVX2: true, FMA: true}, "Haswell", "cgx"},
		{"avx2 without fma left to openblas", "", false, cpuFeatures{AVX2: true}, "", "openblas"},
		{"old cpu left to openblas", "", false, cpuFeatures{}, "", "openblas"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := chooseCoreType(c.user, c.userSet, c.f)
			if runtimeGOARCH != "amd64" && c.sauce == "cgx" {
				c.value, c.sauce = "", "openblas"
			}
			if got.Value != c.value || got.Source != c.sauce || got.Reason == "" {
				t.Fatalf("chooseCoreType = %+v, want value %q source %q", got, c.value, c.sauce)
			}
		})
	}
}

func TestOrderKey(t *testing.T) {
	vals := []float32{float32(math.Inf(-1)), -3e38, -1, -1e-40, float32(math.Copysign(0, -1)), 0, 1e-40, 1, 3e38, float32(math.Inf(1))}
	for i := range vals {
		if fromOrderKey(orderKey(vals[i])) != vals[i] || math.Signbit(float64(fromOrderKey(orderKey(vals[i])))) != math.Signbit(float64(vals[i])) {
			t.Fatalf("fromOrderKey(orderKey(%v)) = %v", vals[i], fromOrderKey(orderKey(vals[i])))
		}
		if i > 0 && !(orderKey(vals[i-1]) < orderKey(vals[i])) {
			t.Fatalf("orderKey(%v) = %#x not below orderKey(%v) = %#x", vals[i-1], orderKey(vals[i-1]), vals[i], orderKey(vals[i]))
		}
	}
}

// BenchmarkSgemm times the matrix products of one image of the reference
// discriminator's training step, plus a large square product, on each
// backend (the portable one with and without SIMD), in GFLOP/s. Set OPENBLAS_CORETYPE to compare OpenBLAS kernels.
func BenchmarkSgemm(b *testing.B) {
	shapes := []struct {
		name    string
		ta, tb  bool
		m, n, k int
	}{
		{"conv1-forward", false, false, 32, 4096, 27},
		{"conv2-forward", false, false, 64, 1024, 288},
		{"conv3-forward", false, false, 64, 256, 576},
		{"conv2-input-grad", true, false, 288, 1024, 64},
		{"conv3-input-grad", true, false, 576, 256, 64},
		{"conv1-weight-grad", false, true, 27, 32, 4096},
		{"conv2-weight-grad", false, true, 288, 64, 1024},
		{"conv3-weight-grad", false, true, 576, 64, 256},
		{"square-1024", false, false, 1024, 1024, 1024},
	}
	type backend struct {
		name string
		bl   BLAS
		simd bool
	}
	bs := []backend{{"portable", PortableBLAS(), true}, {"portable-nosimd", PortableBLAS(), false}}
	if ob, err := OpenBLAS(); err == nil {
		bs = append(bs, backend{"openblas", ob, true})
	}
	defer setSIMD(simd.on)
	for _, be := range bs {
		bl := be.bl
		for _, s := range shapes {
			b.Run(be.name+"/"+s.name, func(b *testing.B) {
				setSIMD(be.simd)
				a, bm, c := make([]float32, s.m*s.k), make([]float32, s.k*s.n), make([]float32, s.m*s.n)
				for i := range a {
					a[i] = float32(i%7) - 3
				}
				for i := range bm {
					bm[i] = float32(i%5) - 2
				}
				lda, ldb := s.k, s.n
				if s.ta {
					lda = s.m
				}
				if s.tb {
					ldb = s.k
				}
				cpu0 := cpuSeconds()
				for i := 0; i < b.N; i++ {
					bl.Sgemm(s.ta, s.tb, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
				}
				flop := float64(2*s.m*s.n*s.k) * float64(b.N)
				b.ReportMetric(flop/b.Elapsed().Seconds()/1e9, "GFLOP/s")
				// CPU time is steadier than wall time on a shared machine.
				b.ReportMetric(flop/(cpuSeconds()-cpu0)/1e9, "cpu-GFLOP/s")
			})
		}
	}
}
