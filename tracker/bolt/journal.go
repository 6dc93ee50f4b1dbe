package bolt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"go.etcd.io/bbolt"
)

// The journal makes a finished trial durable with one fdatasync instead of
// bbolt's two. A writing store appends each trial-level commit (the trials
// it changes and their studies' records) as one checksummed record to
// "<db>.journal" and syncs it; every so often, before any other kind of
// commit, and at Close, it checkpoints: one bbolt transaction writes every
// journaled trial into the file and records the journal epoch it absorbed.
// Open replays records of a newer epoch into the file first, so a trial the
// journal acknowledged survives kill -9 and power loss alike; readers that
// find the file without a writer read the journal too. This is etcd's shape
// (a write-ahead log in front of a bbolt backend); docs/FORMAT.md has the
// layout.
//
// File layout: a 64-byte header (journalMagic, format version), then records
// from offset journalHeaderSize:
//
//	length u32 | crc32c u32 | epoch u64 | seq u64 | payload (length bytes)
//
// The CRC (Castagnoli) covers epoch, seq and payload. An epoch's records
// start at journalHeaderSize with seq 1 and follow each other without gaps,
// and each append writes a zero record header after its record, so a scan
// ends on zeros; it also stops at a record that is torn, damaged, of another
// epoch or out of sequence (older epochs' records remain behind the tail
// and are never read). The area ahead of the tail is zero-filled in
// advance, so an append rewrites allocated blocks and its fdatasync flushes
// no metadata.
const (
	journalMagic      = "cgx-journal\n"
	journalVersion    = 1
	journalHeaderSize = 64
	journalRecHeader  = 24
	journalChunk      = 1 << 20 // zero-filled ahead of the tail in 1 MiB steps
	journalMaxRecord  = 256 << 20
	// Commits writing more trials than this go straight to the file.
	journalMaxTrials = 64
	journalPayloadV1 = 1
)

// A checkpoint runs once the journal holds this many records or bytes
// (variables so that tests can make checkpoints frequent).
var (
	journalMaxRecords uint64 = 4096
	journalMaxBytes   int64  = 16 << 20
)

// keyJournal, in bucket meta, holds the last journal epoch (u64, big
// endian) whose records are all in the file.
var keyJournal = []byte("journal_epoch")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// journalPath names the journal of the database at dbPath.
func journalPath(dbPath string) string { return dbPath + ".journal" }

// journalEntry is one decoded record: the study records and trials a commit
// wrote, and the next trial id it left.
type journalEntry struct {
	seq     uint64
	studies []tracker.StudyInfo
	trials  []goptuna.FrozenTrial
	nextID  int
}

// journalScan is what a journal file holds: the epoch of its first record
// and that epoch's intact records in order.
type journalScan struct {
	exists  bool
	epoch   uint64 // 0 when there is no record
	entries []journalEntry
	end     int64  // offset after the last intact record
	stop    string // why the scan stopped before a zero-filled area, "" if it did not
	// bad is the record the scan stopped at (torn, failing its CRC, or not
	// decoding), nil when it ended on zeros or an older epoch; ahead holds
	// the intact records of the same epoch found after it, which prove
	// that it was acknowledged (records are written one after another,
	// each synced before the next).
	bad   *journalBad
	ahead []journalEntry
}

// journalBad is the record a journal scan stopped at.
type journalBad struct {
	off   int64
	seq   uint64 // the seq it should have
	epoch uint64 // its epoch, 0 if unknown
	why   string
	whole bool // its checksum holds: it was written whole, so acknowledged
}

// trials counts the trials the scanned records carry.
func (js *journalScan) trials() int {
	n := 0
	for i := range js.entries {
		n += len(js.entries[i].trials)
	}
	return n
}

// scanJournal reads the journal at path. A missing file is an empty journal.
// A damaged header, or a record whose checksum holds but whose payload does
// not decode, is ErrCorruptDB; a torn or damaged record ends the scan (it
// was never acknowledged, since each record is synced before the next one is
// written) and is described in stop.
func scanJournal(path string) (journalScan, error) {
	var js journalScan
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return js, nil
	}
	if err != nil {
		return js, fmt.Errorf("read journal %s: %w", path, err)
	}
	js.exists = true
	js.end = journalHeaderSize
	if len(raw) < journalHeaderSize {
		if len(raw) == 0 || isZero(raw) {
			return js, nil // created, then stopped before its header was written
		}
		return js, tracker.Tagf(tracker.ErrCorruptDB, "journal %s is truncated (%d bytes); if no run was interrupted, move it aside", path, len(raw))
	}
	if err := checkJournalHeader(raw[:journalHeaderSize]); err != nil {
		if isZero(raw[:journalHeaderSize]) {
			return js, nil
		}
		return js, tracker.Tagf(tracker.ErrCorruptDB, "journal %s: %v; move it aside if it does not belong to this database", path, err)
	}
	off := int64(journalHeaderSize)
	dc := distCache{}
	for {
		rest := raw[off:]
		if len(rest) < journalRecHeader || isZero(rest[:journalRecHeader]) {
			break
		}
		n := int64(binary.LittleEndian.Uint32(rest[0:4]))
		sum := binary.LittleEndian.Uint32(rest[4:8])
		epoch := binary.LittleEndian.Uint64(rest[8:16])
		seq := binary.LittleEndian.Uint64(rest[16:24])
		want := uint64(len(js.entries)) + 1
		known := js.epoch // the epoch a bad record belongs to, if known
		if known == 0 && seq == want {
			known = epoch
		}
		if n > journalMaxRecord || int64(len(rest)) < journalRecHeader+n {
			js.stop = fmt.Sprintf("torn record at offset %d", off)
			js.stopAt(raw, off, want, known, "cut short", dc)
			break
		}
		if crc32.Checksum(rest[8:journalRecHeader+n], castagnoli) != sum {
			js.stop = fmt.Sprintf("torn or damaged record at offset %d", off)
			js.stopAt(raw, off, want, known, "fails its checksum", dc)
			break
		}
		if js.epoch == 0 {
			js.epoch = epoch
		}
		if epoch != js.epoch || seq != want {
			break // an older epoch's record behind the tail
		}
		e, err := decodeJournalPayload(rest[journalRecHeader:journalRecHeader+n], dc)
		if err != nil {
			// Written whole (its checksum holds), so acknowledged: damage.
			js.stop = fmt.Sprintf("record %d of epoch %d at offset %d does not decode (%v)", seq, epoch, off, err)
			js.bad = &journalBad{off: off, seq: seq, epoch: epoch, why: fmt.Sprintf("does not decode (%v)", err), whole: true}
			js.ahead = scanAhead(raw, off+journalRecHeader+n, seq, epoch, dc)
			break
		}
		e.seq = seq
		js.entries = append(js.entries, e)
		off += journalRecHeader + n
		js.end = off
	}
	return js, nil
}

func isZero(b []byte) bool { return len(bytes.TrimLeft(b, "\x00")) == 0 }

func journalHeader() []byte {
	h := make([]byte, journalHeaderSize)
	copy(h, journalMagic)
	binary.LittleEndian.PutUint32(h[len(journalMagic):], journalVersion)
	binary.LittleEndian.PutUint32(h[journalHeaderSize-4:], crc32.Checksum(h[:journalHeaderSize-4], castagnoli))
	return h
}

func checkJournalHeader(h []byte) error {
	if string(h[:len(journalMagic)]) != journalMagic {
		return errors.New("not a cgx journal (bad magic)")
	}
	if crc32.Checksum(h[:journalHeaderSize-4], castagnoli) != binary.LittleEndian.Uint32(h[journalHeaderSize-4:]) {
		return errors.New("damaged header")
	}
	if v := binary.LittleEndian.Uint32(h[len(journalMagic):]); v != journalVersion {
		return fmt.Errorf("journal format %d, this cgx reads %d", v, journalVersion)
	}
	return nil
}

// encodeJournalPayload encodes one commit: study records, trials, next id.
func encodeJournalPayload(buf []byte, studies []*tracker.StudyInfo, trials []*goptuna.FrozenTrial, nextID int) ([]byte, error) {
	e := encoder{b: buf}
	e.byte(journalPayloadV1)
	e.uvarint(uint64(len(studies)))
	for _, st := range studies {
		e.str(string(encodeStudy(st)))
	}
	e.uvarint(uint64(len(trials)))
	for _, t := range trials {
		raw, err := encodeTrial(nil, t)
		if err != nil {
			return buf, err
		}
		e.str(string(raw))
	}
	e.int(nextID)
	return e.b, nil
}

func decodeJournalPayload(b []byte, dc distCache) (journalEntry, error) {
	var e journalEntry
	d := decoder{b: b}
	if v := d.byte(); d.err == nil && v != journalPayloadV1 {
		return e, fmt.Errorf("payload version %d", v)
	}
	n := d.count(1)
	for i := 0; i < n && d.err == nil; i++ {
		st, err := decodeStudy([]byte(d.str()))
		if err != nil {
			d.fail(err)
			break
		}
		e.studies = append(e.studies, st)
	}
	n = d.count(1)
	for i := 0; i < n && d.err == nil; i++ {
		t, err := decodeTrial([]byte(d.str()), dc)
		if err != nil {
			d.fail(err)
			break
		}
		e.trials = append(e.trials, t)
	}
	e.nextID = d.int()
	if err := d.end(); err != nil {
		return journalEntry{}, err
	}
	return e, nil
}

// absorbedEpoch reads the last journal epoch the file holds (0 for none).
func absorbedEpoch(tx *bbolt.Tx) uint64 {
	if meta := tx.Bucket(bucketMeta); meta != nil {
		if v := meta.Get(keyJournal); len(v) == 8 {
			return binary.BigEndian.Uint64(v)
		}
	}
	return 0
}

func putAbsorbedEpoch(tx *bbolt.Tx, epoch uint64) error {
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], epoch)
	return tx.Bucket(bucketMeta).Put(keyJournal, v[:])
}

// pending returns the scanned records the file does not hold yet. A writer
// appends epoch absorbed+1 (every checkpoint advances both), so a journal
// further ahead continues a later state of the file than the one at path:
// the file was replaced (say, restored from a backup) after the journal was
// written, and replaying it would leave gaps.
func (js *journalScan) pending(absorbed uint64, path string) ([]journalEntry, error) {
	switch {
	case js.epoch <= absorbed:
		return nil, nil
	case js.epoch > absorbed+1:
		return nil, tracker.Tagf(tracker.ErrCorruptDB, "journal %s continues a later state of the database (journal epoch %d, the file absorbed epoch %d): the file was replaced after a run was interrupted; restore the matching file, or move the journal aside to drop its %d trial records",
			path, js.epoch, absorbed, js.trials())
	}
	return js.entries, nil
}

// applyJournalTx writes journaled commits into the file, in order.
func applyJournalTx(tx *bbolt.Tx, entries []journalEntry) error {
	studies, trials, ids := tx.Bucket(bucketStudies), tx.Bucket(bucketTrials), tx.Bucket(bucketTrialIDs)
	ids.FillPercent = appendFill
	for _, e := range entries {
		for i := range e.studies {
			st := &e.studies[i]
			if studies.Get(u64key(st.ID)) == nil {
				return fmt.Errorf("journal record %d names study %d, which the database does not hold (the journal belongs to another file); move the journal aside to drop its trials: %w", e.seq, st.ID, tracker.ErrCorruptDB)
			}
			if err := studies.Put(u64key(st.ID), encodeStudy(st)); err != nil {
				return err
			}
		}
		for i := range e.trials {
			t := &e.trials[i]
			if sub := trials.Bucket(u64key(t.StudyID)); t.Number > 0 && (sub == nil || sub.Get(u64key(t.Number-1)) == nil) {
				return fmt.Errorf("journal record %d holds trial number %d of study %d, but the database lacks number %d (the journal belongs to another state of the file); move the journal aside to drop its trials: %w", e.seq, t.Number, t.StudyID, t.Number-1, tracker.ErrCorruptDB)
			}
			if err := putTrialTx(trials, ids, t, true); err != nil {
				return err
			}
		}
		if seq := uint64(e.nextID - 1); e.nextID > 0 && seq > ids.Sequence() {
			if err := ids.SetSequence(seq); err != nil {
				return err
			}
		}
	}
	return nil
}

// putTrialTx writes one trial record, and its id entry when index is set.
func putTrialTx(trials, ids *bbolt.Bucket, v *goptuna.FrozenTrial, index bool) error {
	sub, err := trials.CreateBucketIfNotExists(u64key(v.StudyID))
	if err != nil {
		return err
	}
	sub.FillPercent = appendFill
	// bbolt keeps the value until the commit: one buffer per record.
	raw, err := encodeTrial(nil, v)
	if err != nil {
		return err
	}
	if err := sub.Put(u64key(v.Number), raw); err != nil {
		return err
	}
	if index {
		return ids.Put(u64key(v.ID), append(u64key(v.StudyID), u64key(v.Number)...))
	}
	return nil
}

// journal is a writing store's open journal file.
type journal struct {
	f      *os.File
	path   string
	epoch  uint64 // epoch of the records being appended
	seq    uint64 // records appended in this epoch
	off    int64  // where the next record goes
	zeroed int64  // the file is allocated (zero-filled or old records) below this
	buf    []byte
	noSync bool // NoSync: records reach the operating system, not the disk
}

// openJournal opens (creating when missing) the journal at path for
// appending records of epoch, from the start of the record area.
func openJournal(path string, epoch uint64, noSync bool) (*journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open journal %s: %w; check the folder's permissions", path, err)
	}
	j := &journal{f: f, path: path, epoch: epoch, off: journalHeaderSize, noSync: noSync}
	fi, err := f.Stat()
	if err == nil {
		j.zeroed = fi.Size()
	}
	if err == nil && j.zeroed < journalHeaderSize {
		// A new file: header and the first zero-filled chunk, then make its
		// name durable, so that records synced later cannot vanish with it.
		if err = j.extend(journalChunk); err == nil {
			_, err = f.WriteAt(journalHeader(), 0)
		}
		if err == nil && !noSync {
			err = fdatasync(f)
		}
		if err == nil && !noSync {
			err = syncDir(filepath.Dir(path))
		}
	}
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("create journal %s: %w", path, err)
	}
	return j, nil
}

// extend zero-fills the file up to at least size bytes.
func (j *journal) extend(size int64) error {
	if size <= j.zeroed {
		return nil
	}
	size = (size + journalChunk - 1) / journalChunk * journalChunk
	zero := make([]byte, 64<<10)
	for j.zeroed < size {
		n := min(int64(len(zero)), size-j.zeroed)
		if _, err := j.f.WriteAt(zero[:n], j.zeroed); err != nil {
			return err
		}
		j.zeroed += n
	}
	return nil
}

// append writes one record and syncs it: the commit is durable on return.
// during, when not nil, runs while the disk syncs the record (on another
// goroutine, so that the work overlaps the wait), whether or not the sync
// succeeds; append returns once both are done.
func (j *journal) append(payload []byte, during func()) error {
	n := int64(len(payload))
	if n > journalMaxRecord {
		return fmt.Errorf("journal record of %d bytes exceeds %d", n, journalMaxRecord)
	}
	rec := append(j.buf[:0], make([]byte, journalRecHeader)...)
	rec = append(rec, payload...)
	putRecordHeader(rec, j.epoch, j.seq+1)
	end := j.off + int64(len(rec))
	// A zero record header follows every record (the next append
	// overwrites it), so a scan ends on zeros, never on the remains of an
	// older epoch, and anything else it stops at is a torn write.
	rec = append(rec, make([]byte, journalRecHeader)...)
	j.buf = rec
	if err := j.extend(end + journalRecHeader); err != nil {
		return fmt.Errorf("append to journal %s: %w", j.path, err)
	}
	if _, err := j.f.WriteAt(rec, j.off); err != nil {
		return fmt.Errorf("append to journal %s: %w", j.path, err)
	}
	var err error
	switch {
	case j.noSync:
		if during != nil {
			during()
		}
	case during == nil:
		err = fdatasync(j.f)
	default:
		err = j.syncDuring(during)
	}
	if err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	j.off = end
	j.seq++
	return nil
}

// syncDuring fdatasyncs the journal on the caller's goroutine while during
// runs on a new one: a goroutine that a busy scheduler starts late then
// delays the work, not the sync. (Linux AIO's fdsync, which lets the caller
// work while the kernel syncs, measured no faster: the sync's own wait for
// a CPU dominates either way on a busy two-core machine.)
func (j *journal) syncDuring(during func()) error {
	done := make(chan struct{})
	go func() { during(); close(done) }()
	err := fdatasync(j.f)
	<-done
	return err
}

// putRecordHeader fills the header of rec, a record header followed by its
// payload.
func putRecordHeader(rec []byte, epoch, seq uint64) {
	binary.LittleEndian.PutUint32(rec[0:4], uint32(len(rec)-journalRecHeader))
	binary.LittleEndian.PutUint64(rec[8:16], epoch)
	binary.LittleEndian.PutUint64(rec[16:24], seq)
	binary.LittleEndian.PutUint32(rec[4:8], crc32.Checksum(rec[8:], castagnoli))
}

// full reports whether it is time to checkpoint.
func (j *journal) full() bool { return j.seq >= journalMaxRecords || j.off >= journalMaxBytes }

// restart begins a new epoch once the file absorbed the current one.
func (j *journal) restart() {
	j.epoch++
	j.seq = 0
	j.off = journalHeaderSize
}

func (j *journal) close() error { return j.f.Close() }
