package nn

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

var update = flag.Bool("update", false, "rewrite testdata/portable.digest")

// opsShape is the geometry of allOpsGraph; every size may be an edge case
// (not a multiple of any vector width or tile).
type opsShape struct {
	n, c0, c1, c2, c3, classes, h, w int
}

func randomOpsShape(rng *rand.Rand) opsShape {
	return opsShape{
		n: 1 + rng.IntN(11), c0: 1 + rng.IntN(4), c1: 1 + rng.IntN(9), c2: 1 + rng.IntN(17),
		c3: 1 + rng.IntN(5), classes: 2 + rng.IntN(4), h: 12 + rng.IntN(11), w: 12 + rng.IntN(11),
	}
}

// allOpsGraph builds a network using every Op of the package (frozen
// variants included, a non-"same" convolution among them), runs it with bl
// and returns the logits, the loss and every gradient, as bits.
func allOpsGraph(t *testing.T, bl BLAS, s opsShape, seed uint64) [][]uint32 {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 77))
	vals := func(sh ...int) []float32 {
		v := make([]float32, tensor.Shape(sh).TotalSize())
		for i := range v {
			v[i] = float32(rng.Float64() - 0.5)
		}
		return v
	}
	dense := func(sh ...int) *tensor.Dense {
		return tensor.New(tensor.WithShape(sh...), tensor.WithBacking(vals(sh...)))
	}
	g := gorgonia.NewGraph()
	param := func(name string, sh ...int) *gorgonia.Node {
		return gorgonia.NewTensor(g, tensor.Float32, len(sh), gorgonia.WithShape(sh...), gorgonia.WithValue(dense(sh...)), gorgonia.WithName(name))
	}
	must := func(n *gorgonia.Node, err error) *gorgonia.Node {
		t.Helper()
		if err != nil {
			t.Fatalf("shape %+v: %v", s, err)
		}
		return n
	}
	x := param("x", s.n, s.c0, s.h, s.w)
	scale, shift := param("scale", s.n, s.c0), param("shift", s.n, s.c0)
	w1, b1 := param("w1", s.c1, s.c0, 3, 3), param("b1", s.c1)
	w2, b2 := param("w2", s.c2, s.c1, 3, 3), param("b2", s.c2)
	w3, b3 := param("w3", s.c3, s.c2, 1, 1), param("b3", s.c3)
	h := must(FrozenConvReLUPool(x, dense(s.c0, s.c0, 3, 3), dense(s.c0), ConvPoolOpts{Pad: 1, BLAS: bl}))
	h = must(ChannelAffine(h, scale, shift))
	h = must(ConvReLUPool(h, w1, b1, ConvPoolOpts{Pad: 1, BLAS: bl}))
	h = must(Conv2D(h, w2, b2, ConvOpts{Pad: 1, ReLU: true, BLAS: bl}))
	h = must(MaxPool2D(h, 2))
	h = must(Conv2D(h, w3, b3, ConvOpts{BLAS: bl}))
	h = must(ReLU(h))
	h = must(FrozenConv2D(h, dense(s.c3, s.c3, 2, 2), dense(s.c3), ConvOpts{Pad: 1, BLAS: bl}))
	feat := s.c3 * (s.h/8 + 1) * (s.w/8 + 1)
	lw, lb := param("lw", 7, feat), param("lb", 7)
	z := must(Linear(h, lw, lb, LinearOpts{BLAS: bl}))
	z = must(FrozenLinear(z, dense(s.classes, 7), dense(s.classes), LinearOpts{BLAS: bl}))
	tg := param("t", s.n, s.classes)
	loss := must(WeightedCrossEntropy(z, tg))
	wrt := gorgonia.Nodes{x, scale, shift, w1, b1, w2, b2, w3, b3, lw, lb}
	grads, err := gorgonia.Grad(loss, wrt...)
	if err != nil {
		t.Fatal(err)
	}
	vm := gorgonia.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("shape %+v: %v", s, err)
	}
	l, _ := scalarF32(loss.Value())
	out := [][]float32{{l}, append([]float32(nil), z.Value().Data().([]float32)...)}
	for _, gn := range grads {
		out = append(out, gn.Value().Data().([]float32))
	}
	return toBits(out)
}

func toBits(vals [][]float32) [][]uint32 {
	var bits [][]uint32
	for _, v := range vals {
		b := make([]uint32, len(v))
		for i, f := range v {
			b[i] = math.Float32bits(f)
		}
		bits = append(bits, b)
	}
	return bits
}

// firstDiff returns where a and b first differ, or "".
func firstDiff(a, b [][]uint32) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d outputs against %d", len(a), len(b))
	}
	for i := range a {
		if len(a[i]) != len(b[i]) {
			return fmt.Sprintf("output %d: %d values against %d", i, len(a[i]), len(b[i]))
		}
		for j := range a[i] {
			if a[i][j] != b[i][j] {
				return fmt.Sprintf("output %d value %d: %v against %v", i, j, math.Float32frombits(a[i][j]), math.Float32frombits(b[i][j]))
			}
		}
	}
	return ""
}

// withSIMD runs f with the SIMD kernels on or off, restoring the choice.
func withSIMD(on bool, f func()) {
	defer setSIMD(simd.on)
	setSIMD(on)
	f()
}

// TestOpsSameBitsWithAndWithoutSIMD: every Op, on random shapes, gives the
// same bits with the SIMD kernels (AVX2 SGEMM, C/AVX2 plane loops) as with
// the pure-Go ones that CGX_SIMD=off, GOAMD64=v1-era CPUs and arm64 run.
func TestOpsSameBitsWithAndWithoutSIMD(t *testing.T) {
	if on, names := SIMD(); !on {
		t.Logf("this CPU or build has no SIMD kernels (%s); comparing Go with Go", names)
	}
	rng := rand.New(rand.NewPCG(2026, 13))
	for trial := 0; trial < 6; trial++ {
		s := randomOpsShape(rng)
		seed := rng.Uint64()
		var on, off [][]uint32
		withSIMD(true, func() { on = allOpsGraph(t, PortableBLAS(), s, seed) })
		withSIMD(false, func() { off = allOpsGraph(t, PortableBLAS(), s, seed) })
		if d := firstDiff(on, off); d != "" {
			t.Fatalf("shape %+v seed %d: SIMD on and off differ: %s", s, seed, d)
		}
	}
}

// TestSgemmSameBitsWithAndWithoutSIMD: the portable SGEMM on random shapes
// and strides gives the same bits with and without SIMD.
func TestSgemmSameBitsWithAndWithoutSIMD(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 2026))
	for trial := 0; trial < 40; trial++ {
		p := randomGemm(rng)
		var on, off []float32
		withSIMD(true, func() { on = p.run(PortableBLAS()) })
		withSIMD(false, func() { off = p.run(PortableBLAS()) })
		if d := firstDiff(toBits([][]float32{on}), toBits([][]float32{off})); d != "" {
			t.Fatalf("%+v: SIMD on and off differ: %s", p.dims(), d)
		}
	}
}

// gemmProblem is one random Sgemm call.
type gemmProblem struct {
	ta, tb        bool
	m, n, k       int
	alpha, beta   float32
	lda, ldb, ldc int
	a, b, c       []float32
}

func (p gemmProblem) dims() string {
	return fmt.Sprintf("trans %v/%v m=%d n=%d k=%d alpha=%v beta=%v", p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.beta)
}

func randomGemm(rng *rand.Rand) gemmProblem {
	dim := func() int { return []int{1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 63, 97, 130, 257, 300}[rng.IntN(16)] }
	p := gemmProblem{ta: rng.IntN(2) == 1, tb: rng.IntN(2) == 1, m: dim(), n: dim(), k: dim()}
	p.alpha = []float32{1, 1, 0.5, -1.7}[rng.IntN(4)]
	p.beta = []float32{0, 1, 0.3}[rng.IntN(3)]
	ar, ac, br, bc := p.m, p.k, p.k, p.n
	if p.ta {
		ar, ac = ac, ar
	}
	if p.tb {
		br, bc = bc, br
	}
	p.lda, p.ldb, p.ldc = ac+rng.IntN(3), bc+rng.IntN(3), p.n+rng.IntN(3)
	fill := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32((rng.Float64()*2 - 1) * math.Ldexp(1, rng.IntN(12)-6))
		}
		return v
	}
	p.a, p.b, p.c = fill(ar*p.lda), fill(br*p.ldb), fill(p.m*p.ldc)
	return p
}

// run returns C after the product, leaving p unchanged.
func (p gemmProblem) run(bl BLAS) []float32 {
	c := append([]float32(nil), p.c...)
	bl.Sgemm(p.ta, p.tb, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, c, p.ldc)
	return c
}

// portableDigest hashes the portable backend's results on fixed problems:
// SGEMM calls, whole networks of every Op, Adam steps and LogSoftmax.
func portableDigest(t *testing.T) string {
	h := sha256.New()
	put := func(bits [][]uint32) {
		for _, v := range bits {
			_ = binary.Write(h, binary.LittleEndian, uint64(len(v)))
			_ = binary.Write(h, binary.LittleEndian, v)
		}
	}
	rng := rand.New(rand.NewPCG(42, 4242))
	for i := 0; i < 24; i++ {
		put(toBits([][]float32{randomGemm(rng).run(PortableBLAS())}))
	}
	for i := 0; i < 3; i++ {
		put(allOpsGraph(t, PortableBLAS(), randomOpsShape(rng), rng.Uint64()))
	}
	// Adam and LogSoftmax, which training and evaluation use outside the Ops.
	params, grads := make([]float32, 97), make([]float32, 97)
	opt, err := NewAdam(AdamConfig{LR: 3e-3}, len(params))
	if err != nil {
		t.Fatal(err)
	}
	for step := 0; step < 5; step++ {
		for i := range grads {
			grads[i] = float32(rng.NormFloat64())
		}
		if err := opt.Step([][]float32{params}, [][]float32{grads}); err != nil {
			t.Fatal(err)
		}
	}
	put(toBits([][]float32{params}))
	ls := LogSoftmax(grads, 97, 1)
	ls = append(ls, LogSoftmax(grads[:96], 12, 8)...)
	lsBits := make([]uint32, 0, 2*len(ls))
	for _, v := range ls {
		b := math.Float64bits(v)
		lsBits = append(lsBits, uint32(b), uint32(b>>32))
	}
	put([][]uint32{lsBits})
	return hex.EncodeToString(h.Sum(nil))
}

// TestPortableDigest: the portable backend gives the digest recorded in
// testdata/portable.digest on every build: amd64 with or without SIMD,
// cgo or not, arm64 (run this test under qemu-aarch64-static). Regenerate
// with -update only when a change is meant to move results.
func TestPortableDigest(t *testing.T) {
	path := filepath.Join("testdata", "portable.digest")
	for _, on := range []bool{true, false} {
		var got string
		withSIMD(on, func() { got = portableDigest(t) })
		if *update && on {
			if err := os.MkdirAll("testdata", 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read golden digest (run with -update to create it): %v", err)
		}
		if got != strings.TrimSpace(string(want)) {
			_, names := SIMD()
			t.Fatalf("SIMD %v (%s), GOARCH %s: digest %s, want %s from %s", on, names, runtimeGOARCH, got, strings.TrimSpace(string(want)), path)
		}
		t.Logf("SIMD %v: digest %s", on, got)
	}
}
