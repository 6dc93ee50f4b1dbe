package bolt_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"go.etcd.io/bbolt"
)

// writeFormatVersion rewrites the format record of a closed database.
func writeFormatVersion(t *testing.T, path string, version int) {
	t.Helper()
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("format"), []byte(`{"magic":"cgx-tracker","version":`+itoa(version)+`}`))
	})
	if err != nil {
		t.Fatal(err)
	}
}

func makeDB(t *testing.T, path string) {
	t.Helper()
	s, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateNewStudy("kept"); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenBadInput(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(t *testing.T, dir string) string // returns the db path
		readOnly bool
		want     error
		mention  []string // words the one-line message must contain
	}{
		{
			name:     "missing file, read-only",
			setup:    func(t *testing.T, dir string) string { return filepath.Join(dir, "sub", "cgx.db") },
			readOnly: true, want: tracker.ErrNotFound, mention: []string{"does not exist", "--db"},
		},
		{
			name: "text file",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "notes.txt")
				os.WriteFile(p, []byte(strings.Repeat("not a database\n", 1000)), 0o644)
				return p
			},
			want: tracker.ErrCorruptDB, mention: []string{"not a cgx database", "move it aside"},
		},
		{
			name: "text file, read-only",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "notes.txt")
				os.WriteFile(p, []byte(strings.Repeat("not a database\n", 1000)), 0o644)
				return p
			},
			readOnly: true, want: tracker.ErrCorruptDB, mention: []string{"not a cgx database"},
		},
		{
			name: "foreign bbolt file",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "etcd.db")
				db, err := bbolt.Open(p, 0o600, nil)
				if err != nil {
					t.Fatal(err)
				}
				db.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("keys")); return err })
				db.Close()
				return p
			},
			want: tracker.ErrCorruptDB, mention: []string{"not a cgx database"},
		},
		{
			name: "newer format",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "cgx.db")
				makeDB(t, p)
				writeFormatVersion(t, p, bolt.FormatVersion+1)
				return p
			},
			want: tracker.ErrNewerFormat, mention: []string{"newer cgx"},
		},
		{
			name: "newer format, read-only",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "cgx.db")
				makeDB(t, p)
				writeFormatVersion(t, p, bolt.FormatVersion+1)
				return p
			},
			readOnly: true, want: tracker.ErrNewerFormat, mention: []string{"newer cgx"},
		},
		{
			name: "folder instead of file, read-only",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "cgx.db")
				os.Mkdir(p, 0o755)
				return p
			},
			readOnly: true, want: tracker.ErrCorruptDB, mention: []string{"folder"},
		},
		{
			name: "folder instead of file",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "cgx.db")
				os.Mkdir(p, 0o755)
				return p
			},
			want: tracker.ErrCorruptDB, mention: []string{"folder"},
		},
		{
			name: "parent is a file",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "file")
				os.WriteFile(p, []byte("x"), 0o644)
				return filepath.Join(p, "cgx.db")
			},
			mention: []string{"create database folder", "writable"},
		},
		{
			name: "empty file, read-only",
			setup: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "cgx.db")
				os.WriteFile(p, nil, 0o644)
				return p
			},
			readOnly: true, want: tracker.ErrNotFound, mention: []string{"empty"},
		},
	}
	if os.Geteuid() != 0 {
		tests = append(tests, struct {
			name     string
			setup    func(t *testing.T, dir string) string
			readOnly bool
			want     error
			mention  []string
		}{
			name: "unwritable folder",
			setup: func(t *testing.T, dir string) string {
				ro := filepath.Join(dir, "ro")
				os.Mkdir(ro, 0o500)
				return filepath.Join(ro, "sub", "cgx.db")
			},
			mention: []string{"permission denied", "writable"},
		})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.setup(t, dir)
			before := snapshotDir(t, dir)
			opts := []bolt.Option{bolt.NoSync(), bolt.ReaderWait(0)}
			if tc.readOnly {
				opts = append(opts, bolt.ReadOnly())
			}
			s, err := bolt.Open(path, opts...)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%s) succeeded", path)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Open: %v, want %v", err, tc.want)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") {
				t.Errorf("message spans lines: %q", msg)
			}
			for _, w := range append(tc.mention, path) {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not mention %q", msg, w)
				}
			}
			if after := snapshotDir(t, dir); after != before {
				t.Errorf("a failed Open changed the folder:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// snapshotDir lists every file under dir with its size and modification time.
func snapshotDir(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return nil
		}
		b.WriteString(p + " " + itoa(int(fi.Size())) + " " + fi.ModTime().String() + ";")
		return nil
	})
	return b.String()
}

func TestOpenCreatesFolderAndReopens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "cgx.db")
	makeDB(t, path)
	for _, ro := range []bool{false, true} {
		opts := []bolt.Option{bolt.NoSync()}
		if ro {
			opts = append(opts, bolt.ReadOnly())
		}
		s, err := bolt.Open(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		id, err := s.GetStudyIDFromName("kept")
		if err != nil || id != 1 {
			t.Errorf("read-only=%v: study id %d, %v; want 1", ro, id, err)
		}
		if s.IsReadOnly() != ro {
			t.Errorf("IsReadOnly() = %v", s.IsReadOnly())
		}
		s.Close()
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	makeDB(t, path)
	s, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err1 := s.CreateNewStudy("x")
	_, err2 := s.CreateNewTrial(1)
	err3 := s.SetStudyUserAttr(1, "k", "v")
	_, err4 := s.FailStaleTrials(1)
	for i, err := range []error{err1, err2, err3, err4} {
		if !errors.Is(err, tracker.ErrReadOnly) {
			t.Errorf("write %d: %v, want ErrReadOnly", i+1, err)
		}
	}
}

func TestUseAfterClose(t *testing.T) {
	s := openTemp(t)
	s.Close()
	if _, err := s.CreateNewStudy("x"); !errors.Is(err, tracker.ErrClosed) {
		t.Errorf("CreateNewStudy after Close: %v", err)
	}
	if _, err := s.GetAllStudySummaries(); !errors.Is(err, tracker.ErrClosed) {
		t.Errorf("GetAllStudySummaries after Close: %v", err)
	}
}

func TestSecondWriterIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = bolt.Open(path, bolt.NoSync(), bolt.LockTimeout(100e6))
	if !errors.Is(err, tracker.ErrLocked) || !strings.Contains(err.Error(), "process") {
		t.Errorf("second writer: %v, want ErrLocked naming the process", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestOpenMigratesFormat1 opens a format-1 file (before the journal): a
// reader refuses with what to do, a writer upgrades it in place, keeping
// every study and trial.
func TestOpenMigratesFormat1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := s.CreateNewStudy("old")
	id, _ := s.CreateNewTrial(sid)
	s.SetTrialValue(id, 3)
	if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	writeFormatVersion(t, path, 1)
	if _, err := bolt.Open(path, bolt.ReadOnly()); !errors.Is(err, tracker.ErrOldFormat) || !strings.Contains(err.Error(), "open it for writing once") {
		t.Errorf("reader on format 1: %v; want ErrOldFormat saying what to do", err)
	}
	w, err := bolt.Open(path)
	if err != nil {
		t.Fatalf("writer on format 1: %v", err)
	}
	defer w.Close()
	ts, err := w.GetAllTrials(sid)
	if err != nil || len(ts) != 1 || ts[0].Value != 3 || ts[0].State != goptuna.TrialStateComplete {
		t.Errorf("trials after migration: %+v, %v", ts, err)
	}
	rep, err := w.Check(t.Context())
	if err != nil || !rep.OK() || rep.FormatVersion != bolt.FormatVersion {
		t.Errorf("check after migration: %+v, %v", rep, err)
	}
}
