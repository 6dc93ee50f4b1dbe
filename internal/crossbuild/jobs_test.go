package crossbuild

import (
	"fmt"
	"path/filepath"
	"strings"
)

// job is one smoke run: a built-in spec run with --profile smoke and, for a
// reduced job, --set overrides on top (KEY=VALUE, as `cgx run --set` takes
// them). Every build that compares a job runs it with the same overrides,
// so the comparison is as strict as for a plain smoke run.
type job struct {
	spec string
	sets []string
}

// parseJob reads SPEC or SPEC@KEY=VALUE[@KEY=VALUE...], the form of the
// entries of CGX_CROSSBUILD_SPECS and CGX_CROSSBUILD_QEMU_SPECS ('@' and
// ',' being safe unquoted in a Makefile's shell line). Values cannot hold
// ',' or '@'.
func parseJob(s string) (job, error) {
	parts := strings.Split(s, "@")
	j := job{spec: strings.TrimSpace(parts[0])}
	if j.spec == "" {
		return job{}, fmt.Errorf("job %q: no spec name before '@'; want SPEC or SPEC@KEY=VALUE", s)
	}
	for _, p := range parts[1:] {
		p = strings.TrimSpace(p)
		if k, _, ok := strings.Cut(p, "="); !ok || strings.TrimSpace(k) == "" {
			return job{}, fmt.Errorf("job %q: override %q is not KEY=VALUE (e.g. segmentation.epochs=2)", s, p)
		}
		j.sets = append(j.sets, p)
	}
	return j, nil
}

// parseJobs parses each entry of list (see parseJob).
func parseJobs(list []string) ([]job, error) {
	jobs := make([]job, 0, len(list))
	for _, s := range list {
		j, err := parseJob(s)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

func (j job) String() string {
	return strings.Join(append([]string{j.spec}, j.sets...), "@")
}

// args are the arguments of `cgx run` for j, writing into db.
func (j job) args(db string) []string {
	a := []string{"run", j.spec, "--profile", "smoke", "--db", db}
	for _, s := range j.sets {
		a = append(a, "--set", s)
	}
	return a
}

// db is the database j's run goes into in build b's folder: cgx.db for
// plain smoke runs (one run per spec), a database of its own for each
// reduced job, so that a spec's plain and reduced runs never meet.
func (j job) db(dir string, b build) string {
	if len(j.sets) == 0 {
		return filepath.Join(dir, b.name, "cgx.db")
	}
	name := strings.NewReplacer("/", "_", "@", "+", "=", "-", " ", "").Replace(j.String())
	return filepath.Join(dir, b.name, "reduced-"+name+".db")
}

// addJobs returns jobs followed by those of more it does not hold yet.
func addJobs(jobs, more []job) []job {
	out := append([]job(nil), jobs...)
	for _, m := range more {
		dup := false
		for _, j := range out {
			dup = dup || j.String() == m.String()
		}
		if !dup {
			out = append(out, m)
		}
	}
	return out
}
