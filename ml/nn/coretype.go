package nn

import (
	"os"
	"strings"

	"golang.org/x/sys/cpu"
)

// EnvCoreType is OpenBLAS's own variable naming the kernel set it uses.
// OpenBLAS reads it once, when the library loads.
const EnvCoreType = "OPENBLAS_CORETYPE"

// cpuFeatures is what the core-type choice looks at.
type cpuFeatures struct {
	AVX512F, AVX512CD, AVX512BW, AVX512DQ, AVX512VL bool
	AVX2, FMA                                       bool
}

func hostFeatures() cpuFeatures {
	return cpuFeatures{
		AVX512F: cpu.X86.HasAVX512F, AVX512CD: cpu.X86.HasAVX512CD,
		AVX512BW: cpu.X86.HasAVX512BW, AVX512DQ: cpu.X86.HasAVX512DQ,
		AVX512VL: cpu.X86.HasAVX512VL,
		AVX2:     cpu.X86.HasAVX2, FMA: cpu.X86.HasFMA,
	}
}

// coreTypeChoice is the OPENBLAS_CORETYPE in force when OpenBLAS loads.
type coreTypeChoice struct {
	Value  string // "" leaves the choice to OpenBLAS's own detection
	Source string // "user" (already set), "cgx" (set for the load) or "openblas" (detection)
	Reason string
}

// chooseCoreType decides OPENBLAS_CORETYPE. A value the user set always
// wins. Otherwise cgx names the widest kernel set whose instructions the
// CPU (and OS) support:
//   - AVX-512 F, CD, BW, DQ and VL: SkylakeX;
//   - AVX2 and FMA: Haswell;
//   - otherwise OpenBLAS's own detection.
//
// (On the AMD EPYC (Zen 4) cgx is measured on, Haswell's AVX2 kernels are a
// few percent faster on the discriminator's small matrices and SkylakeX's
// on large ones; whole training steps do not tell them apart, so the rule
// stays simple. docs/perf/ml.md has the figures.)
//
// Debian's OpenBLAS 0.3.21 does not recognise recent CPUs (an AMD EPYC with
// AVX-512 comes out as "Prescott", SSE3 kernels at a quarter of the
// speed), hence the override.
func chooseCoreType(userValue string, userSet bool, f cpuFeatures) coreTypeChoice {
	if userSet {
		return coreTypeChoice{Value: userValue, Source: "user", Reason: EnvCoreType + " set by the user"}
	}
	if runtimeGOARCH != "amd64" {
		return coreTypeChoice{Source: "openblas", Reason: "not amd64: OpenBLAS detects the core"}
	}
	switch {
	case f.AVX512F && f.AVX512CD && f.AVX512BW && f.AVX512DQ && f.AVX512VL:
		return coreTypeChoice{Value: "SkylakeX", Source: "cgx", Reason: "CPU has AVX-512 F/CD/BW/DQ/VL"}
	case f.AVX2 && f.FMA:
		return coreTypeChoice{Value: "Haswell", Source: "cgx", Reason: "CPU has AVX2 and FMA"}
	}
	return coreTypeChoice{Source: "openblas", Reason: "CPU lacks AVX2/FMA: OpenBLAS detects the core"}
}

// hostCoreType applies chooseCoreType to this process's environment and CPU.
func hostCoreType() coreTypeChoice {
	v, set := os.LookupEnv(EnvCoreType)
	return chooseCoreType(strings.TrimSpace(v), set, hostFeatures())
}
