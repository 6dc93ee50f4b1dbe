package jsonpos

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestErrorAt: encoding/json's offset (just past the byte it failed on)
// becomes a 1-based line and column.
func TestErrorAt(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{"{\n  \"a\": 1,\n  \"b\": tru\n}", "line 4 column 1: invalid character"},
		{"{\"a\": \"x\"}", "line 1 column 10: json: cannot unmarshal string"},
	} {
		var v struct{ A int }
		err := json.Unmarshal([]byte(c.doc), &v)
		if got := ErrorAt([]byte(c.doc), err); !strings.HasPrefix(got, c.want) {
			t.Errorf("ErrorAt(%q) = %q, want it to start %q", c.doc, got, c.want)
		}
	}
	if got := ErrorAt(nil, errors.New("plain")); got != "plain" {
		t.Errorf("an error without an offset: %q", got)
	}
}
