package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"github.com/cgx-dev/cgx/tracker"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// metaTxids returns the txid of each meta page of a closed file.
func metaTxids(t *testing.T, raw []byte) [2]uint64 {
	t.Helper()
	ps := int(binary.NativeEndian.Uint32(raw[pageHeaderSize+8:]))
	var out [2]uint64
	for i := range out {
		out[i] = binary.NativeEndian.Uint64(raw[i*ps+pageHeaderSize+48:])
	}
	return out
}

// closedDB makes a small database and returns its path and bytes.
func closedDB(t *testing.T) (string, []byte) {
	t.Helper()
	s, path, sid := openStudy(t, NoSync())
	finishTrials(t, s, sid, 3)
	if _, err := s.CreateRun(context.Background(), tracker.Run{Name: "r"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, raw
}

// TestRollback: bbolt silently opens the previous commit when the newest
// meta page is damaged; cgx compares with its commit record and refuses,
// for writers and readers, until the loss is accepted.
func TestRollback(t *testing.T) {
	path, raw := closedDB(t)
	ps := int(binary.NativeEndian.Uint32(raw[pageHeaderSize+8:]))
	tx := metaTxids(t, raw)
	newest := 0
	if tx[1] > tx[0] {
		newest = 1
	}
	damaged := bytes.Clone(raw)
	damaged[newest*ps+pageHeaderSize+20] ^= 0x01 // root page id: checksum fails
	if err := os.WriteFile(path, damaged, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]Option{nil, {ReadOnly()}} {
		s, err := Open(path, opts...)
		if err == nil {
			s.Close()
		}
		if !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), "lost its last 1 commit(s)") ||
			!strings.Contains(err.Error(), "--accept-loss") || strings.Contains(err.Error(), "\n") {
			t.Errorf("open %v: %v; want a one-line refusal naming the lost commit", opts, err)
		}
	}
	if now, _ := os.ReadFile(path); !bytes.Equal(now, damaged) {
		t.Fatal("a refused open changed the file")
	}
	rep, err := CheckFile(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || rep.Problems[0].Object != "commits" || !strings.Contains(strings.Join(rep.Recover, "\n"), "--accept-loss") {
		t.Errorf("check: %+v; want the lost commit and how to recover", rep)
	}
	s, err := Open(path, AcceptLoss())
	if err != nil {
		t.Fatalf("accept loss: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if rep, err := CheckFile(context.Background(), path); err != nil || !rep.OK() {
		t.Errorf("after accepting: %+v, %v", rep, err)
	}

	t.Run("older meta page damaged", func(t *testing.T) {
		path, raw := closedDB(t)
		older := 1
		if tx := metaTxids(t, raw); tx[1] > tx[0] {
			older = 0
		}
		raw[older*ps+pageHeaderSize+20] ^= 0x01
		if err := os.WriteFile(path, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		rep, err := CheckFile(context.Background(), path)
		if err != nil || !rep.OK() || !strings.Contains(strings.Join(rep.Notes, "\n"), "no commit was lost") {
			t.Errorf("check: %+v, %v; want ok with a note", rep, err)
		}
		s, err := Open(path)
		if err != nil {
			t.Fatalf("writer: %v", err)
		}
		s.Close()
	})
	t.Run("file restored from an older copy", func(t *testing.T) {
		s, path, sid := openStudy(t, NoSync())
		finishTrials(t, s, sid, 1)
		s.Close()
		old, _ := os.ReadFile(path)
		s, err := Open(path, NoSync())
		if err != nil {
			t.Fatal(err)
		}
		finishTrials(t, s, sid, 1)
		s.Close()
		os.WriteFile(path, old, 0o644)
		if _, err := Open(path); !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), "older than the one last written") {
			t.Errorf("writer: %v; want a refusal", err)
		}
	})
	t.Run("file deleted", func(t *testing.T) {
		path, _ := closedDB(t)
		os.Remove(path)
		if _, err := Open(path); !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), "was deleted or moved") {
			t.Errorf("writer: %v; want a refusal", err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Error("the refused writer created the file")
		}
	})
	t.Run("file emptied", func(t *testing.T) {
		path, _ := closedDB(t)
		os.WriteFile(path, nil, 0o644)
		for _, opts := range [][]Option{nil, {ReadOnly()}} {
			if _, err := Open(path, opts...); !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), "is empty") {
				t.Errorf("open %v: %v; want a refusal", opts, err)
			}
		}
		if fi, _ := os.Stat(path); fi.Size() != 0 {
			t.Error("the refused writer initialised the file")
		}
		if _, err := os.Stat(filepath.Join(filepath.Dir(path), "cgx.db.journal")); err == nil {
			t.Error("the refused writer left a journal")
		}
	})
}

// TestValidatedFileChangedLater: a reader remembers a file that validated,
// but a later change (a new modification time) is validated again.
func TestValidatedFileChangedLater(t *testing.T) {
	path, raw := closedDB(t)
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ { // the second open uses what the first remembered
		r, err := Open(path, ReadOnly())
		if err != nil {
			t.Fatal(err)
		}
		r.Close()
	}
	for p := 2 * 4096; p < len(raw); p += 4096 {
		raw[p+8] ^= 0xff // every page's type
	}
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(path, ReadOnly()); !errors.Is(err, tracker.ErrCorruptDB) {
		t.Errorf("reader after the file changed: %v; want ErrCorruptDB", err)
	}
}
