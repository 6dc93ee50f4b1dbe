package optunafile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
)

// sqliteIndex is an index to build over a table: its name, its CREATE INDEX
// text ("" for the automatic index of a UNIQUE or PRIMARY KEY constraint,
// which sqlite_master lists without SQL) and the positions of its columns
// in the table's rows.
type sqliteIndex struct {
	name, sql string
	cols      []int
}

// compareSQL orders values as SQLite's BINARY collation does: NULL, then
// numbers by value, then text by bytes, then blobs.
func compareSQL(a, b sqlValue) int {
	rank := func(v sqlValue) int {
		switch v.(type) {
		case nil:
			return 0
		case int64, float64:
			return 1
		case string:
			return 2
		}
		return 3
	}
	ra, rb := rank(a), rank(b)
	if ra != rb {
		return ra - rb
	}
	switch x := a.(type) {
	case int64:
		if y, ok := b.(int64); ok {
			return cmpOrdered(x, y)
		}
		f, _ := sqlFloat(b)
		return cmpOrdered(float64(x), f)
	case float64:
		f, _ := sqlFloat(b)
		return cmpOrdered(x, f)
	case string:
		return bytes.Compare([]byte(x), []byte(b.(string)))
	case []byte:
		return bytes.Compare(x, b.([]byte))
	}
	return 0
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// writeIndex builds the b-tree of index ix over rows and returns its root.
func (p *pager) writeIndex(rows []sqliteRow, ix sqliteIndex) (int, error) {
	entries := make([][]sqlValue, len(rows))
	for i, r := range rows {
		e := make([]sqlValue, 0, len(ix.cols)+1)
		for _, c := range ix.cols {
			v := r.vals[c]
			if v == nil && c == 0 {
				v = r.rowid // the rowid alias column
			}
			e = append(e, v)
		}
		entries[i] = append(e, r.rowid)
	}
	sort.SliceStable(entries, func(i, j int) bool {
		for k := range entries[i] {
			if c := compareSQL(entries[i][k], entries[j][k]); c != 0 {
				return c < 0
			}
		}
		return false
	})
	payloads := make([][]byte, len(entries))
	for i, e := range entries {
		rec, err := encodeRecord(e)
		if err != nil {
			return 0, fmt.Errorf("index %s: %w", ix.name, err)
		}
		payloads[i] = rec
	}
	// Each entry's cell is encoded once (its overflow pages are allocated
	// then), whether it ends in a leaf or goes up as a divider.
	memo := make([][]byte, len(payloads))
	cellOf := func(i int) []byte {
		if memo[i] == nil {
			memo[i] = p.indexCell(payloads[i])
		}
		return memo[i]
	}
	// Leaves, with one entry between each two promoted to the level above.
	type item struct {
		child   int
		divider int // entry index; -1 for the right-most child
	}
	var level []item
	var cells [][]byte
	used := 0
	leaf := func() int {
		page := p.alloc()
		writeBtreePage(p.pages[page-1], 0, pageLeafIndex, cells, 0)
		cells, used = nil, 0
		return page
	}
	for i := 0; i < len(payloads); i++ {
		cell := cellOf(i)
		if used+len(cell)+2 > sqlitePageSize-8 && len(cells) > 1 {
			// Entry i goes up between this leaf and the next; the last entry
			// never does (the one before it goes), so no leaf is empty.
			if i < len(payloads)-1 {
				level = append(level, item{leaf(), i})
				continue
			}
			cells = cells[:len(cells)-1]
			level = append(level, item{leaf(), i - 1})
		}
		cells = append(cells, cell)
		used += len(cell) + 2
	}
	level = append(level, item{leaf(), -1})
	for len(level) > 1 {
		var next []item
		var icells [][]byte
		used := 0
		for i, it := range level {
			if it.divider < 0 { // the last child: the right-most pointer
				page := p.alloc()
				writeBtreePage(p.pages[page-1], 0, pageInteriorIndex, icells, uint32(it.child))
				next = append(next, item{page, -1})
				icells, used = nil, 0
				continue
			}
			cell := append(binary.BigEndian.AppendUint32(nil, uint32(it.child)), cellOf(it.divider)...)
			if used+len(cell)+2 > sqlitePageSize-12 && len(icells) > 1 {
				if i < len(level)-2 {
					// it's child closes this page; its divider goes up.
					page := p.alloc()
					writeBtreePage(p.pages[page-1], 0, pageInteriorIndex, icells, uint32(it.child))
					next = append(next, item{page, it.divider})
					icells, used = nil, 0
					continue
				}
				// Only the right-most child would follow: the item before
				// closes this page instead, so the next page has a cell.
				prev := level[i-1]
				page := p.alloc()
				writeBtreePage(p.pages[page-1], 0, pageInteriorIndex, icells[:len(icells)-1], uint32(prev.child))
				next = append(next, item{page, prev.divider})
				icells, used = nil, 0
			}
			icells = append(icells, cell)
			used += len(cell) + 2
		}
		level = next
	}
	return level[0].child, nil
}

// indexCell encodes an index payload with its local part and overflow
// chain (the 4-byte child pointer of interior cells is prepended by the
// caller).
func (p *pager) indexCell(payload []byte) []byte {
	cell := putVarint(nil, uint64(len(payload)))
	u := sqlitePageSize
	x := ((u-12)*64)/255 - 23
	local := len(payload)
	if local > x {
		m := ((u-12)*32)/255 - 23
		k := m + (len(payload)-m)%(u-4)
		local = m
		if k <= x {
			local = k
		}
	}
	cell = append(cell, payload[:local]...)
	if local == len(payload) {
		return cell
	}
	return binary.BigEndian.AppendUint32(cell, uint32(p.overflow(payload[local:])))
}

// overflow writes rest into a chain of overflow pages and returns the first.
func (p *pager) overflow(rest []byte) int {
	first := p.alloc()
	page := first
	for len(rest) > 0 {
		n := min(len(rest), sqlitePageSize-4)
		buf := p.pages[page-1]
		copy(buf[4:], rest[:n])
		rest = rest[n:]
		if len(rest) > 0 {
			next := p.alloc()
			binary.BigEndian.PutUint32(buf, uint32(next))
			page = next
		}
	}
	return first
}
