package optunafile

import (
	"encoding/binary"
	"fmt"
	"strings"
)

// sqliteFile reads rowid tables from the bytes of an SQLite database.
type sqliteFile struct {
	data     []byte
	pageSize int
	usable   int
	npages   int
}

func openSQLite(data []byte) (*sqliteFile, error) {
	if len(data) < 100 || string(data[:16]) != sqliteMagic {
		return nil, fmt.Errorf("not an SQLite 3 database (no header): %w", ErrFormat)
	}
	ps := int(binary.BigEndian.Uint16(data[16:]))
	if ps == 1 {
		ps = 65536
	}
	if ps < 512 || ps&(ps-1) != 0 {
		return nil, fmt.Errorf("SQLite page size %d: %w", ps, ErrFormat)
	}
	usable := ps - int(data[20])
	if usable < 480 {
		return nil, fmt.Errorf("SQLite usable page size %d: %w", usable, ErrFormat)
	}
	if data[18] == 2 || data[19] == 2 {
		// WAL mode: committed pages may still sit in the -wal file.
		return nil, fmt.Errorf("the database is in write-ahead-log mode; checkpoint it first (sqlite3 FILE 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE'): %w", ErrFormat)
	}
	return &sqliteFile{data: data, pageSize: ps, usable: usable, npages: len(data) / ps}, nil
}

func (f *sqliteFile) page(n int) ([]byte, error) {
	if n < 1 || n > f.npages {
		return nil, fmt.Errorf("page %d outside the file's %d pages: %w", n, f.npages, ErrFormat)
	}
	return f.data[(n-1)*f.pageSize : n*f.pageSize], nil
}

// scanTable calls fn for every row of the table b-tree rooted at root, in
// rowid order.
func (f *sqliteFile) scanTable(root int, fn func(rowid int64, payload []byte) error) error {
	seen := map[int]bool{}
	var walk func(n, depth int) error
	walk = func(n, depth int) error {
		if seen[n] || depth > 64 {
			return fmt.Errorf("page %d reached twice: %w", n, ErrFormat)
		}
		seen[n] = true
		pg, err := f.page(n)
		if err != nil {
			return err
		}
		off := 0
		if n == 1 {
			off = 100
		}
		if len(pg) < off+12 {
			return fmt.Errorf("page %d too small: %w", n, ErrFormat)
		}
		typ := pg[off]
		ncells := int(binary.BigEndian.Uint16(pg[off+3:]))
		hdr := 8
		if typ == pageInteriorTable {
			hdr = 12
		} else if typ != pageLeafTable {
			return fmt.Errorf("page %d has type %#x, want a table page: %w", n, typ, ErrFormat)
		}
		if off+hdr+2*ncells > len(pg) {
			return fmt.Errorf("page %d: %d cells do not fit: %w", n, ncells, ErrFormat)
		}
		for i := 0; i < ncells; i++ {
			co := int(binary.BigEndian.Uint16(pg[off+hdr+2*i:]))
			if co < off+hdr || co >= f.usable {
				return fmt.Errorf("page %d cell %d at offset %d: %w", n, i, co, ErrFormat)
			}
			cell := pg[co:f.usable]
			if typ == pageInteriorTable {
				if len(cell) < 4 {
					return fmt.Errorf("page %d cell %d truncated: %w", n, i, ErrFormat)
				}
				if err := walk(int(binary.BigEndian.Uint32(cell)), depth+1); err != nil {
					return err
				}
				continue
			}
			rowid, payload, err := f.leafCell(cell)
			if err != nil {
				return fmt.Errorf("page %d cell %d: %w", n, i, err)
			}
			if err := fn(rowid, payload); err != nil {
				return err
			}
		}
		if typ == pageInteriorTable {
			return walk(int(binary.BigEndian.Uint32(pg[off+8:])), depth+1)
		}
		return nil
	}
	return walk(root, 0)
}

// leafCell reads a table leaf cell's rowid and whole payload.
func (f *sqliteFile) leafCell(cell []byte) (int64, []byte, error) {
	size, n1 := getVarint(cell)
	if n1 == 0 {
		return 0, nil, fmt.Errorf("truncated cell: %w", ErrFormat)
	}
	rowid, n2 := getVarint(cell[n1:])
	if n2 == 0 || size > uint64(len(f.data)) {
		return 0, nil, fmt.Errorf("cell of %d bytes: %w", size, ErrFormat)
	}
	cell = cell[n1+n2:]
	p := int(size)
	local := localPayload(p, f.usable)
	if local > len(cell) {
		return 0, nil, fmt.Errorf("cell payload beyond its page: %w", ErrFormat)
	}
	out := append(make([]byte, 0, p), cell[:local]...)
	if local == p {
		return int64(rowid), out, nil
	}
	if len(cell) < local+4 {
		return 0, nil, fmt.Errorf("cell overflow pointer beyond its page: %w", ErrFormat)
	}
	next := int(binary.BigEndian.Uint32(cell[local:]))
	for hops := 0; len(out) < p; hops++ {
		if hops > f.npages {
			return 0, nil, fmt.Errorf("overflow chain loops: %w", ErrFormat)
		}
		pg, err := f.page(next)
		if err != nil {
			return 0, nil, fmt.Errorf("overflow: %w", err)
		}
		n := min(p-len(out), f.usable-4)
		out = append(out, pg[4:4+n]...)
		next = int(binary.BigEndian.Uint32(pg))
	}
	return int64(rowid), out, nil
}

// sqliteSchema describes one table: root page, columns, rowid alias.
type sqliteSchema struct {
	root    int
	columns []string
	alias   int // index of the INTEGER PRIMARY KEY column, -1 if none
}

// tables reads sqlite_master.
func (f *sqliteFile) tables() (map[string]sqliteSchema, error) {
	out := map[string]sqliteSchema{}
	err := f.scanTable(1, func(_ int64, payload []byte) error {
		rec, err := decodeRecord(payload)
		if err != nil {
			return fmt.Errorf("sqlite_master: %w", err)
		}
		if len(rec) < 5 {
			return fmt.Errorf("sqlite_master row has %d columns: %w", len(rec), ErrFormat)
		}
		typ, _ := rec[0].(string)
		name, _ := rec[1].(string)
		root, _ := rec[3].(int64)
		sql, _ := rec[4].(string)
		if typ != "table" {
			return nil
		}
		cols, alias := parseColumns(sql)
		out[name] = sqliteSchema{root: int(root), columns: cols, alias: alias}
		return nil
	})
	return out, err
}

// parseColumns returns the column names of a CREATE TABLE statement and
// the index of its rowid alias (an INTEGER PRIMARY KEY column), or -1.
func parseColumns(sql string) ([]string, int) {
	open, end := strings.Index(sql, "("), strings.LastIndex(sql, ")")
	if open < 0 || end <= open {
		return nil, -1
	}
	var cols, types []string
	alias, pk := -1, ""
	for _, def := range splitTopLevel(sql[open+1 : end]) {
		fields := strings.Fields(def)
		if len(fields) == 0 {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "PRIMARY":
			if o, c := strings.Index(def, "("), strings.LastIndex(def, ")"); o >= 0 && c > o {
				if inner := strings.Split(def[o+1:c], ","); len(inner) == 1 {
					pk = unquoteIdent(strings.Fields(inner[0] + " ")[0])
				}
			}
			continue
		case "UNIQUE", "FOREIGN", "CHECK", "CONSTRAINT":
			continue
		}
		cols = append(cols, unquoteIdent(fields[0]))
		typ := ""
		if len(fields) > 1 {
			typ = strings.ToUpper(fields[1])
		}
		types = append(types, typ)
		if typ == "INTEGER" && strings.Contains(strings.ToUpper(def), "PRIMARY KEY") {
			alias = len(cols) - 1
		}
	}
	for i, c := range cols {
		if pk != "" && c == pk && types[i] == "INTEGER" {
			alias = i
		}
	}
	return cols, alias
}

func splitTopLevel(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'' || c == '`':
			quote = c
		case c == '[':
			quote = ']'
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquoteIdent(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '`' || s[0] == '[') {
		return s[1 : len(s)-1]
	}
	return s
}

// rows returns every row of table name as column -> value; a missing table
// gives no rows.
func (f *sqliteFile) rows(schema map[string]sqliteSchema, name string) ([]map[string]sqlValue, error) {
	t, ok := schema[name]
	if !ok {
		return nil, nil
	}
	var out []map[string]sqlValue
	err := f.scanTable(t.root, func(rowid int64, payload []byte) error {
		rec, err := decodeRecord(payload)
		if err != nil {
			return fmt.Errorf("table %s row %d: %w", name, rowid, err)
		}
		row := make(map[string]sqlValue, len(t.columns))
		for i, c := range t.columns {
			switch {
			case i == t.alias:
				row[c] = rowid
			case i < len(rec):
				row[c] = rec[i]
			default:
				row[c] = nil // a column added after the row was written
			}
		}
		out = append(out, row)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", name, err)
	}
	return out, nil
}
