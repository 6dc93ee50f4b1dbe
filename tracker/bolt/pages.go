package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"github.com/cgx-dev/cgx/tracker"
	"hash/fnv"
	"io"
	"strconv"
)

// bbolt's on-disk layout, read here without bbolt so that a damaged file is
// never handed to it: bbolt trusts every page id, count and offset it reads
// from its memory map and answers damage with SIGSEGV, SIGBUS or a panic in
// a goroutine of its own, none of which a caller can recover. The layout is
// bbolt's internal/common (page.go, meta.go, bucket.go), native byte order:
//
//	page header (16 bytes): id u64 | flags u16 | count u16 | overflow u32
//	meta (after the header): magic u32 | version u32 | page size u32 |
//	    flags u32 | root bucket (root page u64, sequence u64) | freelist u64 |
//	    high-water page id u64 | txid u64 | FNV-1a 64 of the preceding 56 bytes
//	branch element (16 bytes): pos u32 | key size u32 | child page id u64
//	leaf element (16 bytes): flags u32 | pos u32 | key size u32 | value size u32
//
// pos counts from the element itself. A leaf element with flag 1 is a nested
// bucket: its value is a bucket header (root page u64, sequence u64), followed,
// when the root is 0, by the bucket's one leaf page inline.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16
	pageElemSize     = 16
	metaSize         = 64
	bucketHeaderSize = 16
	flagBranch       = 0x01
	flagLeaf         = 0x02
	flagMeta         = 0x04
	flagFreelist     = 0x10
	leafFlagBucket   = 0x01
	noFreelist       = ^uint64(0)
	maxPageSize      = 1 << 24 // bbolt probes page sizes up to 16 MiB
	minPageSize      = 1024
	maxTreeDepth     = 64 // pages from a bucket's root to a leaf, buckets nested included
	maxProblems      = 40 // listed one by one; the rest are counted
)

var ne = binary.NativeEndian

// boltMeta is one decoded meta page.
type boltMeta struct {
	valid    bool
	why      string // why it is invalid
	pageSize uint64
	root     uint64
	rootSeq  uint64
	freelist uint64
	hwm      uint64 // first page id past the file's pages
	txid     uint64
}

func parseMeta(b []byte) boltMeta {
	var m boltMeta
	if len(b) < pageHeaderSize+metaSize {
		m.why = "cut short"
		return m
	}
	d := b[pageHeaderSize : pageHeaderSize+metaSize]
	m.pageSize = uint64(ne.Uint32(d[8:]))
	m.root, m.rootSeq = ne.Uint64(d[16:]), ne.Uint64(d[24:])
	m.freelist, m.hwm, m.txid = ne.Uint64(d[32:]), ne.Uint64(d[40:]), ne.Uint64(d[48:])
	h := fnv.New64a()
	h.Write(d[:56])
	switch {
	case ne.Uint32(d[0:]) != boltMagic:
		m.why = "not a bbolt meta page (bad magic)"
	case ne.Uint32(d[4:]) != boltVersion:
		m.why = fmt.Sprintf("bbolt format %d, want %d", ne.Uint32(d[4:]), boltVersion)
	case ne.Uint64(d[56:]) != h.Sum64():
		m.why = "checksum mismatch"
	default:
		m.valid = true
	}
	return m
}

// pageWalker walks bbolt's B+trees through an io.ReaderAt, checking every
// bound before it uses it. It reports damage and goes on past it (skipping
// what a bad page would lead to), so one walk both validates a file and, with
// visit set, yields every key/value that can still be read.
type pageWalker struct {
	r        io.ReaderAt
	pageSize uint64
	hwm      uint64
	seen     []uint64 // bitmap of page ids reached
	problems []tracker.Problem
	dropped  int // problems beyond maxProblems
	pages    int // pages read
	// visit, when set, receives every leaf element that lies within its
	// page: path names the bucket (top-level name, then nested keys), bucket
	// tells a nested bucket's entry (v is then its header and inline page).
	visit func(path [][]byte, k, v []byte, bucket bool)
}

func (w *pageWalker) addf(object, format string, a ...any) {
	if len(w.problems) >= maxProblems {
		w.dropped++
		return
	}
	w.problems = append(w.problems, tracker.Problem{Object: object, Problem: fmt.Sprintf(format, a...)})
}

// mark records that pages id..id+n-1 are in use and reports which one was
// already reached.
func (w *pageWalker) mark(id, n uint64) (twice uint64, ok bool) {
	for p := id; p < id+n; p++ {
		word, bit := p/64, uint64(1)<<(p%64)
		if w.seen[word]&bit != 0 {
			return p, false
		}
		w.seen[word] |= bit
	}
	return 0, true
}

func (w *pageWalker) isSeen(id uint64) bool { return w.seen[id/64]&(1<<(id%64)) != 0 }

// readPage reads page id and its overflow pages, checking that they lie
// below the high-water mark and that the page names itself.
func (w *pageWalker) readPage(id uint64, obj string) ([]byte, bool) {
	if id < 2 || id >= w.hwm {
		w.addf(obj, "points to page %d, outside the file's pages 2..%d", id, w.hwm-1)
		return nil, false
	}
	var h [pageHeaderSize]byte
	if _, err := w.r.ReadAt(h[:], int64(id*w.pageSize)); err != nil {
		w.addf(obj, "page %d cannot be read: %v", id, err)
		return nil, false
	}
	if got := ne.Uint64(h[0:]); got != id {
		w.addf(obj, "page %d calls itself page %d", id, got)
		return nil, false
	}
	over := uint64(ne.Uint32(h[12:]))
	if over >= w.hwm-id {
		w.addf(obj, "page %d claims %d overflow pages, past the end of the file's pages", id, over)
		return nil, false
	}
	if p, ok := w.mark(id, over+1); !ok {
		w.addf(obj, "page %d is reached twice (the tree has a cycle or shared pages)", p)
		return nil, false
	}
	buf := make([]byte, (over+1)*w.pageSize)
	if _, err := w.r.ReadAt(buf, int64(id*w.pageSize)); err != nil {
		w.addf(obj, "page %d cannot be read: %v", id, err)
		return nil, false
	}
	w.pages += int(over + 1)
	return buf, true
}

// bucketName renders a bucket path for messages: top-level names as text,
// nested 8-byte keys as numbers (trials/3 is study 3's trial bucket).
func bucketName(path [][]byte) string {
	if len(path) == 0 {
		return "the root bucket"
	}
	var b []byte
	for i, p := range path {
		if i > 0 {
			b = append(b, '/')
		}
		switch {
		case len(p) == 8:
			b = strconv.AppendUint(b, binary.BigEndian.Uint64(p), 10)
		case printable(p):
			b = append(b, p...)
		default:
			b = append(b, fmt.Sprintf("%x", p)...)
		}
	}
	return "bucket " + string(b)
}

func printable(p []byte) bool {
	for _, c := range p {
		if c < 0x21 || c > 0x7e {
			return false
		}
	}
	return len(p) > 0
}

// bucket walks a bucket given its header (root page, or 0 and the inline page).
func (w *pageWalker) bucket(path [][]byte, header []byte, depth int) {
	obj := bucketName(path)
	root := ne.Uint64(header[0:])
	if root != 0 {
		buf, ok := w.readPage(root, obj)
		if ok {
			w.node(path, buf, root, nil, nil, depth)
		}
		return
	}
	inline := header[bucketHeaderSize:]
	if len(inline) < pageHeaderSize {
		w.addf(obj, "inline bucket of %d bytes is cut short", len(header))
		return
	}
	if f := ne.Uint16(inline[8:]); f != flagLeaf {
		w.addf(obj, "inline bucket page has type %#x, want a leaf", f)
		return
	}
	w.node(path, inline, 0, nil, nil, depth)
}

// node checks one branch or leaf page (buf, id 0 for an inline page) whose
// keys must lie in [lo, hi) (nil: unbounded) and walks what it points to. It
// returns the largest key below it, as bbolt's own check orders subtrees.
func (w *pageWalker) node(path [][]byte, buf []byte, id uint64, lo, hi []byte, depth int) []byte {
	obj := bucketName(path)
	where := fmt.Sprintf("page %d", id)
	if id == 0 {
		where = "inline page"
	}
	if depth > maxTreeDepth {
		w.addf(obj, "%s: tree deeper than %d pages", where, maxTreeDepth)
		return nil
	}
	flags, count := ne.Uint16(buf[8:]), uint64(ne.Uint16(buf[10:]))
	if flags != flagBranch && flags != flagLeaf {
		w.addf(obj, "%s has type %#x where a branch or leaf page belongs", where, flags)
		return nil
	}
	if pageHeaderSize+count*pageElemSize > uint64(len(buf)) {
		w.addf(obj, "%s claims %d elements, more than it can hold", where, count)
		return nil
	}
	if flags == flagBranch && count == 0 {
		w.addf(obj, "%s is a branch without elements", where)
		return nil
	}
	// Every element's key (and value) must lie within the page.
	type elem struct{ k, v []byte }
	elems := make([]elem, count)
	for i := uint64(0); i < count; i++ {
		at := pageHeaderSize + i*pageElemSize
		e := buf[at : at+pageElemSize]
		var pos, ks, vs uint64
		if flags == flagBranch {
			pos, ks = uint64(ne.Uint32(e[0:])), uint64(ne.Uint32(e[4:]))
		} else {
			if f := ne.Uint32(e[0:]); f&^leafFlagBucket != 0 {
				w.addf(obj, "%s element %d has unknown flags %#x", where, i, f)
				return nil
			}
			pos, ks, vs = uint64(ne.Uint32(e[4:])), uint64(ne.Uint32(e[8:])), uint64(ne.Uint32(e[12:]))
		}
		if at+pos+ks+vs > uint64(len(buf)) {
			w.addf(obj, "%s element %d points outside the page", where, i)
			return nil
		}
		elems[i] = elem{buf[at+pos : at+pos+ks], buf[at+pos+ks : at+pos+ks+vs]}
	}
	// Keys ascend strictly and stay within the range the parent gives.
	prev := lo
	for i, e := range elems {
		if (i == 0 && prev != nil && bytes.Compare(prev, e.k) > 0) || (i > 0 && bytes.Compare(prev, e.k) >= 0) ||
			(hi != nil && bytes.Compare(e.k, hi) >= 0) {
			w.addf(obj, "%s: key %d (%s) is out of order", where, i, keyHex(e.k))
			return nil
		}
		prev = e.k
	}
	if flags == flagLeaf {
		for i, e := range elems {
			isBucket := ne.Uint32(buf[pageHeaderSize+uint64(i)*pageElemSize:])&leafFlagBucket != 0
			if isBucket {
				if len(e.v) < bucketHeaderSize {
					w.addf(bucketName(append(path[:len(path):len(path)], e.k)), "bucket header of %d bytes is cut short", len(e.v))
					continue
				}
				if w.visit != nil {
					w.visit(path, e.k, e.v, true)
				}
				w.bucket(append(path[:len(path):len(path)], e.k), e.v, depth+1)
				continue
			}
			if w.visit != nil {
				w.visit(path, e.k, e.v, false)
			}
		}
		if count == 0 {
			return lo
		}
		return elems[count-1].k
	}
	maxKey := lo
	for i, e := range elems {
		child := ne.Uint64(buf[pageHeaderSize+uint64(i)*pageElemSize+8:])
		next := hi
		if i+1 < len(elems) {
			next = elems[i+1].k
		}
		if i > 0 && maxKey != nil && bytes.Compare(maxKey, e.k) >= 0 {
			w.addf(obj, "%s: key %d (%s) is out of order", where, i, keyHex(e.k))
			return nil
		}
		cb, ok := w.readPage(child, obj)
		if !ok {
			maxKey = e.k
			continue
		}
		if m := w.node(path, cb, child, e.k, next, depth+1); m != nil {
			maxKey = m
		} else {
			maxKey = e.k
		}
	}
	return maxKey
}

// freelist checks a stored free list page: type, size, and ids that are
// real pages no tree uses (run after the walk, so reached pages are known).
func (w *pageWalker) freelist(id uint64, buf []byte) {
	obj := "free list"
	if f := ne.Uint16(buf[8:]); f != flagFreelist {
		w.addf(obj, "page %d has type %#x, want a free list", id, f)
		return
	}
	idx, n := uint64(0), uint64(ne.Uint16(buf[10:]))
	if n == 0xFFFF {
		if len(buf) < pageHeaderSize+8 {
			w.addf(obj, "page %d is cut short", id)
			return
		}
		idx, n = 1, ne.Uint64(buf[pageHeaderSize:])
	}
	if n > (uint64(len(buf))-pageHeaderSize)/8 || pageHeaderSize+(idx+n)*8 > uint64(len(buf)) {
		w.addf(obj, "page %d claims %d free pages, more than it holds", id, n)
		return
	}
	dup := make(map[uint64]bool, n)
	for i := idx; i < idx+n; i++ {
		p := ne.Uint64(buf[pageHeaderSize+i*8:])
		switch {
		case p < 2 || p >= w.hwm:
			w.addf(obj, "lists page %d, outside the file's pages", p)
			return
		case dup[p]:
			w.addf(obj, "lists page %d twice", p)
			return
		case w.isSeen(p):
			w.addf(obj, "lists page %d, which is in use", p)
			return
		}
		dup[p] = true
	}
}

// keyHex renders a key for messages: hex, at most 16 bytes of it.
func keyHex(k []byte) string {
	if len(k) > 16 {
		return fmt.Sprintf("%x... (%d bytes)", k[:16], len(k))
	}
	return fmt.Sprintf("%x", k)
}
