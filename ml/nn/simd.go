package nn

import (
	"fmt"
	"os"
	"strings"

	"github.com/cgx-dev/cgx/ml/nn/internal/gemm"
)

// EnvSIMD names the environment variable that turns the SIMD kernels off:
// CGX_SIMD=off runs the pure-Go SGEMM kernel and the Go plane kernels on
// every CPU. Results are the same bits either way (that is the point of the
// switch: a user who suspects a kernel, and the test that checks they
// agree, can compare). Empty, "on" or "auto" use SIMD where the CPU has it;
// "avx2" or "avx512" (amd64), "neon" or "neon-4x16" (arm64) choose the
// SGEMM kernel (an error if the CPU lacks it).
const EnvSIMD = "CGX_SIMD"

// simd is the kernel choice, fixed at init from $CGX_SIMD and the CPU;
// tests switch it with setSIMD between runs, never during one.
var simd = struct {
	on     bool  // SIMD kernels wanted (CGX_SIMD not off)
	envErr error // CGX_SIMD held an unknown value (treated as off)
	gemm   gemm.Kernel
	planes planeKernels
}{}

// simdKernels are the best SGEMM micro-kernel and plane kernels this CPU
// runs (the Go ones where the architecture files find none).
var simdKernels struct {
	gemm   gemm.Kernel
	planes planeKernels
}

func init() {
	simdKernels.gemm, simdKernels.planes = gemm.Best(), archPlaneKernels()
	v := os.Getenv(EnvSIMD)
	on, err := parseSIMD(v)
	if err != nil {
		if k, ok := gemm.Named(v); ok {
			simdKernels.gemm, on, err = k, true, nil
		}
	}
	simd.envErr = err
	setSIMD(on)
}

// parseSIMD reads a CGX_SIMD value.
func parseSIMD(v string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "on", "auto", "1", "true":
		return true, nil
	case "off", "0", "false", "go":
		return false, nil
	default:
		want := "on or off"
		if gemm.KernelNames != "" {
			want = "on, off, or a kernel this CPU runs: " + gemm.KernelNames
		}
		return false, fmt.Errorf("%s=%q: %w (want %s); running without SIMD", EnvSIMD, v, ErrUnknownSIMD, want)
	}
}

// setSIMD selects the SIMD kernels (on) or the Go ones everywhere.
func setSIMD(on bool) {
	simd.on = on
	if on {
		simd.gemm, simd.planes = simdKernels.gemm, simdKernels.planes
	} else {
		simd.gemm, simd.planes = gemm.Go(), goKernels
	}
}

// SIMD reports whether SIMD kernels run (false when CGX_SIMD=off or the CPU
// has none that cgx uses) and names them.
func SIMD() (on bool, kernels string) {
	on = simd.gemm.Name != gemm.Go().Name || simd.planes.name != goKernels.name
	return on, "sgemm " + simd.gemm.Name + ", plane loops " + simd.planes.name
}

func gemmKernel() gemm.Kernel { return simd.gemm }
