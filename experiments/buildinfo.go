package experiments

import (
	"bufio"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// buildInfo returns the Go version, module version, VCS revision (with
// "+dirty" when the tree was modified) and CPU model recorded with every run.
func buildInfo() (goVersion, moduleVersion, vcsRevision, cpuModel string) {
	goVersion = runtime.Version()
	moduleVersion, vcsRevision = "(devel)", "unknown"
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			moduleVersion = bi.Main.Version
		}
		var rev, dirty string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					dirty = "+dirty"
				}
			}
		}
		if rev != "" {
			vcsRevision = rev + dirty
		}
	}
	cpuModel = runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				cpuModel = strings.TrimSpace(v)
				break
			}
		}
	}
	return goVersion, moduleVersion, vcsRevision, cpuModel
}
