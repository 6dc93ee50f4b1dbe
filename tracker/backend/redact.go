package backend

import (
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
