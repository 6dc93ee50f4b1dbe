package experiments

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
)

// folderSpecText is a small style spec whose real images come from the
// folder "photos" next to the spec file.
const folderSpecText = `format = 1
name = "my/folder"
kind = "style"

[datasets.cg]
count = 24
size = 32

[datasets.real]
source = "folder"
path = "photos"
size = 32

[discriminator]
width = 4
epochs = 2
batch_size = 8

[style]
manipulations = ["brightness-contrast"]
images = 2
steps = 4
`

// TestVerifyAndResumeFromAnotherDirectory: a spec given by a relative path
// reads its folder relative to the spec file; resuming and verifying the run
// from another working directory must find the same folder (issue 12 item 8:
// they used to resolve it against the working directory).
func TestVerifyAndResumeFromAnotherDirectory(t *testing.T) {
	root := t.TempDir()
	proj := filepath.Join(root, "project")
	if err := os.MkdirAll(filepath.Join(proj, "photos"), 0o755); err != nil {
		t.Fatal(err)
	}
	writePhotos(t, filepath.Join(proj, "photos"), 24, 3)
	if err := os.WriteFile(filepath.Join(proj, "mine.toml"), []byte(folderSpecText), 0o644); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, t.TempDir())
	t.Chdir(root)
	f, err := Open(filepath.Join("project", "mine.toml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := NewProgress(&cancelAfter{cancel: cancel, marker: "discriminator/main", after: 1}, false)
	p.interval = 0
	if _, err := Run(ctx, st, f, Options{ExactProfile: true, Workers: 2, Progress: p}); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run returned %v, want context.Canceled", err)
	}
	run, err := st.GetRun(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "project"); StoredSpecDir(run) != want {
		t.Errorf("recorded spec folder %q, want %q", StoredSpecDir(run), want)
	}

	t.Chdir(t.TempDir()) // no photos here
	stored, err := Parse("run 1 spec", []byte(run.Spec))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Run(context.Background(), st, stored, Options{ExactProfile: true, Resume: 1})
	if err != nil {
		t.Fatalf("resume from another directory: %v", err)
	}
	if res.Status != tracker.RunSucceeded {
		t.Fatalf("resumed run is %s", res.Status)
	}
	rep, err := Verify(context.Background(), st, openStore(t, t.TempDir()), 1, Options{Workers: 1})
	if err != nil {
		t.Fatalf("verify from another directory: %v", err)
	}
	for _, d := range rep.Differences {
		t.Errorf("%s", d)
	}
	if rep.Stages == 0 || rep.Trials != 2 {
		t.Errorf("verify compared %d stages and %d trials, want the run's stages and 2 trials", rep.Stages, rep.Trials)
	}

	// A bundle's folders resolve against the SpecDir it is verified with.
	b, err := MakeBundle(context.Background(), st, 1, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := VerifyBundle(context.Background(), b, openStore(t, t.TempDir()), Options{}); err == nil ||
		!strings.Contains(err.Error(), `datasets.real.path = "photos"`) {
		t.Errorf("bundle verified without its folder: %v", err)
	}
	rep, err = VerifyBundle(context.Background(), b, openStore(t, t.TempDir()), Options{SpecDir: proj})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() || rep.Trials != 2 {
		t.Errorf("bundle of a folder run: %d trials, differences %v", rep.Trials, rep.Differences)
	}
}
