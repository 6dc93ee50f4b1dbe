package experiments

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse checks that no input panics and every rejection is an ErrSpec
// naming the file, and that accepted specs resolve every profile they define.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/bad/*.toml")
	for _, p := range seeds {
		b, _ := os.ReadFile(p)
		f.Add(b)
	}
	for _, name := range []string{"style/blur", "content/exp2.1", "segmentation/baseline-vs-proposals"} {
		b, _ := BuiltinText(name)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz.toml", data)
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("error is not ErrSpec: %v", err)
			}
			return
		}
		for _, p := range file.Profiles() {
			if _, err := file.Resolve(p); err != nil {
				t.Fatalf("accepted spec fails to resolve profile %s: %v", p, err)
			}
		}
	})
}
