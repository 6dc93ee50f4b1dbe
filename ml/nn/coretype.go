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
	AMD                                             bool // vendor AuthenticAMD
	AVX512F, AVX512CD, AVX512BW, AVX512DQ, AVX512VL bool
	AVX2, FMA                                       bool
}

func hostFeatures() cpuFeatures {
	return cpuFeatures{
		AMD:     cpuVendor() == "AuthenticAMD",
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
// wins. Otherwise cgx names a kernel set whose instructions the CPU (and OS)
// support:
//   - AMD with AVX2 and FMA: Haswell, the AVX2 kernels OpenBLAS itself uses
//     for Zen. On Zen 4, which runs AVX-512 at half width, they beat the
//     AVX-512 SkylakeX kernels by 5-10% on the discriminator's matrix shapes
//     (docs/perf/ml.md);
//   - other CPUs with AVX-512 F, CD, BW, DQ and VL: SkylakeX;
//   - AVX2 and FMA: Haswell;
//   - otherwise OpenBLAS's own detection.
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
	case f.AMD && f.AVX2 && f.FMA:
		return coreTypeChoice{Value: "Haswell", Source: "cgx", Reason: "AMD CPU with AVX2 and FMA (AVX2 kernels, faster than AVX-512 ones on Zen)"}
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

// cpuVendor returns the CPU vendor string ("GenuineIntel", "AuthenticAMD")
// from /proc/cpuinfo, or "" where that is not available.
func cpuVendor() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "vendor_id" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
