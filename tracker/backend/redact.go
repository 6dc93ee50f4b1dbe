package backend

import (
	"net/url"
	"regexp"
	"strings"
)

// IsPostgres reports whether target names a PostgreSQL database (a
// postgres:// or postgresql:// URL) rather than a bbolt file.
func IsPostgres(target string) bool {
	t := strings.ToLower(target)
	return strings.HasPrefix(t, "postgres://") || strings.HasPrefix(t, "postgresql://")
}

// secretKeys are the connection parameters whose values are secrets.
var secretKeys = map[string]bool{"password": true, "sslpassword": true}

// keyValueSecret matches password=value in a key=value connection string,
// the value bare or single-quoted (with \' and \\ escapes).
var keyValueSecret = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'?|\S*)`)

// Redact returns target with every password removed, so that it can be
// printed, logged or stored: the password of a URL's user information and
// password or sslpassword parameters (in a URL's query or a key=value
// connection string) become "xxxxx". A file path comes back unchanged. A
// URL that does not parse comes back as its scheme alone, since where its
// password is cannot be known.
func Redact(target string) string {
	if IsPostgres(target) || strings.Contains(target, "://") {
		u, err := url.Parse(target)
		if err != nil {
			scheme, _, _ := strings.Cut(target, "://")
			return scheme + "://(connection string hidden: it does not parse)"
		}
		if u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxxxx")
			}
		}
		if u.RawQuery != "" {
			q := u.Query()
			for k := range q {
				if secretKeys[strings.ToLower(k)] {
					q.Set(k, "xxxxx")
				}
			}
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	if strings.Contains(target, "=") {
		return keyValueSecret.ReplaceAllString(target, "${1}=xxxxx")
	}
	return target
}
