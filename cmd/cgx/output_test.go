package main

import (
	"bytes"
	"errors"
	"image"
	"image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestOutputTargets runs 'cgx render -o' and 'cgx export -o' against every
// kind of path a user may name: devices and pipes are written in place,
// links are followed, a missing folder is refused and never created.
func TestOutputTargets(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cgx.db")
	_, scene, _ := sceneCLI(t, db, "scene", "example")
	sp := filepath.Join(dir, "shelf.json")
	if err := os.WriteFile(sp, []byte(scene), 0o644); err != nil {
		t.Fatal(err)
	}
	render := func(out string) (int, string) {
		code, _, errs := sceneCLI(t, db, "render", sp, "-o", out, "--size", "32")
		return code, errs
	}

	t.Run("device", func(t *testing.T) {
		before, err := os.Stat(os.DevNull)
		if err != nil {
			t.Skip(err)
		}
		if code, errs := render(os.DevNull); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		after, err := os.Stat(os.DevNull)
		if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
			t.Fatalf("%s was replaced: %v -> %v", os.DevNull, before.Mode(), after.Mode())
		}
	})
	t.Run("full device", func(t *testing.T) {
		before, err := os.Stat("/dev/full")
		if err != nil || before.Mode()&fs.ModeCharDevice == 0 {
			t.Skip("no /dev/full")
		}
		code, errs := render("/dev/full")
		if code != 1 || !strings.Contains(errs, "/dev/full") {
			t.Errorf("exit %d, stderr %q; want a failure naming /dev/full", code, errs)
		}
		after, err := os.Stat("/dev/full")
		if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
			t.Fatalf("/dev/full was replaced: %v -> %v", before.Mode(), after.Mode())
		}
	})
	t.Run("named pipe", func(t *testing.T) {
		fifo := filepath.Join(dir, "pipe.png")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Skip(err)
		}
		got := make(chan []byte, 1)
		go func() {
			f, err := os.Open(fifo)
			if err != nil {
				got <- nil
				return
			}
			defer f.Close()
			b, _ := io.ReadAll(f)
			got <- b
		}()
		if code, errs := render(fifo); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
			t.Fatalf("the named pipe was replaced")
		}
		b := <-got
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("the pipe's reader got %d bytes that are not a PNG: %v", len(b), err)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		target, link := filepath.Join(dir, "target.png"), filepath.Join(dir, "link.png")
		if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if code, errs := render(link); code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("the link was replaced by a file")
		}
		decodePNGFile(t, target)
	})
	t.Run("missing folder", func(t *testing.T) {
		out := filepath.Join(dir, "no", "such", "out.png")
		code, errs := render(out)
		if code != 1 || !strings.Contains(errs, "mkdir -p "+filepath.Dir(out)) {
			t.Errorf("exit %d, stderr %q; want a refusal saying to create the folder", code, errs)
		}
		if _, err := os.Stat(filepath.Join(dir, "no")); err == nil {
			t.Errorf("render created a folder the user did not ask for")
		}
	})
	t.Run("folder", func(t *testing.T) {
		code, errs := render(dir)
		if code != 1 || !strings.Contains(errs, "folder") {
			t.Errorf("exit %d, stderr %q; want a refusal", code, errs)
		}
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			t.Errorf("the folder was replaced")
		}
	})
}

// TestOutputFoldersRefuseMissingParent checks the -o DIR verbs: the folder
// is made only inside a folder that exists.
func TestOutputFoldersRefuseMissingParent(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	code, stdout, errs := cgxCLI(t, db, "dataset", "generate", "--generator", "products", "--count", "2", "--size", "32", "--json")
	if code != 0 {
		t.Fatalf("generate: exit %d: %s", code, errs)
	}
	id := regexp.MustCompile(`"id": "([0-9a-f]{64})"`).FindStringSubmatch(stdout)
	if id == nil {
		t.Fatalf("no id in %s", stdout)
	}
	out := filepath.Join(t.TempDir(), "missing", "look")
	code, _, errs = cgxCLI(t, db, "dataset", "export", id[1], "-o", out)
	if code != 1 || !strings.Contains(errs, "mkdir -p") {
		t.Errorf("dataset export -o into a missing folder: exit %d, stderr %q", code, errs)
	}
	if _, err := os.Stat(filepath.Dir(out)); err == nil {
		t.Errorf("dataset export created the missing parent folder")
	}
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if code, _, errs = cgxCLI(t, db, "dataset", "export", id[1], "-o", out); code != 0 {
		t.Fatalf("dataset export: exit %d: %s", code, errs)
	}
	decodePNGFile(t, filepath.Join(out, "00001.png"))
}

type failingCloser struct{ closed bool }

func (c *failingCloser) Close() error { c.closed = true; return errors.New("checkpoint: disk full") }

func TestCloseInto(t *testing.T) {
	verb := func(fail error) (err error) {
		defer closeInto(&err, &failingCloser{})
		return fail
	}
	if err := verb(nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("a failed Close after success gave %v, want the Close error", err)
	}
	first := errors.New("render failed")
	if err := verb(first); !errors.Is(err, first) {
		t.Errorf("a failed Close after a failure gave %v, want the first failure", err)
	}
}

// TestNoIgnoredClose keeps every verb on closeInto: a store closed with a
// bare defer drops the checkpoint's error and exits 0.
func TestNoIgnoredClose(t *testing.T) {
	files, err := filepath.Glob("cmd_*.go")
	if err != nil {
		t.Fatal(err)
	}
	bare := regexp.MustCompile(`(?m)^\s*defer \w+\.Close\(\)\s*$`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, loc := range bare.FindAllIndex(b, -1) {
			line := bytes.Count(b[:loc[0]], []byte("\n")) + 1
			text := strings.TrimSpace(string(b[loc[0]:loc[1]]))
			if strings.Contains(text, "f.Close") { // files opened for reading
				continue
			}
			t.Errorf("%s:%d: %s ignores the Close error; use defer closeInto(&err, ...)", f, line, text)
		}
	}
}

func TestWorkersRange(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	for _, args := range [][]string{
		{"run", "style/blur", "--workers", "-1"},
		{"run", "style/blur", "--workers", "257"},
		{"dataset", "generate", "--generator", "products", "--workers", "100000"},
		{"dataset", "folder", t.TempDir(), "--workers", "-3"},
	} {
		code, _, errs := cgxCLI(t, db, args...)
		if code != 2 || !strings.Contains(errs, "0 (all cores) to 256") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error giving the range", args, code, errs)
		}
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("a refused --workers still created the database")
	}
}

func TestSafeText(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain label", "plain label"},
		{"caf\u00e9 \u6f22\u5b57", "caf\u00e9 \u6f22\u5b57"},
		{"two\nlines", `two\nlines`},
		{"\x1b[2J\x1b]0;pwned\x07", `\x1b[2J\x1b]0;pwned\x07`},
		{"tab\there\r", `tab\there\r`},
		{"c1 \u009b31m", `c1 \u009b31m`},
		{"bidi \u202eevil", `bidi \u202eevil`},
		{"bad \xff utf8", `bad \xff utf8`},
		{"del \x7f", `del \x7f`},
	} {
		if got := safeText(tc.in); got != tc.want {
			t.Errorf("safeText(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestUserTextEscaped imports a folder whose name carries terminal escapes
// and a newline, next to a named pipe called like an image: the import
// finishes, notes the pipe, and no verb prints the raw control characters.
func TestUserTextEscaped(t *testing.T) {
	base := t.TempDir()
	db := filepath.Join(base, "cgx.db")
	dir := filepath.Join(base, "ph\x1b]0;owned\x07\nfake line\u202e")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewNRGBA(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.png"), b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "b.png"), 0o644); err != nil {
		t.Skip(err)
	}
	clean := func(what, s string) {
		t.Helper()
		if strings.ContainsAny(s, "\x1b\x07\u202e") || strings.Contains(s, "\nfake line") {
			t.Errorf("%s prints raw control characters: %q", what, s)
		}
	}
	code, out, errs := cgxCLI(t, db, "dataset", "folder", dir, "--size", "32", "--label", "l\x1b[31mabel\n")
	if code != 0 {
		t.Fatalf("dataset folder: exit %d: %s", code, errs)
	}
	clean("dataset folder", out+errs)
	if !strings.Contains(errs, "note: skipped") || !strings.Contains(errs, "named pipe") {
		t.Errorf("no note about the skipped pipe in %q", errs)
	}
	id := regexp.MustCompile(`dataset ([0-9a-f]{64})`).FindStringSubmatch(out)
	if id == nil {
		t.Fatalf("no dataset id in %q", out)
	}
	for _, args := range [][]string{{"dataset", "show", id[1]}, {"dataset", "ls"}, {"artifact", "ls"}} {
		code, out, errs := cgxCLI(t, db, args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, errs)
		}
		clean(strings.Join(args, " "), out+errs)
	}
	// Errors quoting the path are escaped too.
	code, _, errs = cgxCLI(t, db, "dataset", "folder", filepath.Join(dir, "missing\x1b[2J"), "--size", "32")
	if code != 1 {
		t.Fatalf("missing folder: exit %d", code)
	}
	clean("an error", errs)
}

// TestWatchSignals checks that a verb that does not return after a signal is
// stopped anyway: at once on a second signal, or after the grace period.
func TestWatchSignals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		signals int
		grace   time.Duration
		says    string
	}{
		{"second signal", 2, time.Hour, "second signal"},
		{"grace period", 1, time.Millisecond, "not stopped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sigs := make(chan os.Signal, 2)
			cancelled := make(chan struct{})
			exited := make(chan int, 1)
			var stderr bytes.Buffer
			go watchSignals(sigs, func() { close(cancelled) }, tc.grace, &stderr, func(code int) { exited <- code })
			sigs <- os.Interrupt
			<-cancelled // the first signal cancels the verb's context
			for range tc.signals - 1 {
				sigs <- os.Interrupt
			}
			if code := <-exited; code != 130 {
				t.Errorf("exit %d, want 130", code)
			}
			if !strings.Contains(stderr.String(), tc.says) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tc.says)
			}
		})
	}
}

func TestRunReportFolderCheckedFirst(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cgx.db")
	out := filepath.Join(t.TempDir(), "no", "report")
	code, _, errs := cgxCLI(t, db, "run", "style/blur", "--profile", "smoke", "--report", out)
	if code != 2 || !strings.Contains(errs, "mkdir -p "+filepath.Dir(out)) {
		t.Errorf("exit %d, stderr %q; want a usage error before the run", code, errs)
	}
	if _, err := os.Stat(db); err == nil {
		t.Errorf("the run started although its report folder cannot be made")
	}
}
