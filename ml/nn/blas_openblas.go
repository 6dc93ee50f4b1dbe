//go:build cgo

package nn

/*
#cgo LDFLAGS: -ldl
#include <dlfcn.h>
#include <stdlib.h>

typedef void (*cgx_sgemm_fn)(int, int, int, int, int, int, float, const float *, int,
                             const float *, int, float, float *, int);
typedef void (*cgx_setint_fn)(int);
typedef char *(*cgx_str_fn)(void);

static cgx_sgemm_fn cgx_sgemm_p;

// cgx_openblas_open loads OpenBLAS from path. coretype, when not NULL, is put
// in OPENBLAS_CORETYPE for the load only (OpenBLAS reads it in its load-time
// constructor); one_thread likewise sets OPENBLAS_NUM_THREADS=1 so no thread
// pool starts. It returns NULL on success or a message.
static const char *cgx_openblas_open(const char *path, const char *coretype, int one_thread,
                                     const char **config, const char **core) {
	if (coretype) setenv("OPENBLAS_CORETYPE", coretype, 1);
	if (one_thread) setenv("OPENBLAS_NUM_THREADS", "1", 1);
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (coretype) unsetenv("OPENBLAS_CORETYPE");
	if (one_thread) unsetenv("OPENBLAS_NUM_THREADS");
	if (!h) return dlerror();
	cgx_sgemm_p = (cgx_sgemm_fn)dlsym(h, "cblas_sgemm");
	if (!cgx_sgemm_p) return "library has no cblas_sgemm";
	cgx_setint_fn st = (cgx_setint_fn)dlsym(h, "openblas_set_num_threads");
	if (st) st(1);
	cgx_str_fn f = (cgx_str_fn)dlsym(h, "openblas_get_config");
	*config = f ? f() : "";
	f = (cgx_str_fn)dlsym(h, "openblas_get_corename");
	*core = f ? f() : "";
	return NULL;
}

static void cgx_sgemm(int ta, int tb, int m, int n, int k, float alpha, const float *a, int lda,
                      const float *b, int ldb, float beta, float *c, int ldc) {
	// 101 CblasRowMajor, 111 CblasNoTrans, 112 CblasTrans
	cgx_sgemm_p(101, ta ? 112 : 111, tb ? 112 : 111, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
*/
import "C"

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"
)

// EnvOpenBLASPath names a variable that overrides the library path.
const EnvOpenBLASPath = "CGX_OPENBLAS"

// openblasCandidates are tried in order when CGX_OPENBLAS is unset.
var openblasCandidates = []string{"libopenblas.so.0", "libopenblas.so"}

type openBLAS struct{ name string }

var openBLASLoad struct {
	once sync.Once
	b    *openBLAS
	err  error
}

// OpenBLAS loads OpenBLAS (once per process) and returns it as a
// single-threaded backend. It chooses OPENBLAS_CORETYPE from the CPU's
// features unless the user set it (see chooseCoreType), and says in Name
// which core OpenBLAS reports running.
func OpenBLAS() (BLAS, error) {
	openBLASLoad.once.Do(func() {
		openBLASLoad.b, openBLASLoad.err = loadOpenBLAS()
	})
	if openBLASLoad.err != nil {
		return nil, openBLASLoad.err
	}
	return openBLASLoad.b, nil
}

func loadOpenBLAS() (*openBLAS, error) {
	paths := openblasCandidates
	if p := os.Getenv(EnvOpenBLASPath); p != "" {
		paths = []string{p}
	}
	choice := hostCoreType()
	_, threadsSet := os.LookupEnv("OPENBLAS_NUM_THREADS")
	var ccore *C.char
	if choice.Source == "cgx" {
		ccore = C.CString(choice.Value)
		defer C.free(unsafe.Pointer(ccore))
	}
	oneThread := C.int(0)
	if !threadsSet {
		oneThread = 1
	}
	var msgs []string
	for _, p := range paths {
		cpath := C.CString(p)
		var config, core *C.char
		msg := C.cgx_openblas_open(cpath, ccore, oneThread, &config, &core)
		C.free(unsafe.Pointer(cpath))
		if msg != nil {
			msgs = append(msgs, C.GoString(msg))
			continue
		}
		return &openBLAS{name: describeOpenBLAS(C.GoString(config), C.GoString(core), choice)}, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrNoOpenBLAS, strings.Join(msgs, "; "))
}

// describeOpenBLAS names the library, the core it runs and why.
func describeOpenBLAS(config, core string, choice coreTypeChoice) string {
	version := "openblas"
	if f := strings.Fields(config); len(f) >= 2 && f[0] == "OpenBLAS" {
		version = "openblas " + f[1]
	}
	var why string
	switch choice.Source {
	case "cgx":
		why = fmt.Sprintf("%s=%s set by cgx: %s", EnvCoreType, choice.Value, choice.Reason)
	case "user":
		why = fmt.Sprintf("%s=%s set by the user", EnvCoreType, choice.Value)
	default:
		why = "core detected by OpenBLAS: " + choice.Reason
	}
	return fmt.Sprintf("%s, core %s (%s), single-threaded calls", version, core, why)
}

func (o *openBLAS) Name() string { return o.name }

// Portable is false: OpenBLAS's kernels, and hence the last bits of its
// results, depend on the CPU and the library version.
func (o *openBLAS) Portable() bool { return false }

func (o *openBLAS) Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemm(transA, transB, m, n, k, a, lda, b, ldb, c, ldc)
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		scaleTile(c, ldc, m, n, beta)
		return
	}
	ta, tb := C.int(0), C.int(0)
	if transA {
		ta = 1
	}
	if transB {
		tb = 1
	}
	C.cgx_sgemm(ta, tb, C.int(m), C.int(n), C.int(k), C.float(alpha),
		(*C.float)(unsafe.Pointer(&a[0])), C.int(lda),
		(*C.float)(unsafe.Pointer(&b[0])), C.int(ldb),
		C.float(beta), (*C.float)(unsafe.Pointer(&c[0])), C.int(ldc))
}
