package bolt

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/google/go-cmp/cmp"
	"go.etcd.io/bbolt"
)

// finishTrials adds n COMPLETE trials to study sid, one journal commit each.
func finishTrials(t testing.TB, s *Store, sid, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		id, err := s.CreateNewTrial(sid)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetTrialParam(id, "x", float64(i%10)/10, goptuna.UniformDistribution{Low: 0, High: 1}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTrialUserAttr(id, "i", itoa(i)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTrialValue(id, float64(i)); err != nil {
			t.Fatal(err)
		}
		if err := s.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
			t.Fatal(err)
		}
	}
}

func openStudy(t testing.TB, opts ...Option) (*Store, string, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cgx.db")
	s, err := Open(path, append([]Option{RunningCheckpoint(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	sid, err := s.CreateNewStudy("j")
	if err != nil {
		t.Fatal(err)
	}
	return s, path, sid
}

// fileTrials counts the trial records in the bbolt file itself.
func fileTrials(t *testing.T, s *Store, sid int) (n int, absorbed uint64) {
	t.Helper()
	s.view(func(tx *bbolt.Tx) error {
		if b := tx.Bucket(bucketTrials).Bucket(u64key(sid)); b != nil {
			n = b.Stats().KeyN
		}
		absorbed = absorbedEpoch(tx)
		return nil
	})
	return n, absorbed
}

func allTrials(t *testing.T, path string, opts ...Option) []goptuna.FrozenTrial {
	t.Helper()
	s, err := Open(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ts, err := s.GetAllTrials(1)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestJournalCommitsStayOutOfTheFileUntilCheckpoint(t *testing.T) {
	s, path, sid := openStudy(t)
	finishTrials(t, s, sid, 7)
	if n, _ := fileTrials(t, s, sid); n != 0 {
		t.Errorf("file holds %d trials before a checkpoint, want 0 (journaled)", n)
	}
	js, err := scanJournal(journalPath(path))
	if err != nil || js.trials() < 7 || js.stop != "" {
		t.Fatalf("journal: %d trial records, stop %q, %v", js.trials(), js.stop, err)
	}
	// A study-level change goes to the file and absorbs the journal.
	if err := s.SetStudyUserAttr(sid, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if n, absorbed := fileTrials(t, s, sid); n != 7 || absorbed != js.epoch {
		t.Errorf("after a file commit: %d trials, absorbed epoch %d; want 7, %d", n, absorbed, js.epoch)
	}
	want, _ := s.GetAllTrials(sid)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(journalPath(path)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("journal left after Close: %v", err)
	}
	if d := cmp.Diff(want, allTrials(t, path, ReadOnly())); d != "" {
		t.Errorf("trials after reopening differ:\n%s", d)
	}
}

func TestJournalFullCheckpoints(t *testing.T) {
	defer func(r uint64) { journalMaxRecords = r }(journalMaxRecords)
	journalMaxRecords = 5
	s, path, sid := openStudy(t)
	// RunningCheckpoint(0): two records per trial (created, finished).
	finishTrials(t, s, sid, 12)
	n, absorbed := fileTrials(t, s, sid)
	if n < 10 || absorbed < 4 {
		t.Errorf("file holds %d trials with absorbed epoch %d; want checkpoints every 5 records", n, absorbed)
	}
	want, _ := s.GetAllTrials(sid)
	Crash(s)
	if d := cmp.Diff(want, allTrials(t, path)); d != "" {
		t.Errorf("trials after crash and replay differ:\n%s", d)
	}
}

// TestJournalOlderEpochBehindTail: after a checkpoint the next epoch
// overwrites the start of the record area; the older records behind its
// tail must not be replayed.
func TestJournalOlderEpochBehindTail(t *testing.T) {
	s, path, sid := openStudy(t)
	finishTrials(t, s, sid, 10)
	last, err := s.CreateNewTrial(sid) // journaled as RUNNING at the end of this epoch
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetStudyUserAttr(sid, "k", "v"); err != nil { // checkpoint
		t.Fatal(err)
	}
	s.SetTrialValue(last, 42)
	if err := s.SetTrialState(last, goptuna.TrialStateComplete); err != nil {
		t.Fatal(err)
	}
	finishTrials(t, s, sid, 1)
	want, _ := s.GetAllTrials(sid)
	wantStudy, _ := s.Study(sid)
	Crash(s)
	js, err := scanJournal(journalPath(path))
	if err != nil || len(js.entries) != 3 || js.stop != "" {
		t.Fatalf("scan after the second epoch: %d records, stop %q, %v; want 3 ending on zeros", len(js.entries), js.stop, err)
	}
	for _, opts := range [][]Option{{ReadOnly()}, nil, nil} { // overlay, replay, replayed file
		s, err := Open(path, opts...)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetAllTrials(sid)
		gotStudy, _ := s.Study(sid)
		s.Close()
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("trials (options %v) differ:\n%s", opts, d)
		}
		if d := cmp.Diff(wantStudy, gotStudy); d != "" {
			t.Errorf("study (options %v) differs:\n%s", opts, d)
		}
	}
}

func TestJournalTornTailIsDropped(t *testing.T) {
	s, path, sid := openStudy(t)
	finishTrials(t, s, sid, 3)
	want, _ := s.GetAllTrials(sid)
	Crash(s)
	jp := journalPath(path)
	js, _ := scanJournal(jp)
	// A fourth commit cut short: a record header promising more bytes than
	// were written before the crash.
	f, err := os.OpenFile(jp, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	torn := []byte{200, 0, 0, 0, 1, 2, 3, 4, 9, 9}
	if _, err := f.WriteAt(torn, js.end); err != nil {
		t.Fatal(err)
	}
	f.Close()
	js2, err := scanJournal(jp)
	if err != nil || len(js2.entries) != len(js.entries) || js2.stop == "" {
		t.Fatalf("scan with a torn tail: %d records (want %d), stop %q, %v", len(js2.entries), len(js.entries), js2.stop, err)
	}
	r, err := Open(path, ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	rep, err := r.Check(t.Context())
	r.Close()
	if err != nil || !rep.OK() || len(rep.Notes) < 2 {
		t.Errorf("check with a pending, torn journal: %+v, %v; want OK with notes", rep, err)
	}
	if d := cmp.Diff(want, allTrials(t, path)); d != "" {
		t.Errorf("trials after replay differ:\n%s", d)
	}
}

func TestJournalDamage(t *testing.T) {
	for _, tc := range []struct {
		name string
		harm func(t *testing.T, jp string, js journalScan)
	}{
		{"foreign header", func(t *testing.T, jp string, _ journalScan) {
			writeAt(t, jp, 0, []byte("not a journal at all"))
		}},
		{"record that checksums but does not decode", func(t *testing.T, jp string, js journalScan) {
			payload := []byte{journalPayloadV1, 5} // claims 5 studies, holds none
			rec := make([]byte, journalRecHeader)
			rec = append(rec, payload...)
			putRecordHeader(rec, js.epoch, uint64(len(js.entries))+1)
			writeAt(t, jp, js.end, rec)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, path, sid := openStudy(t)
			finishTrials(t, s, sid, 2)
			Crash(s)
			jp := journalPath(path)
			js, _ := scanJournal(jp)
			tc.harm(t, jp, js)
			_, err := Open(path)
			if !errors.Is(err, tracker.ErrCorruptDB) || !contains(err.Error(), jp) {
				t.Errorf("Open with a damaged journal: %v; want ErrCorruptDB naming %s", err, jp)
			}
			r, err := Open(path, ReadOnly())
			if err == nil {
				_, err = r.GetAllTrials(sid)
				r.Close()
			}
			if !errors.Is(err, tracker.ErrCorruptDB) {
				t.Errorf("reader with a damaged journal: %v; want ErrCorruptDB", err)
			}
		})
	}
}

func TestJournalDeleteStudyWithJournaledTrials(t *testing.T) {
	s, path, sid := openStudy(t)
	finishTrials(t, s, sid, 3)
	other, _ := s.CreateNewStudy("other")
	finishTrials(t, s, other, 2)
	if err := s.DeleteStudy(sid); err != nil {
		t.Fatal(err)
	}
	finishTrials(t, s, other, 1)
	Crash(s)
	w, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.GetAllTrials(sid); !errors.Is(err, goptuna.ErrInvalidStudyID) {
		t.Errorf("deleted study after replay: %v", err)
	}
	if ts, err := w.GetAllTrials(other); err != nil || len(ts) != 3 {
		t.Errorf("other study after replay: %d trials, %v; want 3", len(ts), err)
	}
	rep, err := w.Check(t.Context())
	if err != nil || !rep.OK() || rep.Trials != 3 {
		t.Errorf("check: %+v, %v", rep, err)
	}
}

func writeAt(t *testing.T, path string, off int64, b []byte) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }

// TestJournalScanStopsAtOlderEpoch writes equal-sized records so that an
// older epoch's records line up behind the newer epoch's tail.
func TestJournalScanStopsAtOlderEpoch(t *testing.T) {
	jp := filepath.Join(t.TempDir(), "cgx.db.journal")
	j, err := openJournal(jp, 7, true)
	if err != nil {
		t.Fatal(err)
	}
	defer j.close()
	rec := func(id int) []byte {
		tr := goptuna.FrozenTrial{ID: id, StudyID: 1, Number: id - 1, State: goptuna.TrialStateRunning}
		p, err := encodeJournalPayload(nil, nil, []*goptuna.FrozenTrial{&tr}, id+1)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for id := 1; id <= 3; id++ {
		if err := j.append(rec(id), nil); err != nil {
			t.Fatal(err)
		}
	}
	j.restart()
	if err := j.append(rec(4), nil); err != nil {
		t.Fatal(err)
	}
	js, err := scanJournal(jp)
	if err != nil {
		t.Fatal(err)
	}
	if js.epoch != 8 || len(js.entries) != 1 || js.entries[0].trials[0].ID != 4 || js.stop != "" {
		t.Errorf("scan: epoch %d, %d records, stop %q; want epoch 8 with the one record of trial 4", js.epoch, len(js.entries), js.stop)
	}
	if got, err := js.pending(8, jp); got != nil || err != nil {
		t.Errorf("pending after the file absorbed epoch 8: %d records, %v", len(got), err)
	}
	if got, err := js.pending(7, jp); len(got) != 1 || err != nil {
		t.Errorf("pending after the file absorbed epoch 7: %d records, %v; want 1", len(got), err)
	}
	if _, err := js.pending(6, jp); !errors.Is(err, tracker.ErrCorruptDB) {
		t.Errorf("pending for a file two epochs behind: %v; want ErrCorruptDB", err)
	}
}

// TestJournalRefusesAnotherStateOfTheFile: a journal left by a crash must
// not be replayed into a file that was replaced (restored from a backup)
// or that lacks the trials it continues.
func TestJournalRefusesAnotherStateOfTheFile(t *testing.T) {
	t.Run("file restored from an older backup", func(t *testing.T) {
		s, path, sid := openStudy(t)
		finishTrials(t, s, sid, 2)
		backup, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.SetStudyUserAttr(sid, "k", "v"); err != nil { // checkpoint: epoch 2 begins
			t.Fatal(err)
		}
		finishTrials(t, s, sid, 2)
		Crash(s)
		if err := os.WriteFile(path, backup, 0o644); err != nil {
			t.Fatal(err)
		}
		// The commit record would refuse the older file first (see
		// TestRollback); without it the journal still tells.
		if err := os.Remove(commitPath(path)); err != nil {
			t.Fatal(err)
		}
		for _, opts := range [][]Option{nil, {ReadOnly()}} {
			r, err := Open(path, opts...)
			if err == nil {
				_, err = r.GetAllTrials(sid)
				r.Close()
			}
			if !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), "later state") {
				t.Errorf("open %v: %v; want ErrCorruptDB saying the journal continues a later state", opts, err)
			}
		}
		if after, _ := os.ReadFile(path); string(after) != string(backup) {
			t.Error("the refused open changed the file")
		}
	})
	t.Run("journal continues trials the file lacks", func(t *testing.T) {
		s, path, sid := openStudy(t)
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
		j, err := openJournal(journalPath(path), 1, true)
		if err != nil {
			t.Fatal(err)
		}
		tr := goptuna.FrozenTrial{ID: 9, StudyID: sid, Number: 5, State: goptuna.TrialStateRunning}
		p, _ := encodeJournalPayload(nil, nil, []*goptuna.FrozenTrial{&tr}, 10)
		if err := j.append(p, nil); err != nil {
			t.Fatal(err)
		}
		j.close()
		if _, err := Open(path); !errors.Is(err, tracker.ErrCorruptDB) || !strings.Contains(err.Error(), "lacks number 4") {
			t.Errorf("open: %v; want ErrCorruptDB naming the missing trial number", err)
		}
	})
}

// FuzzScanJournal feeds arbitrary bytes to the journal scanner: it must
// never panic, and whatever it accepts must re-encode to records that scan
// back the same.
func FuzzScanJournal(f *testing.F) {
	dir := f.TempDir()
	seed := filepath.Join(dir, "seed.journal")
	j, err := openJournal(seed, 3, true)
	if err != nil {
		f.Fatal(err)
	}
	st := tracker.StudyInfo{ID: 1, Name: "s", UserAttrs: map[string]string{}, SystemAttrs: map[string]string{}}
	for id := 1; id <= 3; id++ {
		tr := goptuna.FrozenTrial{ID: id, StudyID: 1, Number: id - 1, State: goptuna.TrialStateComplete, Value: float64(id),
			InternalParams: map[string]float64{"x": 0.5}, Distributions: map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}}}
		p, err := encodeJournalPayload(nil, []*tracker.StudyInfo{&st}, []*goptuna.FrozenTrial{&tr}, id+1)
		if err != nil {
			f.Fatal(err)
		}
		if err := j.append(p, nil); err != nil {
			f.Fatal(err)
		}
	}
	j.close()
	raw, _ := os.ReadFile(seed)
	f.Add(raw[:512])
	f.Add(raw[:200])
	f.Add([]byte{})
	f.Add(journalHeader())
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "j")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		js, err := scanJournal(p)
		if err != nil {
			if !errors.Is(err, tracker.ErrCorruptDB) {
				t.Fatalf("error without ErrCorruptDB: %v", err)
			}
			return
		}
		// Write what was read into a fresh journal and read it back.
		if len(js.entries) == 0 {
			return
		}
		q := filepath.Join(t.TempDir(), "k")
		j, err := openJournal(q, js.epoch, true)
		if err != nil {
			t.Fatal(err)
		}
		defer j.close()
		for _, e := range js.entries {
			studies := make([]*tracker.StudyInfo, len(e.studies))
			for i := range e.studies {
				studies[i] = &e.studies[i]
			}
			trials := make([]*goptuna.FrozenTrial, len(e.trials))
			for i := range e.trials {
				trials[i] = &e.trials[i]
			}
			payload, err := encodeJournalPayload(nil, studies, trials, e.nextID)
			if err != nil {
				t.Fatalf("re-encode: %v", err)
			}
			if err := j.append(payload, nil); err != nil {
				t.Fatal(err)
			}
		}
		again, err := scanJournal(q)
		if err != nil || len(again.entries) != len(js.entries) {
			t.Fatalf("rescan: %d records, %v; want %d", len(again.entries), err, len(js.entries))
		}
		if d := cmp.Diff(js.entries, again.entries, cmp.AllowUnexported(journalEntry{})); d != "" {
			t.Fatalf("rescan differs:\n%s", d)
		}
	})
}
