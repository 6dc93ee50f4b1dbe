package bolt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// crashWithJournal leaves a journal of several acknowledged records (two
// per trial: created, finished) behind a crashed writer.
func crashWithJournal(t *testing.T) (path string, sid int, js journalScan) {
	t.Helper()
	s, path, sid := openStudy(t)
	finishTrials(t, s, sid, 4)
	Crash(s)
	js, err := scanJournal(journalPath(path))
	if err != nil || len(js.entries) < 6 {
		t.Fatalf("journal: %d records, %v", len(js.entries), err)
	}
	return path, sid, js
}

// recordOffsets returns where each intact record of js starts.
func recordOffsets(t *testing.T, jp string, js journalScan) []int64 {
	raw, err := os.ReadFile(jp)
	if err != nil {
		t.Fatal(err)
	}
	offs := []int64{journalHeaderSize}
	for range js.entries[:len(js.entries)-1] {
		o := offs[len(offs)-1]
		n := int64(uint32(raw[o]) | uint32(raw[o+1])<<8 | uint32(raw[o+2])<<16 | uint32(raw[o+3])<<24)
		offs = append(offs, o+journalRecHeader+n)
	}
	return offs
}

// TestJournalLossIsReported: damage to an acknowledged journal record, early
// or last, is reported as lost acknowledged data (every record after it
// too), refused by writers and readers alike without changing anything,
// and 'accept-loss' keeps what is intact and the damaged journal aside.
func TestJournalLossIsReported(t *testing.T) {
	for _, which := range []string{"early", "last"} {
		t.Run(which, func(t *testing.T) {
			path, sid, js := crashWithJournal(t)
			jp := journalPath(path)
			offs := recordOffsets(t, jp, js)
			k := 1 // the second record
			if which == "last" {
				k = len(offs) - 1
			}
			raw, _ := os.ReadFile(jp)
			raw[offs[k]+journalRecHeader+3] ^= 0xff // payload byte: checksum fails
			if err := os.WriteFile(jp, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			dbBefore, _ := os.ReadFile(path)
			want := "records " + itoa(k+1) + ".." + itoa(len(offs)) + " are lost"
			if k+1 == len(offs) {
				want = "record " + itoa(k+1) + " is lost"
			}
			_, err := Open(path)
			if !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("writer: %v; want a one-line ErrCorruptDB saying %q", err, want)
			}
			r, err := Open(path, ReadOnly())
			if err == nil {
				_, err = r.GetAllTrials(sid)
				r.Close()
			}
			if !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), want) {
				t.Errorf("reader: %v; want ErrCorruptDB saying %q", err, want)
			}
			if now, _ := os.ReadFile(jp); !bytes.Equal(now, raw) {
				t.Error("a refused open changed the journal")
			}
			if now, _ := os.ReadFile(path); !bytes.Equal(now, dbBefore) {
				t.Error("a refused open changed the file")
			}
			rep, err := CheckFile(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			if rep.OK() || !strings.Contains(rep.Problems[0].Problem, "acknowledged") || !strings.Contains(strings.Join(rep.Recover, "\n"), "--accept-loss") {
				t.Errorf("check: %+v; want the loss of acknowledged commits and how to recover", rep)
			}
			for _, n := range rep.Notes {
				if strings.Contains(n, "cut short before it was acknowledged") {
					t.Errorf("check calls acknowledged damage a torn write: %s", n)
				}
			}
			// Accept the loss: the intact records are replayed, the journal
			// is kept aside byte for byte.
			s, err := Open(path, AcceptLoss())
			if err != nil {
				t.Fatalf("accept loss: %v", err)
			}
			aside := s.KeptAside()
			trials, err := s.GetAllTrials(sid)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if kept, _ := os.ReadFile(aside); aside == "" || !bytes.Equal(kept, raw) {
				t.Errorf("journal kept aside at %q differs from the damaged journal", aside)
			}
			if len(trials) == 0 && k > 1 {
				t.Error("the intact records were not replayed")
			}
			rep, err = CheckFile(context.Background(), path)
			if err != nil || !rep.OK() {
				t.Errorf("after accepting the loss: %+v, %v", rep, err)
			}
		})
	}
}

// TestJournalTornTailIsNoLoss: a record cut short by a crash (never
// acknowledged) stays a note, and writers replay what precedes it.
func TestJournalTornTailIsNoLoss(t *testing.T) {
	path, sid, js := crashWithJournal(t)
	jp := journalPath(path)
	rec := make([]byte, journalRecHeader)
	rec = append(rec, 1, 2, 3, 4)
	putRecordHeader(rec, js.epoch, uint64(len(js.entries))+1)
	rec[journalRecHeader] ^= 0xff // torn: the checksum fails
	writeAt(t, jp, js.end, rec)
	rep, err := CheckFile(context.Background(), path)
	if err != nil || !rep.OK() || !strings.Contains(strings.Join(rep.Notes, "\n"), "cut short before it was acknowledged") {
		t.Errorf("check: %+v, %v; want ok with a note on the torn record", rep, err)
	}
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ts, err := s.GetAllTrials(sid); err != nil || len(ts) != 4 {
		t.Errorf("replayed %d trials, %v; want 4", len(ts), err)
	}
}

// TestJournalRemovedIsLoss: a journal that a writer left with acknowledged
// commits and that was then deleted is a reported loss, not silence.
func TestJournalRemovedIsLoss(t *testing.T) {
	path, _, _ := crashWithJournal(t)
	if err := os.Remove(journalPath(path)); err != nil {
		t.Fatal(err)
	}
	for _, opts := range [][]Option{nil, {ReadOnly()}} {
		s, err := Open(path, opts...)
		if err == nil {
			_, err = s.Studies()
			s.Close()
		}
		if !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), "journal is missing") {
			t.Errorf("open %v: %v; want the missing journal's acknowledged records reported", opts, err)
		}
	}
	if _, err := os.Stat(journalPath(path)); err == nil {
		t.Error("a refused open created a journal")
	}
	s, err := Open(path, AcceptLoss())
	if err != nil {
		t.Fatalf("accept loss: %v", err)
	}
	s.Close()
	if rep, err := CheckFile(context.Background(), path); err != nil || !rep.OK() {
		t.Errorf("after accepting: %+v, %v", rep, err)
	}
}

// TestJournalOverMissingBucket: a pending journal over a file that lost a
// bucket is checked without a crash, and refused.
func TestJournalOverMissingBucket(t *testing.T) {
	path, _, _ := crashWithJournal(t)
	db, err := bbolt.Open(path, 0o644, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error { return tx.DeleteBucket(bucketTrials) }); err != nil {
		t.Fatal(err)
	}
	db.Close()
	rep, err := CheckFile(context.Background(), path)
	if err != nil || rep.OK() || !strings.Contains(fmt.Sprint(rep.Problems), "trials") {
		t.Errorf("check: %+v, %v; want the missing bucket reported", rep, err)
	}
	if _, err := Open(path); !errors.Is(err, tracker.ErrCorruptDB) {
		t.Errorf("writer: %v; want ErrCorruptDB", err)
	}
}

// TestJournalForeignHeaderAccepted: a journal whose header is damaged is
// refused, and accepting the loss keeps it aside and starts anew.
func TestJournalForeignHeaderAccepted(t *testing.T) {
	path, _, _ := crashWithJournal(t)
	jp := journalPath(path)
	writeAt(t, jp, 0, []byte("not a journal at all"))
	raw, _ := os.ReadFile(jp)
	if _, err := Open(path); !errors.Is(err, tracker.ErrCorruptDB) {
		t.Fatalf("writer: %v; want ErrCorruptDB", err)
	}
	s, err := Open(path, AcceptLoss())
	if err != nil {
		t.Fatalf("accept loss: %v", err)
	}
	aside := s.KeptAside()
	s.Close()
	if kept, _ := os.ReadFile(aside); aside == "" || !bytes.Equal(kept, raw) {
		t.Errorf("journal kept aside at %q differs from the damaged one", aside)
	}
	if rep, err := CheckFile(context.Background(), path); err != nil || !rep.OK() {
		t.Errorf("after accepting: %+v, %v", rep, err)
	}
}
