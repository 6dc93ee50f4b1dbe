package experiments

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// styleSpec returns a valid style spec with extra appended at the top level
// (before any table) and table appended at the end.
func styleSpec(top, table string) string {
	return "format = 1\nkind = \"style\"\n" + top + "\n[style]\nmanipulations = [\"blur\"]\n" + table
}

// TestSpecSizeLimits: names, descriptions, paths, profile names, seed lists
// and the file itself are bounded; each error names file:line and the key,
// and never prints the oversized value whole.
func TestSpecSizeLimits(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name, text string
		want       string // substring of the error
	}{
		{"name at the limit", styleSpec(`name = "`+long(MaxNameBytes)+`"`, ""), ""},
		{"name over the limit", styleSpec(`name = "`+long(MaxNameBytes+1)+`"`, ""),
			fmt.Sprintf("spec.toml:3: name: is %d bytes long; the limit is %d", MaxNameBytes+1, MaxNameBytes)},
		{"huge name", styleSpec(`name = "`+long(MaxSpecBytes-200)+`"`, ""), "spec.toml:3: name: is 1048376 bytes long"},
		{"description at the limit", styleSpec("name = \"x\"\ndescription = \""+long(MaxDescriptionBytes)+"\"", ""), ""},
		{"description over the limit", styleSpec("name = \"x\"\ndescription = \""+long(MaxDescriptionBytes+1)+"\"", ""),
			fmt.Sprintf("spec.toml:4: description: is %d bytes long; the limit is %d", MaxDescriptionBytes+1, MaxDescriptionBytes)},
		{"description with newlines", styleSpec("name = \"x\"\ndescription = \"\"\"\nOne.\n\tTwo.\n\"\"\"", ""), ""},
		{"description with an escape", styleSpec("name = \"x\"\ndescription = \"red \\u001b[31m text\"", ""),
			"spec.toml:4: description: holds the control character U+001B"},
		{"folder path over the limit", styleSpec(`name = "x"`, "[datasets.cg]\nsource = \"folder\"\npath = \""+long(MaxPathBytes+1)+"\"\n"),
			fmt.Sprintf("spec.toml:8: datasets.cg.path: is %d bytes long; the limit is %d", MaxPathBytes+1, MaxPathBytes)},
		{"folder path with a newline", styleSpec(`name = "x"`, "[datasets.cg]\nsource = \"folder\"\npath = \"a\\nb\"\n"),
			"spec.toml:8: datasets.cg.path: holds the control character U+000A"},
		{"profile name over the limit", styleSpec(`name = "x"`, "[profiles."+long(MaxProfileNameBytes+1)+".style]\nsteps = 3\n"),
			"spec.toml:6: profiles." + long(51) + "... (74 bytes): profile name"},
		{"profile name with capitals", styleSpec(`name = "x"`, "[profiles.Smoke.style]\nsteps = 3\n"),
			`spec.toml:6: profiles.Smoke: profile name "Smoke" must be 1 to 64 of a-z, 0-9, '_' and '-'`},
		{"unknown value is clipped", styleSpec(`name = "x"`, "[datasets.cg]\ngenerator = \""+long(5000)+"\"\n"),
			`spec.toml:7: datasets.cg.generator: "` + long(60) + `... (5000 bytes)" is not allowed`},
		{"too many seeds", "format = 1\nkind = \"content\"\nname = \"x\"\n[content]\nseeds = [" + seedList(MaxSeeds+1) + "]\n",
			fmt.Sprintf("spec.toml:5: content.seeds: lists %d seeds; the limit is %d", MaxSeeds+1, MaxSeeds)},
		{"file over the limit", styleSpec(`name = "x"`, "# "+long(MaxSpecBytes)+"\n"),
			fmt.Sprintf("spec.toml: the spec is %d bytes; the limit is %d (1 MiB)", len(styleSpec(`name = "x"`, ""))+MaxSpecBytes+3, MaxSpecBytes)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("spec.toml", []byte(tc.text))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("valid spec refused: %.300v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("spec accepted")
			}
			if !errors.Is(err, ErrSpec) {
				t.Errorf("error does not match ErrSpec: %.300v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %.400q\nlacks %.400q", err, tc.want)
			}
			if len(err.Error()) > 1000 {
				t.Errorf("error message is %d bytes; an oversized value must not be printed whole", len(err.Error()))
			}
		})
	}
}

func seedList(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i + 1)
	}
	return strings.Join(s, ", ")
}

// TestLoadFileRefusesSpecialAndHugeFiles: LoadFile refuses a named pipe
// without waiting for a writer, a folder, and a file over MaxSpecBytes
// without reading it.
func TestLoadFileRefusesSpecialAndHugeFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "spec.toml")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// A reader that opened the pipe would block in open(2) until a writer
	// came; none ever does, so only a refusal before opening returns.
	if _, err := LoadFile(fifo); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("named pipe: %v", err)
	}
	if _, err := LoadFile(dir); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("folder: %v", err)
	}
	huge := filepath.Join(dir, "huge.toml")
	if err := os.WriteFile(huge, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 50<<20); err != nil { // sparse: 50 MB that take no disk
		t.Fatal(err)
	}
	_, err := LoadFile(huge)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("the spec is %d bytes; the limit is %d", 50<<20, MaxSpecBytes)) {
		t.Errorf("50 MB file: %v", err)
	}
}
