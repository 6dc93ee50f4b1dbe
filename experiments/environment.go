package experiments

import (
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/ml/nn"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// Environment is what a run records about the code and machine that computed
// it (run attributes, docs/BUNDLE.md). Only CodeVersion and the database
// format decide whether two cgx builds may be compared at all; the rest
// explains a difference when one is found.
type Environment struct {
	CodeVersion  string `json:"code_version"`             // CodeVersion: results change only when it does
	CodeDigest   string `json:"code_digest,omitempty"`    // digest of the executable (codeDigest)
	Module       string `json:"module_version,omitempty"` // main module version from the build info
	Revision     string `json:"vcs_revision,omitempty"`   // VCS revision, "-dirty" when the tree had changes
	GoVersion    string `json:"go_version,omitempty"`
	DBFormat     int    `json:"db_format"` // bolt.FormatVersion of the writing cgx
	OS           string `json:"goos"`
	Arch         string `json:"goarch"`
	CPU          string `json:"cpu,omitempty"`
	BLAS         string `json:"blas"`          // matrix-multiply kernels, as nn names them
	MachineBound bool   `json:"machine_bound"` // results may differ on another CPU or library
}

// Run attribute keys holding the environment (with the Run fields GoVersion,
// ModuleVersion, VCSRevision and CPUModel).
const (
	attrCodeVersion  = "code_version"
	attrCodeDigest   = "code_digest"
	attrDBFormat     = "db_format"
	attrGOOS         = "goos"
	attrGOARCH       = "goarch"
	attrBLAS         = "blas"
	attrMachineBound = "machine_bound"
	// attrSpecDir is the absolute directory of the spec file as run; relative
	// folder paths in the spec resolve against it on resume and verify.
	attrSpecDir = "spec_dir"
)

// CurrentEnvironment describes this process computing with the BLAS backend
// blas.
func CurrentEnvironment(blas nn.BLAS) Environment {
	goVer, mod, rev, cpu := tracker.BuildInfo()
	return Environment{CodeVersion: CodeVersion, CodeDigest: codeDigest(), Module: mod, Revision: rev,
		GoVersion: goVer, DBFormat: bolt.FormatVersion, OS: runtime.GOOS, Arch: runtime.GOARCH, CPU: cpu,
		BLAS: blas.Name(), MachineBound: nn.MachineBound(blas)}
}

// machineBoundName guesses from a backend's name whether it is machine-bound,
// for runs recorded before cgx stored machine_bound: OpenBLAS picks its
// kernels per CPU, so its last bits are not portable (ml/nn/doc.go).
func machineBoundName(blas string) bool {
	return strings.HasPrefix(strings.ToLower(blas), nn.BackendOpenBLAS)
}

// attrs returns the run attributes recording e (the Run fields hold the rest).
func (e Environment) attrs() map[string]string {
	return map[string]string{attrCodeVersion: e.CodeVersion, attrCodeDigest: e.CodeDigest,
		attrDBFormat: strconv.Itoa(e.DBFormat), attrGOOS: e.OS, attrGOARCH: e.Arch, attrBLAS: e.BLAS,
		attrMachineBound: strconv.FormatBool(e.MachineBound)}
}

// RunEnvironment reads back the environment run recorded. Runs made before a
// key was recorded leave its field empty (DBFormat 0); MachineBound is then
// derived from the backend name.
func RunEnvironment(run tracker.Run) Environment {
	a := run.Attrs
	e := Environment{CodeVersion: a[attrCodeVersion], CodeDigest: a[attrCodeDigest], Module: run.ModuleVersion,
		Revision: run.VCSRevision, GoVersion: run.GoVersion, OS: a[attrGOOS], Arch: a[attrGOARCH],
		CPU: run.CPUModel, BLAS: a[attrBLAS]}
	e.DBFormat, _ = strconv.Atoi(a[attrDBFormat])
	if b, err := strconv.ParseBool(a[attrMachineBound]); err == nil {
		e.MachineBound = b
	} else {
		e.MachineBound = machineBoundName(e.BLAS)
	}
	return e
}

// EnvDifference is one field of the environment that differs between the
// run as recorded and its re-execution.
type EnvDifference struct {
	Key        string `json:"key"` // the JSON name of the Environment field
	Stored     string `json:"stored"`
	Recomputed string `json:"recomputed"`
	// Note says what the difference means for bit identity.
	Note string `json:"note,omitempty"`
}

// CompareEnvironments lists every recorded field in which stored and again
// differ, in a fixed order. Fields the stored run did not record (runs made
// before cgx recorded them) are skipped: only recorded differences are named.
func CompareEnvironments(stored, again Environment) []EnvDifference {
	out := []EnvDifference{} // [] in JSON, not null
	add := func(key, a, b, note string) {
		if a == b || a == "" {
			return
		}
		if b == "" {
			b = "(not recorded)"
		}
		out = append(out, EnvDifference{Key: key, Stored: a, Recomputed: b, Note: note})
	}
	itoa := func(n int) string {
		if n == 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	add("code_version", stored.CodeVersion, again.CodeVersion, "results are comparable only under the same code version")
	add("db_format", itoa(stored.DBFormat), itoa(again.DBFormat), "")
	add("blas", stored.BLAS, again.BLAS, blasNote(stored, again))
	add("machine_bound", strconv.FormatBool(stored.MachineBound), strconv.FormatBool(again.MachineBound),
		"a machine-bound run (CGX_BLAS=openblas) reproduces only on the same CPU kernels and library")
	add("goarch", stored.Arch, again.Arch, "")
	add("goos", stored.OS, again.OS, "")
	add("module_version", stored.Module, again.Module, "")
	add("vcs_revision", stored.Revision, again.Revision, "")
	add("go_version", stored.GoVersion, again.GoVersion, "")
	add("cpu", stored.CPU, again.CPU, "")
	add("code_digest", stored.CodeDigest, again.CodeDigest, "")
	return out
}

func blasNote(a, b Environment) string {
	if a.MachineBound || b.MachineBound {
		return "an OpenBLAS backend is machine-bound: its last bits differ from other backends and CPUs"
	}
	return ""
}

// attrStageInputs is the stage attribute holding the JSON of the inputs its
// key was computed from (upstream digests, settings, seed, backend).
const attrStageInputs = "inputs"

// runAttrs are the attributes a new run records: its kind, where its spec
// came from and the environment computing it.
func runAttrs(spec Spec, source, specDir string, blas nn.BLAS) map[string]string {
	a := CurrentEnvironment(blas).attrs()
	a["kind"] = string(spec.Kind)
	a["source"] = source
	if specDir != "" {
		a[attrSpecDir] = specDir
	}
	return a
}

// StoredSpecDir is the folder a stored run's relative folder paths resolve
// against: the spec_dir it recorded, else (runs made before cgx recorded it)
// the folder of its source spec file as given then; "" for built-in specs,
// meaning the working directory.
func StoredSpecDir(run tracker.Run) string {
	if d := run.Attrs[attrSpecDir]; d != "" {
		return d
	}
	src := run.Attrs["source"]
	if src == "" || strings.HasPrefix(src, "builtin:") {
		return ""
	}
	return filepath.Dir(src)
}

// absDir is the absolute folder of file p (its plain folder when the working
// directory is unknown).
func absDir(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return filepath.Dir(p)
}
