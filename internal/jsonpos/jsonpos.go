// Package jsonpos says where in a JSON document encoding/json failed: it
// adds a line and column to syntax and type errors, so that a user can find
// the mistake in a scene file or a COCO annotation file.
package jsonpos

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ErrorAt returns err's message with the line and column of data where it
// occurred, when err is a *json.SyntaxError or *json.UnmarshalTypeError with
// an offset inside data, and err's message alone otherwise.
func ErrorAt(data []byte, err error) string {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	col := off - int64(bytes.LastIndexByte(data[:off], '\n'))
	return fmt.Sprintf("line %d column %d: %v", line, col, err)
}
