package postgres

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// secretParams are connection parameters whose values are secrets.
var secretParams = []string{"password", "sslpassword"}

var (
	kvSecret   = regexp.MustCompile(`(?i)\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s]*)`)
	userinfoPW = regexp.MustCompile(`(://[^/@:?#]*):[^@/?#]*@`)
)

// Redact returns dsn without its secrets: the password of a URL's user
// information and any password or sslpassword parameter are removed (a URL)
// or replaced by "xxxxx" (keyword=value form). Everything else, TLS
// settings included, is kept, so the result says where a database is
// without letting anyone in. It is what Info().Location holds and what
// errors from Open name.
func Redact(dsn string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			// Not a URL Go can parse (pgx may still accept it): mask what
			// looks like user:password@ and password parameters.
			return kvSecret.ReplaceAllString(userinfoPW.ReplaceAllString(dsn, "${1}:xxxxx@"), "${1}=xxxxx")
		}
		if u.User != nil {
			u.User = url.User(u.User.Username())
		}
		q := u.Query()
		changed := false
		for k := range q {
			for _, s := range secretParams {
				if strings.EqualFold(k, s) {
					q.Del(k)
					changed = true
				}
			}
		}
		if changed {
			u.RawQuery = q.Encode()
		}
		return u.String()
	}
	return kvSecret.ReplaceAllString(dsn, "${1}=xxxxx")
}

// redactor removes one secret from error text. pgx's own errors leave
// passwords out, but a server or driver message may quote the connection
// string; the redactor makes sure no error this package returns carries
// the password.
type redactor struct{ secrets []string }

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if len(s) >= 1 {
			r.secrets = append(r.secrets, s, url.QueryEscape(s), url.PathEscape(s))
		}
	}
	return r
}

// err returns err unchanged when its text holds no secret, and otherwise an
// error with the secrets masked that still matches what err matches.
func (r redactor) err(err error) error {
	if err == nil || len(r.secrets) == 0 {
		return err
	}
	msg := err.Error()
	clean := msg
	for _, s := range r.secrets {
		clean = strings.ReplaceAll(clean, s, "xxxxx")
	}
	if clean == msg {
		return err
	}
	return &redactedError{msg: clean, err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

// Is matches what the wrapped error matches without exposing it through
// Unwrap, whose text holds the secret.
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
