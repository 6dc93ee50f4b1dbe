package optunafile

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A minimal codec for the SQLite 3 file format (https://sqlite.org/fileformat2.html):
// enough to write a fresh database of rowid tables and their indexes, and to
// read the rowid tables of any valid database (indexes are not read).

const (
	sqliteMagic    = "SQLite format 3\x00"
	sqlitePageSize = 8192
	// sqliteVersion is the library version the header names (3.40.1, Debian
	// bookworm's); readers ignore it.
	sqliteVersion = 3040001
)

// Page types.
const (
	pageInteriorTable = 0x05
	pageLeafTable     = 0x0d
	pageInteriorIndex = 0x02
	pageLeafIndex     = 0x0a
)

// sqlValue is one column value: nil, int64, float64, string or []byte.
type sqlValue = any

// putVarint appends SQLite's big-endian varint (1 to 9 bytes).
func putVarint(b []byte, v uint64) []byte {
	if v <= 0x7f {
		return append(b, byte(v))
	}
	if v > 0x00ffffffffffffff {
		var buf [9]byte
		buf[8] = byte(v)
		v >>= 8
		for i := 7; i >= 0; i-- {
			buf[i] = byte(v&0x7f) | 0x80
			v >>= 7
		}
		return append(b, buf[:]...)
	}
	var buf [9]byte
	n := 0
	for v > 0 {
		buf[n] = byte(v & 0x7f)
		v >>= 7
		n++
	}
	for i := n - 1; i >= 0; i-- {
		c := buf[i]
		if i > 0 {
			c |= 0x80
		}
		b = append(b, c)
	}
	return b
}

// getVarint reads a varint; n is 0 when b is too short.
func getVarint(b []byte) (v uint64, n int) {
	for i := 0; i < 9; i++ {
		if i >= len(b) {
			return 0, 0
		}
		if i == 8 {
			return v<<8 | uint64(b[i]), 9
		}
		v = v<<7 | uint64(b[i]&0x7f)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return v, 9
}

// encodeRecord writes values in SQLite's record format.
func encodeRecord(vals []sqlValue) ([]byte, error) {
	var types []uint64
	var body []byte
	for _, v := range vals {
		switch x := v.(type) {
		case nil:
			types = append(types, 0)
		case int64:
			switch {
			case x == 0:
				types = append(types, 8)
			case x == 1:
				types = append(types, 9)
			case x >= math.MinInt8 && x <= math.MaxInt8:
				types = append(types, 1)
				body = append(body, byte(x))
			case x >= math.MinInt16 && x <= math.MaxInt16:
				types = append(types, 2)
				body = binary.BigEndian.AppendUint16(body, uint16(x))
			case x >= math.MinInt32 && x <= math.MaxInt32:
				types = append(types, 4)
				body = binary.BigEndian.AppendUint32(body, uint32(x))
			default:
				types = append(types, 6)
				body = binary.BigEndian.AppendUint64(body, uint64(x))
			}
		case float64:
			if math.IsNaN(x) {
				return nil, fmt.Errorf("encode record: SQLite cannot store NaN")
			}
			types = append(types, 7)
			body = binary.BigEndian.AppendUint64(body, math.Float64bits(x))
		case string:
			types = append(types, uint64(len(x))*2+13)
			body = append(body, x...)
		case []byte:
			types = append(types, uint64(len(x))*2+12)
			body = append(body, x...)
		default:
			return nil, fmt.Errorf("encode record: unsupported type %T", v)
		}
	}
	var hdr []byte
	for _, t := range types {
		hdr = putVarint(hdr, t)
	}
	// The header size counts its own varint.
	size := len(hdr) + 1
	if len(putVarint(nil, uint64(size))) > 1 {
		size = len(hdr) + len(putVarint(nil, uint64(len(hdr)+2)))
	}
	out := putVarint(make([]byte, 0, size+len(body)), uint64(size))
	out = append(out, hdr...)
	return append(out, body...), nil
}

// decodeRecord reads a record; strings come back as string.
func decodeRecord(b []byte) ([]sqlValue, error) {
	hsize, n := getVarint(b)
	if n == 0 || hsize < uint64(n) || hsize > uint64(len(b)) {
		return nil, fmt.Errorf("record header size %d of %d bytes: %w", hsize, len(b), ErrFormat)
	}
	hdr, body := b[n:hsize], b[hsize:]
	var out []sqlValue
	for len(hdr) > 0 {
		t, n := getVarint(hdr)
		if n == 0 {
			return nil, fmt.Errorf("record header: truncated serial type: %w", ErrFormat)
		}
		hdr = hdr[n:]
		size := serialSize(t)
		if size < 0 || size > len(body) {
			return nil, fmt.Errorf("record: serial type %d needs %d bytes, %d left: %w", t, size, len(body), ErrFormat)
		}
		field := body[:size]
		body = body[size:]
		switch {
		case t == 0:
			out = append(out, nil)
		case t >= 1 && t <= 6:
			var v int64
			for i, c := range field {
				if i == 0 {
					v = int64(int8(c))
				} else {
					v = v<<8 | int64(c)
				}
			}
			out = append(out, v)
		case t == 7:
			f := math.Float64frombits(binary.BigEndian.Uint64(field))
			if math.IsNaN(f) {
				out = append(out, nil) // as SQLite reads it
			} else {
				out = append(out, f)
			}
		case t == 8:
			out = append(out, int64(0))
		case t == 9:
			out = append(out, int64(1))
		case t >= 12 && t%2 == 0:
			out = append(out, append([]byte(nil), field...))
		case t >= 13:
			out = append(out, string(field))
		default:
			return nil, fmt.Errorf("record: reserved serial type %d: %w", t, ErrFormat)
		}
	}
	return out, nil
}

func serialSize(t uint64) int {
	switch {
	case t <= 4:
		return [...]int{0, 1, 2, 3, 4}[t]
	case t == 5:
		return 6
	case t == 6 || t == 7:
		return 8
	case t == 8 || t == 9:
		return 0
	case t == 10 || t == 11:
		return -1
	case t > 1<<40:
		return -1
	}
	return int((t - 12) / 2)
}

// localPayload returns how many bytes of a table leaf cell's payload of
// size p stay on the page, for usable page size u.
func localPayload(p, u int) int {
	x := u - 35
	if p <= x {
		return p
	}
	m := ((u-12)*32)/255 - 23
	k := m + (p-m)%(u-4)
	if k <= x {
		return k
	}
	return m
}
