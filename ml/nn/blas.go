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
// across cores themselves with a fixed decomposition.
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
	BackendAuto     = "auto"     // OpenBLAS when it loads, else pure Go
	BackendOpenBLAS = "openblas" // OpenBLAS through cgo (dlopen at first use)
	BackendGo       = "go"       // pure Go (gonum's SGEMM)
)

// EnvBLAS names the environment variable that picks the backend
// (auto, openblas or go); empty means auto.
const EnvBLAS = "CGX_BLAS"

// LoadBLAS returns the backend called name (see the Backend constants). With
// auto it returns OpenBLAS when the library loads and the pure-Go backend
// otherwise; note then says why OpenBLAS was not used.
func LoadBLAS(name string) (b BLAS, note string, err error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case BackendGo:
		return GoBLAS(), "pure Go requested by " + EnvBLAS + "=go", nil
	case BackendOpenBLAS:
		ob, err := OpenBLAS()
		if err != nil {
			return nil, "", fmt.Errorf("load blas backend %q: %w; install libopenblas-dev (or libopenblas0) or set %s=go", name, err, EnvBLAS)
		}
		return ob, "", nil
	case "", BackendAuto:
		ob, err := OpenBLAS()
		if err != nil {
			return GoBLAS(), "openblas unavailable (" + err.Error() + "), using pure Go", nil
		}
		return ob, "", nil
	default:
		return nil, "", fmt.Errorf("load blas backend %q: %w (want auto, openblas or go in %s)", name, ErrUnknownBackend, EnvBLAS)
	}
}

var defaultBLAS struct {
	once sync.Once
	b    BLAS
	note string
	err  error
}

// DefaultBLAS returns the backend selected by $CGX_BLAS (auto when unset),
// chosen once per process. It fails only when CGX_BLAS names an unknown
// backend or asks for OpenBLAS and it cannot be loaded.
func DefaultBLAS() (BLAS, error) {
	defaultBLAS.once.Do(func() {
		defaultBLAS.b, defaultBLAS.note, defaultBLAS.err = LoadBLAS(os.Getenv(EnvBLAS))
	})
	return defaultBLAS.b, defaultBLAS.err
}

// DefaultBLASNote says why DefaultBLAS chose what it chose when that was not
// the fastest backend ("" otherwise).
func DefaultBLASNote() string {
	_, _ = DefaultBLAS()
	return defaultBLAS.note
}

// ModelOption adjusts how a model built on this package's layers (disc.Model,
// seg.Model) computes: never what it computes, beyond the last bits of
// floating point.
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
// package, and catching it keeps OpenBLAS from writing out of bounds.
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
