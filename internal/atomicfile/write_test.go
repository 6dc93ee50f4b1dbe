package atomicfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// noTemps fails when a temporary file was left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left in %s", e.Name(), dir)
		}
	}
}

func TestWriteFileRegular(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "out.json")
	if err := WriteFile(ctx, path, []byte("one"), 0o640); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "one" {
		t.Errorf("new file holds %q, want %q", got, "one")
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("new file mode %v, want 0640", fi.Mode().Perm())
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(ctx, path, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, path); got != "two" {
		t.Errorf("replaced file holds %q, want %q", got, "two")
	}
	fi, _ = os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode %v, want its old 0600", fi.Mode().Perm())
	}
	noTemps(t, dir)
}

func TestWriteFileSymlink(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	target := filepath.Join(dir, "target.png")
	if err := os.WriteFile(target, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.png")
	if err := os.Symlink("target.png", link); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(ctx, link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("link.png is no longer a symbolic link (%v, %v)", fi, err)
	}
	if got := readFile(t, target); got != "new" {
		t.Errorf("link target holds %q, want %q", got, "new")
	}

	// A dangling link creates what it names, as a shell's ">" does.
	dangling := filepath.Join(dir, "dangling.png")
	if err := os.Symlink("sub/made.png", dangling); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(ctx, dangling, []byte("x"), 0o644)
	if !errors.Is(err, ErrNoParent) {
		t.Errorf("dangling link into a missing folder: got %v, want ErrNoParent", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(ctx, dangling, []byte("made"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dir, "sub", "made.png")); got != "made" {
		t.Errorf("dangling link's target holds %q, want %q", got, "made")
	}
	if fi, err := os.Lstat(dangling); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("dangling.png was replaced instead of followed")
	}

	loop := filepath.Join(dir, "loop")
	if err := os.Symlink("loop", loop); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(ctx, loop, []byte("x"), 0o644); err == nil {
		t.Errorf("a link to itself was written")
	}
	if fi, err := os.Lstat(loop); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the looping link was replaced")
	}
}

func TestWriteFileDevNull(t *testing.T) {
	before, err := os.Stat(os.DevNull)
	if err != nil {
		t.Skip(err)
	}
	if err := WriteFile(context.Background(), os.DevNull, []byte("png bytes"), 0o644); err != nil {
		t.Fatalf("write into %s: %v", os.DevNull, err)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
		t.Fatalf("%s changed: mode %v -> %v", os.DevNull, before.Mode(), after.Mode())
	}
}

func TestWriteFileDevFull(t *testing.T) {
	const full = "/dev/full"
	before, err := os.Stat(full)
	if err != nil || before.Mode()&fs.ModeCharDevice == 0 {
		t.Skip("no /dev/full")
	}
	err = WriteFile(context.Background(), full, []byte("png bytes"), 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("write into /dev/full: got %v, want ENOSPC", err)
	}
	after, err := os.Stat(full)
	if err != nil || !os.SameFile(before, after) || after.Mode() != before.Mode() {
		t.Fatalf("/dev/full was replaced: mode %v -> %v", before.Mode(), after.Mode())
	}
}

func mkfifo(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "pipe.png")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	return path
}

func isFIFO(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("%s is no longer a named pipe (%v, %v)", path, fi, err)
	}
}

func TestWriteFileFIFO(t *testing.T) {
	path := mkfifo(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<14) // 256 KiB: more than a pipe holds
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			got <- nil
			return
		}
		defer f.Close()
		b, _ := io.ReadAll(f)
		got <- b
	}()
	if err := WriteFile(context.Background(), path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	isFIFO(t, path)
	if b := <-got; !bytes.Equal(b, data) {
		t.Errorf("reader got %d bytes, want %d", len(b), len(data))
	}
}

func TestWriteFileFIFOInterrupted(t *testing.T) {
	t.Run("no reader", func(t *testing.T) {
		path := mkfifo(t)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err := WriteFile(ctx, path, []byte("x"), 0o644)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want the context's error", err)
		}
		isFIFO(t, path)
	})
	t.Run("reader that never reads", func(t *testing.T) {
		path := mkfifo(t)
		// Open the reading end without blocking, and never read.
		r, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		err = WriteFile(ctx, path, make([]byte, 4<<20), 0o644)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("got %v, want the context's error", err)
		}
		isFIFO(t, path)
	})
}

func TestWriteFileRefused(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		want       error
		msg        string
	}{
		{"missing parent", "/nonexistent-cgx-test/deeper/x.json", ErrNoParent, "mkdir -p /nonexistent-cgx-test/deeper"},
		{"folder", dir, ErrNotFile, "folder"},
		{"socket", sock, ErrNotFile, "socket"},
		{"parent is a file", filepath.Join(file, "x.json"), nil, "not a directory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := WriteFile(context.Background(), tc.path, []byte("x"), 0o644)
			if err == nil {
				t.Fatal("written")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), tc.path) {
				t.Errorf("message %q should name %s and say %q", err, tc.path, tc.msg)
			}
		})
	}
	if _, err := os.Stat("/nonexistent-cgx-test"); err == nil {
		t.Errorf("a missing parent folder was created")
	}
	if fi, err := os.Lstat(sock); err != nil || fi.Mode()&fs.ModeSocket == 0 {
		t.Errorf("the socket was replaced")
	}
}

// TestWriteFileReadOnlyDir checks that a file in a folder the writer cannot
// write to is refused, names the folder, and stays as it was. Root ignores
// permissions, so as root the check runs in a child process as nobody.
func TestWriteFileReadOnlyDir(t *testing.T) {
	if p := os.Getenv("ATOMICFILE_READONLY_PATH"); p != "" {
		err := WriteFile(context.Background(), p, []byte("new"), 0o644)
		if err == nil {
			t.Fatal("written into a read-only folder")
		}
		if !strings.Contains(err.Error(), "not writable") || !strings.Contains(err.Error(), filepath.Dir(p)) {
			t.Fatalf("message %q should say the folder %s is not writable", err, filepath.Dir(p))
		}
		return
	}
	base, err := os.MkdirTemp("", "atomicfile-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		os.Chmod(filepath.Join(base, "ro"), 0o755)
		os.RemoveAll(base)
	})
	ro := filepath.Join(base, "ro")
	path := filepath.Join(ro, "out.json")
	if err := os.Mkdir(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("old"), 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o666); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		t.Setenv("ATOMICFILE_READONLY_PATH", path)
		TestWriteFileReadOnlyDir(t)
	} else {
		// Copy the test binary where nobody can run it.
		exe, err := os.Executable()
		if err != nil {
			t.Skip(err)
		}
		bin, err := os.ReadFile(exe)
		if err != nil {
			t.Skip(err)
		}
		copyExe := filepath.Join(base, "atomicfile.test")
		if err := os.WriteFile(copyExe, bin, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(base, 0o755); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(copyExe, "-test.run=^TestWriteFileReadOnlyDir$")
		cmd.Env = append(os.Environ(), "ATOMICFILE_READONLY_PATH="+path)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		out, err := cmd.CombinedOutput()
		if err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Skipf("cannot run the check as nobody: %v", err)
			}
			t.Fatalf("as nobody: %v\n%s", err, out)
		}
	}
	if got := readFile(t, path); got != "old" {
		t.Errorf("file in the read-only folder holds %q, want %q", got, "old")
	}
	noTemps(t, ro)
}

func TestEnsureDir(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := EnsureDir(dir); err != nil {
		t.Errorf("existing folder: %v", err)
	}
	made := filepath.Join(dir, "made")
	if err := EnsureDir(made); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(made); err != nil || !fi.IsDir() {
		t.Errorf("%s was not created", made)
	}
	deep := filepath.Join(dir, "a", "b")
	if err := EnsureDir(deep); !errors.Is(err, ErrNoParent) || !strings.Contains(err.Error(), "mkdir -p") {
		t.Errorf("missing parent: got %v, want ErrNoParent saying mkdir -p", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "a")); err == nil {
		t.Errorf("EnsureDir created a parent folder")
	}
	if err := EnsureDir(file); !errors.Is(err, ErrNotDir) {
		t.Errorf("regular file: got %v, want ErrNotDir", err)
	}
}
