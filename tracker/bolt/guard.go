package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"github.com/cgx-dev/cgx/tracker"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// The commit record "<db>.commit" keeps, outside the bbolt file, the id of
// the last transaction a writer committed to it. bbolt keeps two copies of
// its root (the meta pages) and silently opens the older one when the newer
// fails its checksum: right after a crash cut a commit short, but a lost
// commit when an acknowledged page was damaged later. The record tells the
// two apart: a file whose commit is older than the record has lost commits
// (or was replaced by an older copy), and is refused until the user decides.
// The record is written after each commit returns, so it never runs ahead
// of a commit that survived; it is not synced per commit (a record that
// lags only weakens the check), but at Close.
//
// It also keeps the journal's last acknowledged record (epoch and seq),
// written after each journal append, so that a damaged last record of the
// journal is told from one torn by a crash.
//
// Layout (48 bytes, little-endian): magic "cgx-commit\n\x00" (12), version
// u32 = 1, txid u64, journal epoch u64, journal seq u64, zero u32, CRC-32C
// of bytes 0..43 (u32).
const (
	commitMagic   = "cgx-commit\n\x00"
	commitVersion = 1
	commitRecSize = 48
)

func commitPath(dbPath string) string { return dbPath + ".commit" }

// commitInfo is the content of a commit record.
type commitInfo struct {
	txid uint64
	ack  journalAck
}

func encodeCommitRecord(c commitInfo) []byte {
	b := make([]byte, commitRecSize)
	copy(b, commitMagic)
	binary.LittleEndian.PutUint32(b[12:], commitVersion)
	binary.LittleEndian.PutUint64(b[16:], c.txid)
	binary.LittleEndian.PutUint64(b[24:], c.ack.epoch)
	binary.LittleEndian.PutUint64(b[32:], c.ack.seq)
	binary.LittleEndian.PutUint32(b[44:], crc32.Checksum(b[:44], castagnoli))
	return b
}

// readCommitRecord returns the record; ok is false when there is none, and
// damaged describes a record that does not decode (it is then ignored: the
// next commit rewrites it).
func readCommitRecord(dbPath string) (c commitInfo, ok bool, damaged string) {
	b, err := os.ReadFile(commitPath(dbPath))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return c, false, ""
	case err != nil:
		return c, false, err.Error()
	case len(b) != commitRecSize || string(b[:12]) != commitMagic ||
		binary.LittleEndian.Uint32(b[44:]) != crc32.Checksum(b[:44], castagnoli):
		return c, false, fmt.Sprintf("%s is not a valid commit record (%d bytes)", commitPath(dbPath), len(b))
	case binary.LittleEndian.Uint32(b[12:]) != commitVersion:
		return c, false, fmt.Sprintf("%s has version %d", commitPath(dbPath), binary.LittleEndian.Uint32(b[12:]))
	}
	c.txid = binary.LittleEndian.Uint64(b[16:])
	c.ack = journalAck{epoch: binary.LittleEndian.Uint64(b[24:]), seq: binary.LittleEndian.Uint64(b[32:])}
	return c, true, ""
}

// ackOf returns the journal acknowledgement the commit record holds.
func ackOf(dbPath string) journalAck {
	c, _, _ := readCommitRecord(dbPath)
	return c.ack
}

// commitRecord is a writer's open commit record.
type commitRecord struct {
	f      *os.File
	noSync bool
	cur    commitInfo
}

func openCommitRecord(dbPath string, noSync bool) (*commitRecord, error) {
	path := commitPath(dbPath)
	_, err := os.Stat(path)
	created := errors.Is(err, fs.ErrNotExist)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open commit record %s: %w; check the folder's permissions", path, err)
	}
	if created && !noSync {
		_ = syncDir(filepath.Dir(path))
	}
	c := &commitRecord{f: f, noSync: noSync}
	c.cur, _, _ = readCommitRecord(dbPath)
	return c, nil
}

// put records a commit to the file. A failed write leaves an older record,
// which only weakens the checks, so callers may ignore the error.
func (c *commitRecord) put(txid uint64) error {
	c.cur.txid = txid
	_, err := c.f.WriteAt(encodeCommitRecord(c.cur), 0)
	return err
}

// putJournal records an acknowledged journal record.
func (c *commitRecord) putJournal(epoch, seq uint64) error {
	if c == nil {
		return nil
	}
	c.cur.ack = journalAck{epoch: epoch, seq: seq}
	_, err := c.f.WriteAt(encodeCommitRecord(c.cur), 0)
	return err
}

func (c *commitRecord) close() error {
	if c == nil {
		return nil
	}
	var err error
	if !c.noSync {
		err = fdatasync(c.f)
	}
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	return err
}

// vetted remembers, for the whole process, the files that validated (by
// path, identity, size and modification time), so that readers opened again
// and again on an unchanged file (one per dashboard request) skip the walk.
// Writers always validate.
var vetted sync.Map // absolute path -> vettedFile

type vettedFile struct {
	fi    os.FileInfo
	size  int64
	mtime time.Time
}

func vettedBefore(path string, fi os.FileInfo) bool {
	v, ok := vetted.Load(path)
	if !ok {
		return false
	}
	vf := v.(vettedFile)
	return os.SameFile(vf.fi, fi) && vf.size == fi.Size() && vf.mtime.Equal(fi.ModTime())
}

// setVetted remembers a file validated from time start on. Only a file
// last modified well before start is remembered: file times advance in
// coarse steps, and a change made just after the validation must not carry
// the same time as the version validated.
func setVetted(path string, fi os.FileInfo, start time.Time) {
	if start.Sub(fi.ModTime()) < 2*time.Second {
		vetted.Delete(path)
		return
	}
	vetted.Store(path, vettedFile{fi: fi, size: fi.Size(), mtime: fi.ModTime()})
}

// guard is bbolt's OpenFile hook: it opens and locks the file as bbolt
// will, then hands it over only if its structure validates and its commit
// is not older than the commit record. bbolt never sees a file it would
// crash on.
func (s *Store) guard(exclusive bool, timeout time.Duration) func(string, int, os.FileMode) (*os.File, error) {
	return func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		if err != nil {
			return nil, err
		}
		if err := lockFile(f, exclusive, timeout); err != nil {
			f.Close()
			return nil, err
		}
		if err := s.vet(f, exclusive); err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
}

// vet validates the locked file f (the database at s.path); a reader skips
// the walk of a file that validated unchanged before.
func (s *Store) vet(f *os.File, writer bool) error {
	start := time.Now()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open database %s: %w", s.path, err)
	}
	if fi.Size() == 0 {
		return s.vetEmpty()
	}
	if !writer {
		if vettedBefore(s.path, fi) {
			return s.vetCommitQuick(f, fi.Size(), 0)
		}
		// This store's last read saw the same file at the same commit:
		// only a writer's commit changes it then, and that bumps the txid.
		s.lastMu.Lock()
		last := s.lastVet
		s.lastMu.Unlock()
		if last.fi != nil && os.SameFile(last.fi, fi) && last.size == fi.Size() && last.mtime.Equal(fi.ModTime()) {
			if err := s.vetCommitQuick(f, fi.Size(), last.txid); !errors.Is(err, errChanged) {
				return err
			}
		}
	}
	rep := validateFile(f, fi.Size(), nil)
	if !rep.ok() {
		return damagedError(s.path, &rep)
	}
	if err := s.vetCommit(&rep); err != nil {
		return err
	}
	setVetted(s.path, fi, start)
	s.lastMu.Lock()
	s.lastVet = lastVet{vettedFile: vettedFile{fi: fi, size: fi.Size(), mtime: fi.ModTime()}, txid: rep.txid}
	s.lastMu.Unlock()
	return nil
}

// lastVet is the file a store validated last, at commit txid.
type lastVet struct {
	vettedFile
	txid uint64
}

// errChanged: the file is at another commit than the one validated.
var errChanged = errors.New("file changed since it was validated")

// vetCommitQuick compares a file validated before with the commit record,
// which may have changed since (a restore, a later commit elsewhere): only
// the meta pages are read.
func (s *Store) vetCommitQuick(f *os.File, size int64, txid uint64) error {
	rep := validateMeta(f, size)
	if !rep.ok() {
		return damagedError(s.path, &rep)
	}
	if txid != 0 && rep.txid != txid {
		return errChanged
	}
	return s.vetCommit(&rep)
}

// vetEmpty refuses an empty file that the commit record says held commits
// (bbolt would make it a new, empty database).
func (s *Store) vetEmpty() error {
	if rec, ok, _ := readCommitRecord(s.path); ok && rec.txid > 0 && !s.opts.acceptLoss {
		return tracker.Tagf(tracker.ErrCorruptDB, "database %s is empty, but %d commits were made to it (%s): it was cut short or replaced; nothing was changed; restore it from a backup, or accept the loss and start anew with 'cgx check --accept-loss'",
			s.path, rec.txid, commitPath(s.path))
	}
	return nil
}

// vetCommit refuses a file whose commit is older than the commit record.
func (s *Store) vetCommit(rep *fileReport) error {
	if s.opts.acceptLoss {
		return nil
	}
	if msg := rollbackProblem(s.path, rep); msg != "" {
		return tracker.Tagf(tracker.ErrCorruptDB, "database %s %s; nothing was changed; restore it from a backup, or accept the older state with 'cgx check --accept-loss'", s.path, msg)
	}
	return nil
}

// rollbackProblem describes commits the file lost, "" if none.
func rollbackProblem(path string, rep *fileReport) string {
	c, ok, _ := readCommitRecord(path)
	rec := c.txid
	if !ok || rec <= rep.txid {
		return ""
	}
	why := "the file is older than the one last written (restored from a backup, or copied over?)"
	if rep.fallback != "" {
		why = rep.fallback
	}
	return fmt.Sprintf("lost its last %d commit(s): it opens at commit %d but commit %d was made (%s): %s",
		rec-rep.txid, rep.txid, rec, commitPath(path), why)
}
