package bolt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// reader serves a ReadOnly store. Each read goes, in order of preference,
// to the socket of the process writing the database, or to the file itself
// opened read-only for just that read (so a writer is never kept waiting for
// longer than one read). Decoded studies are kept between reads as long as
// the file's last transaction id is unchanged.
type reader struct {
	s    *Store
	mu   sync.Mutex // one read at a time
	conn *clientConn
	snap *snapshot
}

func (s *Store) openReader() error {
	s.rd = &reader{s: s}
	// Probe once so that a missing, foreign or newer file fails Open.
	err := s.rd.with(func(source) error { return nil })
	if err != nil {
		return err
	}
	return nil
}

func (r *reader) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.conn != nil {
		r.conn.Close()
		r.conn = nil
	}
	r.snap = nil
	return nil
}

// errBusy: the file is locked by a writer that does not (yet) serve.
var errBusy = errors.New("database busy")

// with runs fn against the best available source.
func (r *reader) with(fn func(source) error) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	deadline := time.Now().Add(r.s.opts.readerWait)
	for {
		if r.conn == nil {
			if c, h, err := dialWriter(r.s.opts.socketPathForDB(r.s.path), time.Second); err == nil {
				if h.Version != protoVersion || h.FormatVersion != FormatVersion {
					c.Close()
					return tracker.Tagf(tracker.ErrLocked, "database %s is being written by process %d running a different cgx (protocol %d, format %d; this cgx: %d, %d); use the same cgx version",
						r.s.path, h.PID, h.Version, h.FormatVersion, protoVersion, FormatVersion)
				}
				r.conn = c
			}
		}
		if r.conn != nil {
			err := fn(remoteSource{r})
			var ce *connError
			// A writer that is closing answers ErrClosed: it is going away
			// just as when the connection drops, so read the file instead.
			if !errors.As(err, &ce) && !errors.Is(err, tracker.ErrClosed) {
				return err
			}
			r.conn.Close()
			r.conn = nil // the writer went away: read the file instead
		}
		err := r.withFile(fn)
		if !errors.Is(err, errBusy) {
			return err
		}
		if time.Now().After(deadline) {
			return tracker.Tagf(tracker.ErrLocked, "database %s is locked by a process that does not serve readers; wait for it to finish", r.s.path)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// withFile opens the file read-only for the duration of fn.
func (r *reader) withFile(fn func(source) error) (err error) {
	path := r.s.path
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return tracker.Tagf(tracker.ErrNotFound, "database %s does not exist; run a command that records results first, or pass --db", path)
	case err != nil:
		return fmt.Errorf("open database %s: %w", path, err)
	case fi.IsDir():
		return tracker.Tagf(tracker.ErrCorruptDB, "database %s is a folder, not a database file; pass the file with --db", path)
	case fi.Size() == 0:
		if err := r.s.vetEmpty(); err != nil {
			return err
		}
		return tracker.Tagf(tracker.ErrNotFound, "database %s is empty (no cgx data yet); run a command that records results first", path)
	}
	db, err := openBolt(path, &bbolt.Options{ReadOnly: true, Timeout: time.Nanosecond, OpenFile: r.s.guard(false, 0)})
	if errors.Is(err, tracker.ErrLocked) {
		return errBusy
	}
	if err != nil {
		return err
	}
	defer db.Close()
	defer func() {
		if p := recover(); p != nil {
			err = tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (%v); run 'cgx check'", path, p)
		}
	}()
	return db.View(func(tx *bbolt.Tx) error {
		v, err := readFormat(tx, path)
		if err != nil {
			return err
		}
		if err := checkReadable(path, v); err != nil {
			return err
		}
		if r.snap == nil || r.snap.txid != tx.ID() || !os.SameFile(r.snap.fi, fi) {
			// No writer holds the file, so its journal is still: what it
			// holds beyond the file (a writer that stopped) is read too.
			// Every writer session commits to the file, so the transaction
			// id tells when the journal may have changed.
			js, err := scanJournal(journalPath(path))
			if err != nil {
				return err
			}
			pend, err := js.pending(absorbedEpoch(tx), journalPath(path))
			if err != nil {
				return err
			}
			if loss := js.loss(absorbedEpoch(tx), ackOf(path)); loss != "" {
				return journalLossError(journalPath(path), loss)
			}
			r.snap = &snapshot{txid: tx.ID(), fi: fi, trials: map[int][]goptuna.FrozenTrial{}, ov: newOverlay(pend)}
		}
		src := snapshotSource{tx: tx, snap: r.snap, path: path}
		for _, b := range allBuckets {
			if tx.Bucket(b) == nil {
				return fn(brokenSource{src, tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (bucket %s is missing); run 'cgx check' for what is damaged and how to recover", path, b)})
			}
		}
		return fn(src)
	})
}

// readVia runs one read through r.with and returns its value.
func readVia[T any](r *reader, fn func(source) (T, error)) (T, error) {
	var out T
	err := r.with(func(src source) error {
		var err error
		out, err = fn(src)
		return err
	})
	return out, err
}

func (r *reader) studyList() ([]tracker.StudyInfo, error) {
	return readVia(r, func(s source) ([]tracker.StudyInfo, error) { return s.studyList() })
}

func (r *reader) studyByID(id int) (tracker.StudyInfo, error) {
	return readVia(r, func(s source) (tracker.StudyInfo, error) { return s.studyByID(id) })
}

func (r *reader) studyIDByName(name string) (int, error) {
	return readVia(r, func(s source) (int, error) { return s.studyIDByName(name) })
}

func (r *reader) trialsOf(studyID int) ([]goptuna.FrozenTrial, error) {
	return readVia(r, func(s source) ([]goptuna.FrozenTrial, error) { return s.trialsOf(studyID) })
}

func (r *reader) trialByID(id int) (goptuna.FrozenTrial, error) {
	return readVia(r, func(s source) (goptuna.FrozenTrial, error) { return s.trialByID(id) })
}

func (r *reader) runList() ([]tracker.Run, error) {
	return readVia(r, func(s source) ([]tracker.Run, error) { return s.runList() })
}

func (r *reader) runByID(id int) (tracker.Run, error) {
	return readVia(r, func(s source) (tracker.Run, error) { return s.runByID(id) })
}

func (r *reader) stageByKey(key string) (tracker.Stage, error) {
	return readVia(r, func(s source) (tracker.Stage, error) { return s.stageByKey(key) })
}

func (r *reader) stageList(runID int) ([]tracker.Stage, error) {
	return readVia(r, func(s source) ([]tracker.Stage, error) { return s.stageList(runID) })
}

func (r *reader) artifactMeta(id tracker.ID) (tracker.ArtifactMeta, error) {
	return readVia(r, func(s source) (tracker.ArtifactMeta, error) { return s.artifactMeta(id) })
}

func (r *reader) artifactList(kind string) ([]tracker.ArtifactMeta, error) {
	return readVia(r, func(s source) ([]tracker.ArtifactMeta, error) { return s.artifactList(kind) })
}

func (r *reader) checkDB() (tracker.CheckReport, error) {
	return readVia(r, func(s source) (tracker.CheckReport, error) { return s.checkDB() })
}

// brokenSource answers every read of a file that lacks a bucket with err;
// only check reads it.
type brokenSource struct {
	snapshotSource
	err error
}

func (b brokenSource) studyList() ([]tracker.StudyInfo, error)     { return nil, b.err }
func (b brokenSource) studyByID(int) (tracker.StudyInfo, error)    { return tracker.StudyInfo{}, b.err }
func (b brokenSource) studyIDByName(string) (int, error)           { return 0, b.err }
func (b brokenSource) trialsOf(int) ([]goptuna.FrozenTrial, error) { return nil, b.err }
func (b brokenSource) trialByID(int) (goptuna.FrozenTrial, error) {
	return goptuna.FrozenTrial{}, b.err
}
func (b brokenSource) runList() ([]tracker.Run, error)          { return nil, b.err }
func (b brokenSource) runByID(int) (tracker.Run, error)         { return tracker.Run{}, b.err }
func (b brokenSource) stageByKey(string) (tracker.Stage, error) { return tracker.Stage{}, b.err }
func (b brokenSource) stageList(int) ([]tracker.Stage, error)   { return nil, b.err }
func (b brokenSource) artifactMeta(tracker.ID) (tracker.ArtifactMeta, error) {
	return tracker.ArtifactMeta{}, b.err
}
func (b brokenSource) artifactList(string) ([]tracker.ArtifactMeta, error) { return nil, b.err }
