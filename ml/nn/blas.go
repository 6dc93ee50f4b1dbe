package nn

import (
	"fmt"
	"os"
	"strings"
	"sync"
)

// BLAS is the matrix-multiply backend the layer kernels call. Matrices are
// row-major float32 slices.
//
// Contract: Sgemm runs on the calling goroutine only (no threads of its own),
// is safe for concurrent use, and is deterministic: the same inputs and sizes
// give the same bits on every call. The layers rely on all three to split work
// across cores themselves with a fixed decomposition. A backend that also
// gives the same bits on every machine says so with a Portable() bool
// method (see MachineBound).
type BLAS interface {
	// Name says which kernels run, e.g. "openblas 0.3.21, core SkylakeX".
	Name() string
	// Sgemm computes C = alpha*op(A)*op(B) + beta*C where op(A) is m×k,
	// op(B) is k×n and C is m×n; transA and transB transpose A and B. lda,
	// ldb and ldc are the row strides of A, B and C as stored.
	Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// Backend names accepted by CGX_BLAS and LoadBLAS.
const (
	BackendAuto     = "auto"     // the portable backend (the default)
	BackendPortable = "portable" // cgx's own SGEMM: same bits on every machine
	BackendGo       = "go"       // older name of portable, still accepted
	BackendOpenBLAS = "openblas" // OpenBLAS through cgo (dlopen at first use); machine-bound
)

// EnvBLAS names the environment variable that picks the backend
// (auto, portable, go or openblas); empty means auto.
const EnvBLAS = "CGX_BLAS"

// LoadBLAS returns the backend called name (see the Backend constants):
// the portable backend unless name is openblas. note says why the backend
// is not the usual one, or is "".
func LoadBLAS(name string) (b BLAS, note string, err error) {
	if simd.envErr != nil {
		return nil, "", fmt.Errorf("load blas backend: %w", simd.envErr)
	}
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "", BackendAuto, BackendPortable, BackendGo:
		if !simd.on {
			note = "SIMD kernels off (" + EnvSIMD + "=off): same results, slower"
		}
		return PortableBLAS(), note, nil
	case BackendOpenBLAS:
		ob, err := OpenBLAS()
		if err != nil {
			return nil, "", fmt.Errorf("load blas backend %q: %w; install libopenblas-dev (or libopenblas0), or unset %s to use the portable backend", name, err, EnvBLAS)
		}
		return ob, "OpenBLAS chosen by " + EnvBLAS + "=openblas: results are bound to this machine's OpenBLAS kernels", nil
	default:
		return nil, "", fmt.Errorf("load blas backend %q: %w (want auto, portable or openblas in %s)", name, ErrUnknownBackend, EnvBLAS)
	}
}

// MachineBound reports whether results computed with b may differ, in the
// last bits, on another machine: true for OpenBLAS (its kernels depend on
// the CPU and library version) and for any backend that does not declare
// itself portable with a Portable() bool method. Run records mark such runs
// so that a failed rerun elsewhere is explained.
func MachineBound(b BLAS) bool {
	p, ok := b.(interface{ Portable() bool })
	return !ok || !p.Portable()
}

var defaultBLAS struct {
	once sync.Once
	b    BLAS
	note string
	err  error
}

// DefaultBLAS returns the backend selected by $CGX_BLAS (the portable one
// when unset), chosen once per process. It fails when CGX_BLAS names an
// unknown backend or asks for OpenBLAS and it cannot be loaded, or when
// CGX_SIMD holds an unknown value.
func DefaultBLAS() (BLAS, error) {
	defaultBLAS.once.Do(func() {
		defaultBLAS.b, defaultBLAS.note, defaultBLAS.err = LoadBLAS(os.Getenv(EnvBLAS))
	})
	return defaultBLAS.b, defaultBLAS.err
}

// DefaultBLASNote says what is unusual about DefaultBLAS's choice (SIMD
// switched off, OpenBLAS chosen), or is "".
func DefaultBLASNote() string {
	_, _ = DefaultBLAS()
	return defaultBLAS.note
}

// ModelOption adjusts how a model built on this package's layers (disc.Model,
// seg.Model) computes: never what it computes (beyond the last bits, with a
// machine-bound backend such as OpenBLAS).
type ModelOption func(*modelOptions)

type modelOptions struct{ blas BLAS }

// WithBLAS makes a model's layers use b instead of DefaultBLAS().
func WithBLAS(b BLAS) ModelOption { return func(o *modelOptions) { o.blas = b } }

// ModelBLAS applies opts and returns the backend they choose: the one given
// with WithBLAS, else DefaultBLAS().
func ModelBLAS(opts []ModelOption) (BLAS, error) {
	var o modelOptions
	for _, f := range opts {
		f(&o)
	}
	b, err := resolveBLAS(o.blas)
	if err != nil {
		return nil, fmt.Errorf("choose blas backend: %w", err)
	}
	return b, nil
}

// resolveBLAS returns b, or the default backend when b is nil.
func resolveBLAS(b BLAS) (BLAS, error) {
	if b != nil {
		return b, nil
	}
	return DefaultBLAS()
}

// checkGemm panics when the slices are too short for the product; the layers
// size every buffer from validated shapes, so a failure here is a bug in this
// package, and catching it keeps OpenBLAS and the assembly kernels from
// writing out of bounds.
func checkGemm(transA, transB bool, m, n, k int, a []float32, lda int, b []float32, ldb int, c []float32, ldc int) {
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m == 0 || n == 0 {
		return
	}
	if lda < max(ac, 1) || ldb < max(bc, 1) || ldc < max(n, 1) ||
		(k > 0 && (len(a) < (ar-1)*lda+ac || len(b) < (br-1)*ldb+bc)) || len(c) < (m-1)*ldc+n {
		panic(fmt.Sprintf("nn: sgemm operands too short: m=%d n=%d k=%d lda=%d ldb=%d ldc=%d len(a)=%d len(b)=%d len(c)=%d",
			m, n, k, lda, ldb, ldc, len(a), len(b), len(c)))
	}
}
