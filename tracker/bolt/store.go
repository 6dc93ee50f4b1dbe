package bolt

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Store is one cgx database: goptuna studies and trials, runs, stages and
// artifact metadata in a bbolt file, artifact bytes in the objects folder
// next to it. A Store is safe for use by many goroutines.
type Store struct {
	path    string
	objects string
	opts    options

	// Writing stores.
	db       *bbolt.DB
	wmu      sync.Mutex   // serializes every change and commit
	mu       sync.RWMutex // guards c; readers hold it shared
	c        *cache
	timer    *time.Timer // pending running-trial checkpoint, guarded by wmu
	jr       *journal    // nil with NoSync; guarded by wmu
	jbuf     []byte      // journal payload buffer, guarded by wmu
	srv      *server
	closed   atomic.Bool
	syncs    atomic.Int64              // disk flushes of commits (Syncs)
	commit   *commitRecord             // nil until the file is open; guarded by wmu
	lastTxid uint64                    // the last transaction committed, guarded by wmu
	ahead    atomic.Pointer[readAhead] // history copied while a commit synced (readahead.go)
	follow   atomic.Int64              // the study whose history was read since the last commit, 0 none

	keptAside string // a damaged journal copied aside at Open (AcceptLoss)
	lastMu    sync.Mutex
	lastVet   lastVet // the file this store validated last (guard.go)

	// Read-only stores.
	rd *reader
}

var _ goptuna.Storage = (*Store)(nil)

// Open opens the database at path, creating the file and its folder when
// missing (unless ReadOnly is given, which never creates anything).
func Open(path string, opts ...Option) (*Store, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	s := &Store{path: abs, objects: filepath.Join(filepath.Dir(abs), "objects"), opts: o}
	if o.readOnly {
		return s, s.openReader()
	}
	return s, s.openWriter()
}

// Path returns the absolute path of the database file.
func (s *Store) Path() string { return s.path }

// ObjectsDir returns the folder holding artifact bytes.
func (s *Store) ObjectsDir() string { return s.objects }

// IsReadOnly reports whether s was opened with ReadOnly.
func (s *Store) IsReadOnly() bool { return s.opts.readOnly }

func (s *Store) openWriter() error {
	dir := filepath.Dir(s.path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create database folder for %s: %w; choose a writable location with --db or CGX_DB", s.path, err)
	}
	if fi, err := os.Stat(s.path); err == nil && fi.IsDir() {
		return tracker.Tagf(tracker.ErrCorruptDB, "database %s is a folder, not a database file; pass the file with --db", s.path)
	}
	if _, err := os.Stat(s.path); errors.Is(err, fs.ErrNotExist) && !s.opts.acceptLoss {
		if rec, ok, _ := readCommitRecord(s.path); ok && rec.txid > 0 {
			return tracker.Tagf(tracker.ErrCorruptDB, "database %s does not exist, but %d commits were made to it (%s): it was deleted or moved; restore it, or remove %s to start a new database",
				s.path, rec.txid, commitPath(s.path), commitPath(s.path))
		}
	}
	if pid, ok := s.liveWriter(); ok {
		return tracker.Tagf(tracker.ErrLocked, "database %s is open for writing by process %d; wait for it to finish", s.path, pid)
	}
	db, err := openBolt(s.path, &bbolt.Options{
		Timeout:        s.opts.lockTimeout,
		NoFreelistSync: true,
		FreelistType:   bbolt.FreelistMapType,
		NoSync:         s.opts.noSync,
		OpenFile:       s.guard(true, s.opts.lockTimeout),
	})
	if err != nil {
		return err
	}
	s.db = db
	s.c = newCache()
	jpath := journalPath(s.path)
	var next uint64       // the journal epoch this session appends
	var aside string      // where a damaged journal was copied (AcceptLoss)
	var outcomes []string // run outcome files recorded at open
	err = s.update(func(tx *bbolt.Tx) error {
		if err := initOrMigrate(tx, s.path, FormatVersion, migrations); err != nil {
			return err
		}
		if err := checkBuckets(tx, s.path); err != nil {
			return err
		}
		// Refuse what check would call damaged, before writing into it.
		var rep tracker.CheckReport
		checkRecords(tx, s.path, &rep, false)
		if !rep.OK() {
			p := rep.Problems[0]
			more := ""
			if len(rep.Problems) > 1 {
				more = fmt.Sprintf(" and %d more problem(s)", len(rep.Problems)-1)
			}
			return tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (%s: %s%s); nothing was changed; run 'cgx check' for what is damaged and how to recover", s.path, p.Object, p.Problem, more)
		}
		// Replay what a process that stopped left in the journal.
		js, err := scanJournal(jpath)
		if err != nil && s.opts.acceptLoss && errors.Is(err, tracker.ErrCorruptDB) {
			// An unreadable journal (a damaged header): all of it is the
			// loss accepted; keep it aside and start a new one.
			if aside, err = keepAside(jpath); err != nil {
				return err
			}
			js = journalScan{}
		} else if err != nil {
			return err
		}
		absorbed := absorbedEpoch(tx)
		pend, err := js.pending(absorbed, jpath)
		if err != nil {
			return err
		}
		lostEpoch := uint64(0) // the damaged epoch whose loss is accepted
		if loss := js.loss(absorbed, ackOf(s.path)); loss != "" {
			if !s.opts.acceptLoss {
				return journalLossError(jpath, loss)
			}
			if js.exists {
				if aside, err = keepAside(jpath); err != nil {
					return err
				}
			}
			lostEpoch = max(js.epoch, ackOf(s.path).epoch, absorbed+1)
			if js.bad != nil {
				lostEpoch = max(lostEpoch, js.bad.epoch)
			}
		}
		if len(pend) > 0 {
			if err := applyJournalTx(tx, pend); err != nil {
				return fmt.Errorf("replay journal %s: %w", jpath, err)
			}
			absorbed = js.epoch
			if err := putAbsorbedEpoch(tx, absorbed); err != nil {
				return err
			}
		}
		if lostEpoch > absorbed {
			// The damaged epoch counts as absorbed: its unreadable
			// remains are never read again.
			absorbed = lostEpoch
			if err := putAbsorbedEpoch(tx, absorbed); err != nil {
				return err
			}
		}
		next = max(absorbed, js.epoch) + 1
		if outcomes, err = applyOutcomes(tx, s.path); err != nil {
			return err
		}
		return s.c.loadStudies(tx)
	})
	if err == nil {
		for _, f := range outcomes {
			os.Remove(f) // recorded in the file now
		}
	}
	if err == nil {
		// The commit record exists from the first commit that succeeded,
		// so a refused open leaves nothing behind.
		s.commit, err = openCommitRecord(s.path, s.opts.noSync)
	}
	if err == nil {
		_ = s.commit.put(s.lastTxid)
		s.jr, err = openJournal(jpath, next, s.opts.noSync)
	}
	s.keptAside = aside
	if err != nil {
		db.Close()
		s.commit.close()
		s.commit = nil
		if tracker.IsTagged(err) { // already names the file and what to do
			return err
		}
		return fmt.Errorf("open database %s: %w", s.path, err)
	}
	if !s.opts.noServe {
		s.srv = startServer(s)
	}
	return nil
}

// openBolt opens the bbolt file and names the problem in one line when it
// cannot: a lock held elsewhere, a file that is not a database, no permission.
func openBolt(path string, o *bbolt.Options) (db *bbolt.DB, err error) {
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (%v); restore it from a backup or move it aside", path, r)
		}
	}()
	db, err = bbolt.Open(path, 0o644, o)
	switch {
	case err == nil:
		return db, nil
	case tracker.IsTagged(err): // from the guard: names the file and what to do
		return nil, err
	case errors.Is(err, bolterrors.ErrTimeout):
		return nil, tracker.Tagf(tracker.ErrLocked, "database %s is locked by another process; wait for it to finish", path)
	case errors.Is(err, bolterrors.ErrInvalid), errors.Is(err, bolterrors.ErrVersionMismatch),
		errors.Is(err, bolterrors.ErrChecksum), errors.Is(err, bolterrors.ErrInvalidMapping):
		return nil, tracker.Tagf(tracker.ErrCorruptDB, "database %s is not a cgx database or is damaged (%v); restore it from a backup or move it aside", path, err)
	case errors.Is(err, fs.ErrNotExist):
		return nil, tracker.Tagf(tracker.ErrNotFound, "database %s does not exist; run a command that writes results first, or pass --db", path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("open database %s: %w; check the file's permissions or choose another --db", path, err)
	default:
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
}

// Close flushes buffered RUNNING trials, stops serving readers and closes
// the file. Closing twice is a no-op.
func (s *Store) Close() error {
	return s.shut(true)
}

// shut closes the store. Without flush it stops as kill -9 would, as far as
// the database is concerned: buffered trials are dropped, the journal is
// neither absorbed nor removed (tests use this to simulate crashes).
func (s *Store) shut(flush bool) error {
	if !s.closed.CompareAndSwap(false, true) {
		return nil
	}
	if s.rd != nil {
		return s.rd.close()
	}
	// Stop serving first, without holding wmu: a request in flight may need
	// it to load a study, and new requests now get ErrClosed.
	if s.srv != nil {
		s.srv.close()
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.timer != nil {
		s.timer.Stop()
		s.timer = nil
	}
	if !flush {
		if s.jr != nil {
			s.jr.close()
			s.jr = nil
		}
		s.commit.close()
		return s.db.Close()
	}
	err := s.checkpointLocked()
	if s.jr != nil {
		s.jr.close()
		if err == nil {
			// Everything is in the file: at rest the database is one file.
			if rerr := os.Remove(s.jr.path); rerr != nil {
				err = fmt.Errorf("remove journal %s: %w", s.jr.path, rerr)
			}
		}
		s.jr = nil
	}
	if cerr := s.db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("close database %s: %w", s.path, cerr)
	}
	if cerr := s.commit.close(); err == nil && cerr != nil {
		err = fmt.Errorf("close commit record of %s: %w", s.path, cerr)
	}
	return err
}

// commitFault, when set (by tests), fails commits to the file the way a
// full disk does.
var commitFault func() error

// update runs fn in one bbolt write transaction, converting a panic inside
// bbolt (a damaged page) into ErrCorruptDB, and records the commit in the
// commit record.
func (s *Store) update(fn func(tx *bbolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (%v); run 'cgx check'", s.path, r)
		}
	}()
	var txid int
	err = s.db.Update(func(tx *bbolt.Tx) error {
		txid = tx.ID()
		if err := fn(tx); err != nil {
			return err
		}
		if commitFault != nil {
			return commitFault()
		}
		return nil
	})
	if err == nil {
		s.lastTxid = uint64(txid)
		if s.commit != nil {
			_ = s.commit.put(s.lastTxid)
		}
		if !s.opts.noSync {
			s.syncs.Add(2) // bbolt syncs the data pages, then the meta page
		}
	}
	return err
}

// Syncs returns how many times this Store has had the disk flush a commit:
// one per journal record, two per bbolt transaction (its data pages, then
// its meta page). It is 0 with NoSync. Benchmarks divide it by the trials
// stored to show what a durable trial costs.
func (s *Store) Syncs() int64 { return s.syncs.Load() }

// view runs fn in one bbolt read transaction with the same panic guard.
func (s *Store) view(fn func(tx *bbolt.Tx) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (%v); run 'cgx check'", s.path, r)
		}
	}()
	return s.db.View(fn)
}

// writable returns an error unless s may change the database.
func (s *Store) writable(op string) error {
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", op, tracker.ErrClosed)
	}
	if s.opts.readOnly {
		return fmt.Errorf("%s: database %s was opened read-only: %w", op, s.path, tracker.ErrReadOnly)
	}
	return nil
}
