package crossbuild

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// digestPackages are the cgx packages whose float arithmetic feeds stored
// digests. reports (figures, tables) and cmd/cgx (printing) are not among
// them; tracker does no float arithmetic.
var digestPackages = []string{
	"blender", "experiments", "internal/fmath", "internal/seeds", "ml/", "study",
}

// allowedFusion lists functions that ask for a fused multiply-add on
// purpose with math.FMA (exact on every machine), by symbol. None today.
var allowedFusion = map[string]bool{}

var fusedOp = regexp.MustCompile(`\t(FMADD|FMSUB|FNMADD|FNMSUB)[DS] `)

// TestNoFusion compiles cgx for arm64, where Go fuses x*y+z into one
// instruction wherever the source lets it, and fails for every function of
// a digest-feeding package whose machine code holds a fused multiply-add:
// the source must round the product first (float64(x*y) + z), see
// docs/DETERMINISM.md.
func TestNoFusion(t *testing.T) {
	enabled(t)
	root := moduleRoot(t)
	bin := filepath.Join(t.TempDir(), "cgx-arm64")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/cgx")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build for arm64: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "objdump", bin).Output()
	if err != nil {
		t.Fatalf("go tool objdump: %v", err)
	}
	const module = "github.com/cgx-dev/cgx/"
	sites := map[string][]string{} // function -> file:line of each fused op
	var fn string
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "TEXT "); ok {
			fn, _, _ = strings.Cut(rest, " ")
			continue
		}
		if !fusedOp.MatchString(line) || !strings.HasPrefix(fn, module) || allowedFusion[fn] {
			continue
		}
		pkg := strings.TrimPrefix(fn, module)
		for _, p := range digestPackages {
			if strings.HasPrefix(pkg, p) {
				sites[fn] = append(sites[fn], strings.Fields(line)[0])
				break
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read objdump output: %v", err)
	}
	fns := make([]string, 0, len(sites))
	for f := range sites {
		fns = append(fns, f)
	}
	sort.Strings(fns)
	for _, f := range fns {
		t.Errorf("%s: fused multiply-add at %s; round the product first (float64(x*y) + z)",
			strings.TrimPrefix(f, module), strings.Join(sites[f], ", "))
	}
}
