package experiments

import (
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/ml/nn"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// TestEnvironmentRoundTrip: what a run records reads back the same, and the
// portable backend is not machine-bound.
func TestEnvironmentRoundTrip(t *testing.T) {
	env := CurrentEnvironment(nn.PortableBLAS())
	if env.MachineBound || env.CodeVersion != CodeVersion || env.DBFormat != bolt.FormatVersion ||
		env.OS != runtime.GOOS || env.Arch != runtime.GOARCH || env.BLAS == "" {
		t.Fatalf("current environment %+v", env)
	}
	run := tracker.Run{Attrs: env.attrs(), GoVersion: env.GoVersion, ModuleVersion: env.Module,
		VCSRevision: env.Revision, CPUModel: env.CPU}
	if d := cmp.Diff(env, RunEnvironment(run)); d != "" {
		t.Errorf("recorded environment reads back differently (-recorded +read):\n%s", d)
	}
}

// TestCompareEnvironments names each recorded difference once, in a fixed
// order, with a note for the backend, and skips what the stored run did not
// record.
func TestCompareEnvironments(t *testing.T) {
	stored := Environment{CodeVersion: "cgx-stages-1", DBFormat: 2, OS: "linux", Arch: "amd64",
		BLAS: "openblas 0.3.21, core Haswell", MachineBound: true}
	again := Environment{CodeVersion: CodeVersion, DBFormat: 3, OS: "linux", Arch: "arm64", BLAS: "portable",
		GoVersion: "go1.26", CPU: "Neoverse"}
	var keys []string
	for _, d := range CompareEnvironments(stored, again) {
		keys = append(keys, d.Key)
		if d.Key == "blas" && !strings.Contains(d.Note, "machine-bound") {
			t.Errorf("blas difference without a note: %+v", d)
		}
	}
	want := []string{"code_version", "db_format", "blas", "machine_bound", "goarch"}
	if d := cmp.Diff(want, keys); d != "" {
		t.Errorf("differences (-want +got):\n%s", d)
	}
	// A run recorded before machine_bound existed: derived from the backend name.
	old := RunEnvironment(tracker.Run{Attrs: map[string]string{"blas": "openblas 0.3.21"}})
	if !old.MachineBound || old.CodeVersion != "" {
		t.Errorf("old run's environment %+v", old)
	}
}
