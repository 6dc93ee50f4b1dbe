package optunafile

import (
	"encoding/binary"
	"fmt"
	"io"
)

// sqliteRow is one row of a rowid table: its rowid and its column values
// (the INTEGER PRIMARY KEY column, if any, as nil: SQLite keeps it in the
// rowid).
type sqliteRow struct {
	rowid int64
	vals  []sqlValue
}

// pager holds the pages of the file being built; page n is pages[n-1].
type pager struct {
	pages [][]byte
}

func (p *pager) alloc() int {
	p.pages = append(p.pages, make([]byte, sqlitePageSize))
	return len(p.pages)
}

// writeTable builds the b-tree of a rowid table from rows in rowid order
// and returns its root page. With root == 1 the table is sqlite_master,
// which must fit on one leaf in page 1 (after the file header).
func (p *pager) writeTable(rows []sqliteRow, root int) (int, error) {
	type child struct {
		page   int
		maxKey int64
	}
	var level []child
	var cells [][]byte
	var maxKey int64
	space := sqlitePageSize - 8
	if root == 1 {
		space -= 100
	}
	used := 0
	emit := func(page int) {
		writeBtreePage(p.pages[page-1], hdrOffset(page), pageLeafTable, cells, 0)
		level = append(level, child{page, maxKey})
		cells, used = nil, 0
	}
	for _, r := range rows {
		cell, err := p.tableLeafCell(r)
		if err != nil {
			return 0, err
		}
		if used+len(cell)+2 > space && len(cells) > 0 {
			if root == 1 {
				return 0, fmt.Errorf("sqlite_master does not fit on page 1")
			}
			emit(p.alloc())
		}
		cells = append(cells, cell)
		used += len(cell) + 2
		maxKey = r.rowid
	}
	if root == 1 {
		emit(1)
		return 1, nil
	}
	if len(cells) > 0 || len(level) == 0 {
		emit(p.alloc())
	}
	cellOf := func(c child) []byte {
		return putVarint(binary.BigEndian.AppendUint32(nil, uint32(c.page)), uint64(c.maxKey))
	}
	for len(level) > 1 {
		var next []child
		for i := 0; i < len(level); {
			// Children level[i:j] become cells, level[j] the right-most
			// pointer; never leave a single child for a page of its own.
			j, used := i, 12
			for j < len(level)-1 && used+len(cellOf(level[j]))+2 <= sqlitePageSize {
				used += len(cellOf(level[j])) + 2
				j++
			}
			if j == len(level)-2 && j > i+1 {
				j--
			}
			var icells [][]byte
			for _, c := range level[i:j] {
				icells = append(icells, cellOf(c))
			}
			page := p.alloc()
			writeBtreePage(p.pages[page-1], 0, pageInteriorTable, icells, uint32(level[j].page))
			next = append(next, child{page, level[j].maxKey})
			i = j + 1
		}
		level = next
	}
	return level[0].page, nil
}

func hdrOffset(page int) int {
	if page == 1 {
		return 100
	}
	return 0
}

// tableLeafCell encodes r as a table leaf cell, spilling to overflow pages.
func (p *pager) tableLeafCell(r sqliteRow) ([]byte, error) {
	payload, err := encodeRecord(r.vals)
	if err != nil {
		return nil, err
	}
	cell := putVarint(nil, uint64(len(payload)))
	cell = putVarint(cell, uint64(r.rowid))
	local := localPayload(len(payload), sqlitePageSize)
	cell = append(cell, payload[:local]...)
	if local == len(payload) {
		return cell, nil
	}
	rest := payload[local:]
	first := p.alloc()
	cell = binary.BigEndian.AppendUint32(cell, uint32(first))
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
	return cell, nil
}

// writeBtreePage lays out a b-tree page: the header at off, the cell
// pointers after it, the cells from the end of the page down.
func writeBtreePage(buf []byte, off int, typ byte, cells [][]byte, rightmost uint32) {
	h := buf[off:]
	h[0] = typ
	hdr := 8
	if typ == pageInteriorTable || typ == pageInteriorIndex {
		hdr = 12
		binary.BigEndian.PutUint32(h[8:], rightmost)
	}
	binary.BigEndian.PutUint16(h[1:], 0) // no freeblocks
	binary.BigEndian.PutUint16(h[3:], uint16(len(cells)))
	end := len(buf)
	for i, c := range cells {
		end -= len(c)
		copy(buf[end:], c)
		binary.BigEndian.PutUint16(h[hdr+2*i:], uint16(end))
	}
	if end == 65536 {
		end = 0
	}
	binary.BigEndian.PutUint16(h[5:], uint16(end))
	h[7] = 0
}

// writeHeader fills the 100-byte database header on page 1.
func (p *pager) writeHeader() {
	h := p.pages[0]
	copy(h, sqliteMagic)
	binary.BigEndian.PutUint16(h[16:], sqlitePageSize)
	h[18], h[19] = 1, 1 // rollback journal
	h[20] = 0
	h[21], h[22], h[23] = 64, 32, 32
	binary.BigEndian.PutUint32(h[24:], 1) // change counter
	binary.BigEndian.PutUint32(h[28:], uint32(len(p.pages)))
	binary.BigEndian.PutUint32(h[40:], 1) // schema cookie
	binary.BigEndian.PutUint32(h[44:], 4) // schema format
	binary.BigEndian.PutUint32(h[56:], 1) // UTF-8
	binary.BigEndian.PutUint32(h[92:], 1) // version-valid-for
	binary.BigEndian.PutUint32(h[96:], sqliteVersion)
}

// sqliteTable is one table to write: its name, CREATE TABLE text and rows.
type sqliteTable struct {
	name, sql string
	rows      []sqliteRow
	indexes   []sqliteIndex
}

// writeSQLiteFile writes a database holding tables.
func writeSQLiteFile(w io.Writer, tables []sqliteTable) error {
	p := &pager{}
	p.alloc() // page 1: header and sqlite_master
	var master []sqliteRow
	addMaster := func(vals ...sqlValue) {
		master = append(master, sqliteRow{rowid: int64(len(master) + 1), vals: vals})
	}
	for _, t := range tables {
		root, err := p.writeTable(t.rows, 0)
		if err != nil {
			return fmt.Errorf("table %s: %w", t.name, err)
		}
		addMaster("table", t.name, t.name, int64(root), t.sql)
		for _, ix := range t.indexes {
			root, err := p.writeIndex(t.rows, ix)
			if err != nil {
				return fmt.Errorf("table %s: %w", t.name, err)
			}
			var sql sqlValue
			if ix.sql != "" {
				sql = ix.sql
			}
			addMaster("index", ix.name, t.name, int64(root), sql)
		}
	}
	if _, err := p.writeTable(master, 1); err != nil {
		return err
	}
	p.writeHeader()
	for _, pg := range p.pages {
		if _, err := w.Write(pg); err != nil {
			return err
		}
	}
	return nil
}
