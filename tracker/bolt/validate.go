package bolt

import (
	"fmt"
	"github.com/cgx-dev/cgx/tracker"
	"io"
	"strings"
)

// fileReport is what validateFile found in a database file's bbolt
// structure.
type fileReport struct {
	size     int64
	pageSize uint64
	txid     uint64 // the commit bbolt would open (0: empty file)
	rootSeq  uint64
	notBolt  bool              // no bbolt header at all: perhaps another kind of file
	pages    int               // pages read
	problems []tracker.Problem // damage: the file must not reach bbolt
	dropped  int               // problems beyond those listed
	// fallback is set when one meta page fails validation while the other
	// holds: bbolt then opens the other silently. Harmless after a commit
	// cut short by a crash (the next commit rewrites that page), a lost
	// commit otherwise; the commit record (commitrec.go) tells which.
	fallback string
}

func (r *fileReport) ok() bool { return len(r.problems) == 0 }

func (r *fileReport) addf(object, format string, a ...any) {
	r.problems = append(r.problems, tracker.Problem{Object: object, Problem: fmt.Sprintf(format, a...)})
}

// summary is the first problem and a count of the others, for one-line
// errors.
func (r *fileReport) summary() string {
	if len(r.problems) == 0 {
		return ""
	}
	p := r.problems[0]
	s := p.Object + ": " + p.Problem
	if n := len(r.problems) - 1 + r.dropped; n > 0 {
		s += fmt.Sprintf(" (and %d more problem(s))", n)
	}
	return s
}

// validateFile checks everything bbolt would trust when opening and reading
// the file: both meta pages as bbolt picks between them, the file's size
// against its pages, and every page of every bucket (ids below the
// high-water mark and naming themselves, page types, element counts and
// key/value bounds, key order, no page reached twice) and the stored free
// list. It reads each page once. visit, if set, sees every readable
// key/value (see pageWalker).
func validateFile(r io.ReaderAt, size int64, visit func(path [][]byte, k, v []byte, bucket bool)) fileReport {
	return validate(r, size, visit, true)
}

// validateMeta checks the meta pages and the file's size only.
func validateMeta(r io.ReaderAt, size int64) fileReport {
	return validate(r, size, nil, false)
}

func validate(r io.ReaderAt, size int64, visit func(path [][]byte, k, v []byte, bucket bool), walk bool) fileReport {
	rep := fileReport{size: size}
	if size == 0 {
		return rep
	}
	readMeta := func(off int64) boltMeta {
		buf := make([]byte, pageHeaderSize+metaSize)
		n, _ := r.ReadAt(buf, off)
		return parseMeta(buf[:n])
	}
	// The page size comes from meta page 0, else from meta page 1 found at
	// the offsets bbolt probes.
	m0 := readMeta(0)
	ps := m0.pageSize
	if !m0.valid {
		ps = 0
		for i := 0; i <= 14; i++ {
			pos := int64(1024) << i
			if pos >= size-1024 {
				break
			}
			if m := readMeta(pos); m.valid && m.pageSize == uint64(pos) {
				ps = m.pageSize
				break
			}
		}
	}
	if ps == 0 {
		switch {
		case size < 2*minPageSize:
			rep.addf("file", "%d bytes: too short to be a database (cut short?)", size)
		case m0.why == "not a bbolt meta page (bad magic)":
			rep.notBolt = true
			rep.addf("file", "not a cgx database (no bbolt header), or its header is damaged")
		default:
			rep.addf("file", "neither meta page is valid (page 0: %s): not a bbolt database, or both copies of its root are damaged", m0.why)
		}
		return rep
	}
	if ps < minPageSize || ps > maxPageSize || ps&(ps-1) != 0 {
		rep.addf("meta page", "page size %d is not one bbolt writes", ps)
		return rep
	}
	rep.pageSize = ps
	if uint64(size) < 2*ps {
		rep.addf("file", "%d bytes, shorter than its two meta pages of %d bytes (cut short)", size, ps)
		return rep
	}
	m1 := readMeta(int64(ps))
	metas := [2]boltMeta{m0, m1}
	a, b := 0, 1 // bbolt prefers the higher txid, then falls back
	if m1.txid > m0.txid {
		a, b = 1, 0
	}
	var m boltMeta
	switch {
	case metas[a].valid:
		m = metas[a]
		if !metas[b].valid {
			rep.fallback = fmt.Sprintf("meta page %d (the older copy of the root) is damaged: %s", b, metas[b].why)
		}
	case metas[b].valid:
		m = metas[b]
		rep.fallback = fmt.Sprintf("meta page %d (the newer copy of the root) is damaged: %s; bbolt would open the previous commit %d from meta page %d", a, metas[a].why, m.txid, b)
	default:
		rep.addf("file", "both meta pages are damaged (page 0: %s; page 1: %s)", m0.why, m1.why)
		return rep
	}
	if m.pageSize != ps {
		rep.addf("meta page", "page size %d differs from the file's %d", m.pageSize, ps)
		return rep
	}
	rep.txid, rep.rootSeq = m.txid, m.rootSeq
	hwm := m.hwm
	if hwm < 3 {
		rep.addf("meta page", "high-water mark %d is below the first data page", m.hwm)
		return rep
	}
	if hwm > uint64(size)/ps {
		// Walk what the file still holds, to name what was cut off.
		rep.addf("file", "%d bytes, but its pages need %d (%d pages of %d bytes): the file was cut short", size, m.hwm*ps, m.hwm, ps)
		hwm = uint64(size) / ps
	}
	if m.root < 2 || m.root >= hwm {
		rep.addf("meta page", "root page %d is outside the file's pages 2..%d", m.root, hwm-1)
		return rep
	}
	if !walk {
		return rep
	}
	w := &pageWalker{r: r, pageSize: ps, hwm: hwm, seen: make([]uint64, (hwm+63)/64), visit: visit}
	w.mark(0, 2)
	var fl []byte
	if m.freelist != noFreelist && m.freelist < hwm {
		var ok bool
		if fl, ok = w.readPage(m.freelist, "free list"); !ok {
			fl = nil
		}
	}
	var root [bucketHeaderSize]byte
	ne.PutUint64(root[:], m.root)
	w.bucket(nil, root[:], 0)
	if fl != nil {
		w.freelist(m.freelist, fl)
	}
	rep.problems = append(rep.problems, w.problems...)
	rep.dropped = w.dropped
	rep.pages = w.pages
	return rep
}

// damagedError is the one-line error for a file that validateFile rejects.
func damagedError(path string, rep *fileReport) error {
	if rep.notBolt {
		return tracker.Tagf(tracker.ErrCorruptDB, "database %s is not a cgx database (no bbolt header) or its header is damaged; pass the right file with --db, or restore it from a backup or move it aside", path)
	}
	return tracker.Tagf(tracker.ErrCorruptDB, "database %s is damaged (%s); nothing was changed; run 'cgx check' for what is damaged and how to recover",
		path, strings.TrimSuffix(rep.summary(), "."))
}
