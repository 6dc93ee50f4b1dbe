package tracker

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// BuildInfo describes the running binary and machine for run records: the
// Go version, the main module's version, the VCS revision it was built from
// (with "-dirty" when the tree had changes; "" when unknown) and the CPU
// model ("" when unknown).
func BuildInfo() (goVersion, moduleVersion, vcsRevision, cpuModel string) {
	goVersion = runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		moduleVersion = bi.Main.Version
		dirty := false
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				vcsRevision = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		if dirty && vcsRevision != "" {
			vcsRevision += "-dirty"
		}
	}
	return goVersion, moduleVersion, vcsRevision, cpuModelName()
}

func cpuModelName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
