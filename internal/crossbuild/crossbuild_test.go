package crossbuild

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/cpu"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

const (
	envEnable    = "CGX_CROSSBUILD"
	envBuilds    = "CGX_CROSSBUILD_BUILDS"
	envSpecs     = "CGX_CROSSBUILD_SPECS"
	envQEMUSpecs = "CGX_CROSSBUILD_QEMU_SPECS"
	envKeep      = "CGX_CROSSBUILD_KEEP"
	envReuse     = "CGX_CROSSBUILD_REUSE"
)

// defaultQEMUSpecs are the jobs run under qemu when CGX_CROSSBUILD_QEMU_SPECS
// is unset: one spec of each kind. Segmentation's smoke profile trains 14
// networks (7 training sets, 2 seeds) for 15 epochs, hours of CPU under
// qemu, so its job trains each set once, for 2 epochs on 48 images; every
// stage kind still runs and is compared (docs/DETERMINISM.md).
var defaultQEMUSpecs = []string{"style/blur", "content/exp1", qemuSegmentation}

// qemuSegmentation is the segmentation job under qemu.
const qemuSegmentation = "segmentation/baseline-vs-proposals@segmentation.seeds=1@segmentation.epochs=2@segmentation.images=48"

// build is one way of compiling ./cmd/cgx.
type build struct {
	name   string
	goenv  []string // added to go build's environment
	runenv []string // added to the environment of every cgx run
	qemu   bool     // run under qemu-aarch64-static
	bin    string   // the built executable
	jobs   []job    // the smoke runs this build makes
}

func knownBuilds() map[string]build {
	return map[string]build{
		"default":  {name: "default"},
		"nocgo-v1": {name: "nocgo-v1", goenv: []string{"CGO_ENABLED=0", "GOAMD64=v1"}},
		"v3":       {name: "v3", goenv: []string{"GOAMD64=v3"}},
		"arm64":    {name: "arm64", goenv: []string{"GOARCH=arm64", "CGO_ENABLED=0"}, qemu: true},
		"simd-off": {name: "simd-off", runenv: []string{"CGX_SIMD=off"}},
	}
}

func enabled(t *testing.T) {
	t.Helper()
	if os.Getenv(envEnable) == "" {
		t.Skipf("set %s=1 to build cgx several ways and compare smoke runs (minutes)", envEnable)
	}
}

// TestCrossBuild runs the smoke profile of every built-in spec with each
// build and checks that every stored digest equals the default build's.
func TestCrossBuild(t *testing.T) {
	enabled(t)
	names := list(os.Getenv(envBuilds), []string{"default", "nocgo-v1", "v3", "arm64"})
	if names[0] != "default" {
		names = append([]string{"default"}, names...)
	}
	var builds []build
	for _, n := range names {
		b, ok := knownBuilds()[n]
		if !ok {
			t.Fatalf("%s: unknown build %q (known: default, nocgo-v1, v3, arm64, simd-off)", envBuilds, n)
		}
		if n == "v3" && !(runtime.GOARCH == "amd64" && cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasBMI2) {
			t.Logf("build v3 skipped: this CPU lacks AVX2, FMA or BMI2")
			continue
		}
		builds = append(builds, b)
	}
	compareBuilds(t, builds)
}

// TestSIMDSwitch runs every spec's smoke profile with one build twice, with
// the SIMD kernels on (the default) and forced off (CGX_SIMD=off).
func TestSIMDSwitch(t *testing.T) {
	enabled(t)
	k := knownBuilds()
	compareBuilds(t, []build{k["default"], k["simd-off"]})
}

func compareBuilds(t *testing.T, builds []build) {
	root := moduleRoot(t)
	dir := t.TempDir()
	if keep := os.Getenv(envKeep); keep != "" {
		dir = keep
	}
	start := time.Now()
	for i := range builds {
		builds[i].bin = buildCGX(t, root, dir, builds[i])
	}
	t.Logf("built %d ways in %s", len(builds), time.Since(start).Round(time.Second))

	specs := list(os.Getenv(envSpecs), nil)
	if specs == nil {
		specs = builtinSpecs(t, builds[0])
	}
	native, err := parseJobs(specs)
	if err != nil {
		t.Fatalf("%s: %v", envSpecs, err)
	}
	qemuJobs, err := parseJobs(list(os.Getenv(envQEMUSpecs), defaultQEMUSpecs))
	if err != nil {
		t.Fatalf("%s: %v", envQEMUSpecs, err)
	}
	var qemu string
	for i := range builds {
		builds[i].jobs = native
		if builds[i].qemu {
			builds[i].jobs = qemuJobs
			if qemu == "" {
				qemu = findQEMU(t)
			}
			// The reference build runs every job another build runs,
			// reduced ones included, with the same overrides.
			builds[0].jobs = addJobs(builds[0].jobs, qemuJobs)
		}
	}

	// Each build runs its jobs in order into its own databases; the builds
	// run side by side.
	var wg sync.WaitGroup
	errs := make([]error, len(builds))
	for i, b := range builds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = runJobs(t, dir, qemu, b)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("smoke runs done in %s", time.Since(start).Round(time.Second))

	dbs := map[string]*bolt.Store{}
	open := func(b build, j job) *bolt.Store {
		p := j.db(dir, b)
		if dbs[p] == nil {
			dbs[p] = openDB(t, p, b)
		}
		return dbs[p]
	}
	for _, b := range builds[1:] {
		for _, j := range b.jobs {
			compareSpec(t, open(builds[0], j), builds[0], open(b, j), b, j)
		}
	}
	t.Logf("total %s", time.Since(start).Round(time.Second))
}

// compareSpec compares the runs of job j in two builds' databases and
// reports the first difference (stages are compared in run order, so the
// first is where the results start to part) and how many follow.
func compareSpec(t *testing.T, ref *bolt.Store, rb build, other *bolt.Store, ob build, j job) {
	t.Helper()
	ctx := context.Background()
	spec := j.String()
	ra, oa := runOf(t, ref, j.spec), runOf(t, other, j.spec)
	rep, err := experiments.CompareRuns(ctx, ref, ra, other, oa)
	if err != nil {
		t.Errorf("%s: compare %s with %s: %v", spec, rb.name, ob.name, err)
		return
	}
	if rep.OK() {
		t.Logf("%s: %s = %s (%d stages, %d trials, %d artifacts)", spec, ob.name, rb.name, rep.Stages, rep.Trials, rep.Artifacts)
		return
	}
	first := rep.Differences[0]
	t.Errorf("%s: %s differs from %s in %d places; first: stage %s, %s:\n%s",
		spec, ob.name, rb.name, len(rep.Differences), first.Stage, first.What, truncate(fmt.Sprintf("%+v", first), 1500))
	for _, d := range rep.Differences[1:] {
		t.Logf("  also: stage %s, %s", d.Stage, d.What)
	}
}

func runOf(t *testing.T, st *bolt.Store, spec string) int {
	t.Helper()
	runs, err := st.ListRuns(context.Background())
	if err != nil {
		t.Fatalf("list runs: %v", err)
	}
	for _, r := range runs {
		if r.Name == spec && r.Status == tracker.RunSucceeded {
			return r.ID
		}
	}
	t.Fatalf("no succeeded run of %s", spec)
	return 0
}

func openDB(t *testing.T, path string, b build) *bolt.Store {
	t.Helper()
	st, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil && os.Getenv(envReuse) != "" {
		// A kept database from an older cgx may need the upgrade that
		// only a writer does.
		st, err = bolt.Open(path)
	}
	if err != nil {
		t.Fatalf("open %s's database %s: %v", b.name, path, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// runJobs makes b's smoke runs with b's executable.
func runJobs(t *testing.T, dir, qemu string, b build) error {
	if err := os.MkdirAll(filepath.Join(dir, b.name), 0o755); err != nil {
		return err
	}
	reuse := os.Getenv(envReuse) != ""
	for _, j := range b.jobs {
		if reuse && hasRun(j.db(dir, b), j.spec) {
			continue
		}
		start := time.Now()
		out, err := cgx(dir, qemu, b, j.args(j.db(dir, b))...)
		if err != nil {
			return fmt.Errorf("%s: cgx %s: %v\n%s", b.name, strings.Join(j.args(j.db(dir, b)), " "), err, truncate(string(out), 3000))
		}
		t.Logf("%s: %s in %s", b.name, j, time.Since(start).Round(100*time.Millisecond))
	}
	return nil
}

// cgx runs b's executable with a clean CGX_* environment plus b.runenv.
func cgx(dir, qemu string, b build, args ...string) ([]byte, error) {
	name := b.bin
	if b.qemu {
		name, args = qemu, append([]string{b.bin}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CGX_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, b.runenv...)
	return cmd.CombinedOutput()
}

// hasRun reports whether the database at path holds a succeeded run of spec.
func hasRun(path, spec string) bool {
	if _, err := os.Stat(path); err != nil {
		return false
	}
	st, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		return false
	}
	defer st.Close()
	runs, err := st.ListRuns(context.Background())
	if err != nil {
		return false
	}
	for _, r := range runs {
		if r.Name == spec && r.Status == tracker.RunSucceeded {
			return true
		}
	}
	return false
}

func buildCGX(t *testing.T, root, dir string, b build) string {
	t.Helper()
	bin := filepath.Join(dir, "cgx-"+b.name)
	if _, err := os.Stat(bin); err == nil && os.Getenv(envReuse) != "" {
		return bin
	}
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/cgx")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), b.goenv...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s (%s): %v\n%s", b.name, strings.Join(b.goenv, " "), err, out)
	}
	return bin
}

func builtinSpecs(t *testing.T, b build) []string {
	t.Helper()
	out, err := cgx(t.TempDir(), "", b, "specs", "--json")
	if err != nil {
		t.Fatalf("cgx specs --json: %v\n%s", err, out)
	}
	var specs []struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(out, &specs); err != nil {
		t.Fatalf("decode cgx specs --json: %v", err)
	}
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.Name
	}
	return names
}

func findQEMU(t *testing.T) string {
	t.Helper()
	for _, n := range []string{"qemu-aarch64-static", "qemu-aarch64"} {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Fatal("build arm64 needs qemu-aarch64-static on PATH (Debian: apt-get install qemu-user-static), " +
		"or leave arm64 out of " + envBuilds)
	return ""
}

func moduleRoot(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	return filepath.Dir(string(bytes.TrimSpace(out)))
}

// list splits a comma-separated value, or returns def when it is empty.
func list(v string, def []string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	if out == nil {
		return def
	}
	return out
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "\n..."
}
