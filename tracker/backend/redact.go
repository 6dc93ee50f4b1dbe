package backend

import (
	"net/url"
	"regexp"
	"strings"

	"github.com/cgx-dev/cgx/tracker/postgres"
)

// IsPostgres reports whether target names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a bbolt file.
func IsPostgres(target string) bool {
	t := strings.ToLower(target)
	return strings.HasPrefix(t, "postgres://") || strings.HasPrefix(t, "postgresql://")
}

// Redact returns target with every password removed, so that it can be
// printed, logged or stored: the same form as the Location of the opened
// database's Info. A PostgreSQL URL loses its user information's password
// and any password or sslpassword parameter; in a key=value connection
// string their values become "xxxxx"; a file path comes back unchanged.
func Redact(target string) string {
	if IsPostgres(target) {
		scheme, rest, _ := strings.Cut(target, "://")
		return postgres.Redact(strings.ToLower(scheme) + "://" + rest)
	}
	if strings.Contains(target, "=") {
		return postgres.Redact(target)
	}
	return target
}

// Secrets returns the passwords target holds (a URL's user password, its
// password and sslpassword parameters, or those of a key=value string), in
// the forms they may take in text (as written and URL-escaped), so that
// output can be searched and scrubbed for them. A file path has none.
func Secrets(target string) []string {
	var raw []string
	if IsPostgres(target) {
		if u, err := url.Parse(target); err == nil {
			if pw, ok := u.User.Password(); ok {
				raw = append(raw, pw)
			}
			for k, vs := range u.Query() {
				if strings.EqualFold(k, "password") || strings.EqualFold(k, "sslpassword") {
					raw = append(raw, vs...)
				}
			}
		} else if m := urlPassword.FindStringSubmatch(target); m != nil {
			raw = append(raw, m[1])
		}
	}
	for _, m := range keyValuePassword.FindAllStringSubmatch(target, -1) {
		v := m[2]
		if strings.HasPrefix(v, "'") {
			v = strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(strings.Trim(v, "'"))
		}
		raw = append(raw, v)
	}
	var out []string
	seen := map[string]bool{}
	for _, s := range raw {
		for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s)} {
			if f != "" && !seen[f] {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

var (
	urlPassword      = regexp.MustCompile(`://[^:/@]*:([^@]*)@`)
	keyValuePassword = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s&]+)`)
)

// Scrub replaces every password of target that occurs in text by "xxxxx":
// the last line of defence for messages that might quote a connection
// string.
func Scrub(text, target string) string {
	for _, s := range Secrets(target) {
		text = strings.ReplaceAll(text, s, "xxxxx")
	}
	return text
}
