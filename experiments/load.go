package experiments

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
)

// File is a decoded spec file: its text, base values (defaults overlaid by the
// file) and what is needed to resolve profiles and point errors at lines.
type File struct {
	Path string // file path or "builtin:NAME"; used in error messages
	Text string
	Base Spec // defaults plus the file's keys, profiles not applied
	// Overrides are the --set overrides applied to the file (WithOverrides);
	// Text is then the effective spec.
	Overrides []Override

	md    toml.MetaData
	lines map[string]int
	sets  map[string]string // key -> "key=value" of the override that set it
}

// LoadFile reads and decodes the spec at path, a regular file of at most
// MaxSpecBytes: a device, pipe or folder is refused before it is read (a
// pipe with no writer would wait forever).
func LoadFile(path string) (*File, error) {
	// Stat before opening: opening a named pipe waits for a writer.
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read spec %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, notRegular(path, st.Mode())
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read spec %s: %w", path, err)
	}
	defer fh.Close()
	if st, err = fh.Stat(); err != nil {
		return nil, fmt.Errorf("read spec %s: %w", path, err)
	}
	if !st.Mode().IsRegular() { // replaced since the first look
		return nil, notRegular(path, st.Mode())
	}
	if st.Size() > MaxSpecBytes {
		return nil, tooLarge(path, st.Size())
	}
	b, err := io.ReadAll(io.LimitReader(fh, MaxSpecBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read spec %s: %w", path, err)
	}
	return Parse(path, b)
}

func notRegular(path string, mode os.FileMode) error {
	what := "a folder"
	if !mode.IsDir() {
		what = "a special file (" + mode.Type().String() + ")"
	}
	return specErrorf("%s: is not a regular file but %s; give the path of a .toml spec file", path, what)
}

func tooLarge(path string, size int64) error {
	return specErrorf("%s: the spec is %d bytes; the limit is %d (1 MiB): a spec holds settings, not data", path, size, MaxSpecBytes)
}

// Parse decodes spec text strictly: unknown keys, wrong types, sections that
// do not belong to the spec's kind and invalid values (in the base and in every
// profile) are errors naming path:line and the key.
func Parse(path string, text []byte) (*File, error) { return parse(path, text, nil, nil) }

// parse is Parse for text whose keys in sets came from --set overrides:
// errors about them name the override instead of a line, and errors about
// other keys use lines (those of the file the overrides were applied to)
// when it is not nil.
func parse(path string, text []byte, sets map[string]string, lines map[string]int) (*File, error) {
	if len(text) > MaxSpecBytes {
		return nil, tooLarge(path, int64(len(text)))
	}
	if lines == nil {
		lines = keyLines(string(text))
	}
	f := &File{Path: path, Text: string(text), lines: lines, sets: sets}
	var head struct {
		Format int    `toml:"format"`
		Kind   Kind   `toml:"kind"`
		Name   string `toml:"name"`
	}
	if _, err := toml.Decode(f.Text, &head); err != nil {
		return nil, f.decodeError(err)
	}
	switch {
	case head.Format == 0:
		return nil, f.errorf("format", "missing key format; add `format = %d` at the top", FormatVersion)
	case head.Format > FormatVersion:
		return nil, f.errorf("format", "spec format %d is newer than this cgx reads (%d); upgrade cgx", head.Format, FormatVersion)
	case head.Format < 1:
		return nil, f.errorf("format", "format must be %d", FormatVersion)
	}
	if !slices.Contains(Kinds, head.Kind) {
		return nil, f.errorf("kind", "kind %q is not one of %s", head.Kind, quoteList(kindStrings()))
	}
	f.Base = defaults(head.Kind)
	md, err := toml.Decode(f.Text, &f.Base)
	if err != nil {
		return nil, f.decodeError(err)
	}
	f.md = md
	if err := f.checkKeys("", md.Undecoded()); err != nil {
		return nil, err
	}
	if err := f.checkSections(""); err != nil {
		return nil, err
	}
	if err := f.validate(f.Base, ""); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(f.Base.Profiles))
	for name := range f.Base.Profiles {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if len(name) > MaxProfileNameBytes || !profileRE.MatchString(name) {
			return nil, f.errorf("profiles."+name, "profile name %q must be 1 to %d of a-z, 0-9, '_' and '-'",
				clip(name), MaxProfileNameBytes)
		}
		if _, err := f.Resolve(name); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// Profiles returns the names of the profiles the spec defines, sorted.
func (f *File) Profiles() []string {
	names := make([]string, 0, len(f.Base.Profiles))
	for n := range f.Base.Profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Resolve returns the spec with profile's keys overlaid on the base values.
// The empty profile returns the base values; a profile the spec lacks is an
// error listing the ones it has.
func (f *File) Resolve(profile string) (Spec, error) {
	s := f.Base.clone()
	s.Profiles = nil
	if profile == "" {
		return s, nil
	}
	if _, ok := f.Base.Profiles[profile]; !ok {
		return Spec{}, fmt.Errorf("%s: %w %q; this spec defines %s", f.Path, ErrUnknownProfile, profile,
			quoteList(f.Profiles()))
	}
	// Decode afresh so the MetaData's undecoded keys reflect this profile only.
	var wrap struct {
		Profiles map[string]toml.Primitive `toml:"profiles"`
	}
	md, err := toml.Decode(f.Text, &wrap)
	if err != nil {
		return Spec{}, f.decodeError(err)
	}
	if err := md.PrimitiveDecode(wrap.Profiles[profile], &s); err != nil {
		return Spec{}, f.decodeError(err)
	}
	prefix := "profiles." + profile
	var inProfile []toml.Key
	for _, k := range md.Undecoded() {
		if strings.HasPrefix(k.String()+".", prefix+".") && len(k) > 2 {
			inProfile = append(inProfile, k)
		}
	}
	if err := f.checkKeys(prefix, inProfile); err != nil {
		return Spec{}, err
	}
	for _, fixed := range []string{"format", "name", "kind", "profiles"} {
		if md.IsDefined("profiles", profile, fixed) {
			return Spec{}, f.errorf(prefix+"."+fixed, "a profile cannot change %q; profiles change sizes and settings only", fixed)
		}
	}
	if err := f.checkSections(prefix); err != nil {
		return Spec{}, err
	}
	s.Profiles = nil
	s.Profile = profile
	if err := f.validate(s, prefix); err != nil {
		return Spec{}, err
	}
	return s, nil
}

// checkKeys reports the first key the decoder did not use, with the keys
// allowed at that place.
func (f *File) checkKeys(prefix string, undecoded []toml.Key) error {
	for _, k := range undecoded {
		if prefix == "" && len(k) >= 1 && k[0] == "profiles" {
			continue // decoded per profile by Resolve
		}
		path := k.String()
		rel := []string(k)
		if prefix != "" {
			rel = rel[2:]
		}
		allowed := allowedKeys(rel[:len(rel)-1])
		where := "at the top level"
		if len(rel) > 1 {
			where = "in [" + strings.Join(rel[:len(rel)-1], ".") + "]"
		}
		return f.errorf(path, "unknown key %q %s; allowed keys: %s", clip(rel[len(rel)-1]), clip(where), quoteList(allowed))
	}
	return nil
}

// checkSections rejects sections that do not belong to the spec's kind, so a
// typo in kind or a pasted section is not silently ignored.
func (f *File) checkSections(prefix string) error {
	kind := f.Base.Kind
	owned := map[string]Kind{"style": KindStyle, "content": KindContent, "segmentation": KindSegmentation}
	for _, sec := range []string{"style", "content", "segmentation"} {
		path := sec
		if prefix != "" {
			path = prefix + "." + sec
		}
		if !f.md.IsDefined(strings.Split(path, ".")...) {
			continue
		}
		if k := owned[sec]; k != kind && !(kind == KindSegmentation && sec == "style") {
			return f.errorf(path, "section [%s] does not belong in a %s spec; remove it or change kind", sec, kind)
		}
	}
	return nil
}

var tomlLineErr = regexp.MustCompile(`^toml: line (\d+) \(last key "([^"]*)"\): (.*)$`)

// decodeError rewrites a TOML decoder error as "path:line: message".
func (f *File) decodeError(err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		msg := pe.Message
		if pe.LastKey != "" && !strings.Contains(msg, pe.LastKey) {
			msg = fmt.Sprintf("key %s: %s", pe.LastKey, msg)
		}
		return specErrorf("%s:%d: %s", f.Path, pe.Position.Line, msg)
	}
	if m := tomlLineErr.FindStringSubmatch(err.Error()); m != nil {
		msg := strings.Replace(m[3], "incompatible types: ", "wrong type: ", 1)
		if set := f.overrideOf(m[2]); set != "" {
			return specErrorf("%s (--set %s): key %s: %s", f.Path, clip(set), m[2], msg)
		}
		return specErrorf("%s:%s: key %s: %s", f.Path, m[1], m[2], msg)
	}
	return specErrorf("%s: %s", f.Path, strings.TrimPrefix(err.Error(), "toml: "))
}

// errorf returns a spec error for key (a dotted path), located at its line
// when the file defines it.
func (f *File) errorf(key, format string, a ...any) error {
	loc := f.Path
	if set := f.overrideOf(key); set != "" {
		return specErrorf("%s (--set %s): %s: %s", loc, clip(set), clip(key), fmt.Sprintf(format, a...))
	}
	for k := key; k != ""; {
		if n, ok := f.lines[k]; ok {
			loc = fmt.Sprintf("%s:%d", f.Path, n)
			break
		}
		i := strings.LastIndexByte(k, '.')
		if i < 0 {
			break
		}
		k = k[:i]
	}
	return specErrorf("%s: %s: %s", loc, clip(key), fmt.Sprintf(format, a...))
}

// overrideOf returns the --set that gave key (or, for a profile's key
// "profiles.P.K", K) its value or created its section; "" when the file did.
func (f *File) overrideOf(key string) string {
	if len(f.sets) == 0 {
		return ""
	}
	if rest, ok := strings.CutPrefix(key, "profiles."); ok {
		if _, k, ok := strings.Cut(rest, "."); ok {
			key = k
		}
	}
	if set, ok := f.sets[key]; ok {
		return set
	}
	for _, k := range slices.Sorted(maps.Keys(f.sets)) { // a section the override created
		if strings.HasPrefix(k, key+".") {
			return f.sets[k]
		}
	}
	return ""
}

func quoteList(items []string) string {
	q := make([]string, len(items))
	for i, s := range items {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

func kindStrings() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = string(k)
	}
	return out
}

// specError is a spec problem whose message names the file, line and key; it
// matches ErrSpec under errors.Is without repeating it in the text.
type specError struct{ msg string }

func (e *specError) Error() string { return e.msg }
func (e *specError) Unwrap() error { return ErrSpec }

func specErrorf(format string, a ...any) error { return &specError{msg: fmt.Sprintf(format, a...)} }
