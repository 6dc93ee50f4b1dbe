package crossbuild

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestParseJob: specs with and without overrides, and the mistakes that
// are reported rather than run.
func TestParseJob(t *testing.T) {
	tests := []struct {
		in      string
		spec    string
		sets    []string
		wantErr bool
	}{
		{in: "style/blur", spec: "style/blur"},
		{in: "segmentation/baseline-vs-proposals@segmentation.epochs=2", spec: "segmentation/baseline-vs-proposals", sets: []string{"segmentation.epochs=2"}},
		{in: "s@a.b=1@c=x", spec: "s", sets: []string{"a.b=1", "c=x"}},
		{in: "@a=1", wantErr: true},
		{in: "s@a", wantErr: true},
		{in: "s@=1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			j, err := parseJob(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("parseJob(%q) = %+v, want an error", tt.in, j)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if j.spec != tt.spec || !slices.Equal(j.sets, tt.sets) || j.String() != tt.in {
				t.Fatalf("parseJob(%q) = %+v (%s), want spec %q sets %q", tt.in, j, j, tt.spec, tt.sets)
			}
		})
	}
}

// TestJobArgsAndDB: a reduced job passes its overrides to cgx run and
// writes into a database of its own; a plain one into the build's cgx.db.
func TestJobArgsAndDB(t *testing.T) {
	b := build{name: "arm64"}
	plain := job{spec: "style/blur"}
	red := job{spec: "segmentation/x", sets: []string{"segmentation.epochs=2"}}
	if got, want := plain.db("D", b), filepath.Join("D", "arm64", "cgx.db"); got != want {
		t.Errorf("plain db = %s, want %s", got, want)
	}
	if got := red.db("D", b); got == plain.db("D", b) || filepath.Dir(got) != filepath.Join("D", "arm64") {
		t.Errorf("reduced db = %s, want its own file in D/arm64", got)
	}
	want := []string{"run", "segmentation/x", "--profile", "smoke", "--db", "X", "--set", "segmentation.epochs=2"}
	if got := red.args("X"); !slices.Equal(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
	jobs := addJobs([]job{plain, red}, []job{red, {spec: "content/exp1"}})
	if len(jobs) != 3 || jobs[2].spec != "content/exp1" {
		t.Errorf("addJobs = %v, want the two jobs and content/exp1", jobs)
	}
}

// TestDefaultQEMUJobs: the default qemu jobs parse and hold one spec of
// each kind (style, content, segmentation).
func TestDefaultQEMUJobs(t *testing.T) {
	jobs, err := parseJobs(defaultQEMUSpecs)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, j := range jobs {
		kind, _, _ := strings.Cut(j.spec, "/")
		kinds[kind] = true
	}
	for _, k := range []string{"style", "content", "segmentation"} {
		if !kinds[k] {
			t.Errorf("default qemu jobs %v: no %s spec", defaultQEMUSpecs, k)
		}
	}
}
