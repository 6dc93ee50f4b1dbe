package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// closeInto closes c and, when the verb has not already failed, makes c's
// Close error the verb's error: a writer's Close finishes its work (the
// database's checkpoint, a file's last bytes), so a failed Close is a failed
// verb, never exit status 0. Use it as `defer closeInto(&err, st)` in a
// function with a named error result.
func closeInto(err *error, c io.Closer) {
	if cerr := c.Close(); cerr != nil && *err == nil {
		*err = fmt.Errorf("close: %w", cerr)
	}
}

// maxWorkers is the largest --workers value, the range of a spec's workers
// key (experiments/validate.go).
const maxWorkers = 256

// checkWorkers refuses a --workers value outside the spec key's range.
func checkWorkers(g *globals, n int) error {
	if n < 0 || n > maxWorkers {
		return g.usageErrorf("--workers %d is out of range; use 0 (all cores) to %d", n, maxWorkers)
	}
	return nil
}

// safeText returns user text (labels, folder paths, names, error messages
// quoting them) fit to print on a terminal: control characters (newlines,
// escapes, C1 codes), invalid UTF-8 and the invisible characters that reorder
// text are written as Go escapes (\n, \x1b, \u202e), so a name can neither
// forge output lines nor drive the terminal. Other text is returned as is.
func safeText(s string) string {
	if !needsEscape(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x80 && unicode.IsControl(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unicode.IsControl(r) || isBidi(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func needsEscape(s string) bool {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || unicode.IsControl(r) || isBidi(r) {
			return true
		}
		i += n
	}
	return false
}

// isBidi reports the invisible characters that change the display order of
// the text around them (marks, embeddings, overrides, isolates).
func isBidi(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// jsonErrorAt adds the line and column (from 1) of a JSON syntax or type
// error, or of a file cut short, in the file at path to err, which goes on wrapping the cause. Other
// errors are returned as they are.
func jsonErrorAt(path string, err error) error {
	var off int64
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		off = syn.Offset - 1 // Offset counts the offending byte
	case errors.As(err, &typ):
		off = typ.Offset
	case errors.Is(err, io.ErrUnexpectedEOF):
		off = -1 // the end of the file
	default:
		return err
	}
	data, rerr := os.ReadFile(path)
	if off == -1 {
		off = int64(len(data))
	}
	if rerr != nil || off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Errorf("%s:%d:%d: %w", path, line, col, err)
}
