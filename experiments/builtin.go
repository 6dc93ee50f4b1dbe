package experiments

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
)

//go:embed specs
var builtinFS embed.FS

// Builtin describes one embedded spec.
type Builtin struct {
	Name        string   `json:"name"`
	Kind        Kind     `json:"kind"`
	Description string   `json:"description"`
	Profiles    []string `json:"profiles"`
}

// Builtins lists the embedded specs sorted by name. Each is parsed, so a
// broken built-in fails loudly (and in tests) instead of at run time.
func Builtins() ([]Builtin, error) {
	var out []Builtin
	err := fs.WalkDir(builtinFS, "specs", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".toml") {
			return err
		}
		name := strings.TrimSuffix(strings.TrimPrefix(p, "specs/"), ".toml")
		f, err := loadBuiltin(name)
		if err != nil {
			return err
		}
		out = append(out, Builtin{Name: name, Kind: f.Base.Kind, Description: f.Base.Description, Profiles: f.Profiles()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// BuiltinText returns the TOML text of the built-in spec name.
func BuiltinText(name string) ([]byte, error) {
	b, err := builtinFS.ReadFile(path.Join("specs", name+".toml"))
	if err != nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownSpec, name)
	}
	return b, nil
}

func loadBuiltin(name string) (*File, error) {
	b, err := BuiltinText(name)
	if err != nil {
		return nil, err
	}
	f, err := Parse("builtin:"+name, b)
	if err != nil {
		return nil, err
	}
	if f.Base.Name != name {
		return nil, specErrorf("builtin:%s: name %q does not match the file name", name, f.Base.Name)
	}
	return f, nil
}

// Open returns the spec named by arg: a path to a TOML file when one exists
// (or arg ends in .toml), otherwise a built-in spec name. An unknown name lists
// the built-ins.
func Open(arg string) (*File, error) {
	if strings.HasSuffix(arg, ".toml") || fileExists(arg) {
		return LoadFile(arg)
	}
	f, err := loadBuiltin(arg)
	if errors.Is(err, ErrUnknownSpec) {
		var names []string
		if bs, berr := Builtins(); berr == nil {
			for _, b := range bs {
				names = append(names, b.Name)
			}
		}
		return nil, fmt.Errorf("%w %q: no such file and no built-in spec of that name; built-ins: %s (see 'cgx specs')",
			ErrUnknownSpec, arg, strings.Join(names, ", "))
	}
	return f, err
}

func fileExists(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir()
}
