package postgres_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

const pw = "hunter2-Sx9"

func TestRedact(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"url user password", "postgres://cgx:" + pw + "@db.lab:5432/cgx?sslmode=verify-full", "postgres://cgx@db.lab:5432/cgx?sslmode=verify-full"},
		{"url password parameter", "postgresql:///cgx?host=/tmp/s&user=u&password=" + pw, "postgresql:///cgx?host=%2Ftmp%2Fs&user=u"},
		{"url sslpassword", "postgres://u@h/cgx?sslpassword=" + pw + "&sslmode=require", "postgres://u@h/cgx?sslmode=require"},
		{"keyword form", "host=db user=cgx password=" + pw + " dbname=cgx", "host=db user=cgx password=xxxxx dbname=cgx"},
		{"keyword form quoted", "host=db password='" + pw + " x' dbname=cgx", "host=db password=xxxxx dbname=cgx"},
		{"no secret", "postgres://u@h/cgx", "postgres://u@h/cgx"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := postgres.Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("cgx", "s3cret!")
	f.Add("u", "p@ss:w/rd?x=1")
	f.Add(" 0000000", "000000")
	f.Fuzz(func(t *testing.T, user, tail string) {
		// "pw-" marks the password: nothing else in the strings spells it.
		secret := "pw-" + tail
		if strings.Contains(user, "pw") || strings.ContainsAny(secret, " '\\\t\n\r\x00") {
			return
		}
		u := url.URL{Scheme: "postgres", User: url.UserPassword(user, secret), Host: "db:5432", Path: "/cgx"}
		q := url.Values{"password": {secret}, "sslmode": {"require"}}
		for _, dsn := range []string{u.String(), "postgres://db/cgx?" + q.Encode(), "host=db password=" + secret + " dbname=cgx"} {
			if got := postgres.Redact(dsn); strings.Contains(got, "pw") {
				t.Errorf("Redact(%q) = %q still holds the password", dsn, got)
			}
		}
	})
}

// TestPasswordNeverShown opens databases with a password in every way that
// can fail or succeed and looks for it in every error and description.
func TestPasswordNeverShown(t *testing.T) {
	for _, dsn := range []string{
		"postgres://cgx:" + pw + "@/cgx?host=/nonexistent/socket&connect_timeout=2",
		"postgres://cgx:" + pw + "@db.invalid:notaport/cgx",
		"host=/nonexistent/socket user=cgx password=" + pw + " connect_timeout=2",
		"host=/nonexistent password='" + pw,
	} {
		_, err := postgres.Open(bg, dsn, postgres.Options{})
		if err == nil {
			t.Fatalf("open %q succeeded", postgres.Redact(dsn))
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error shows the password: %v", err)
		}
	}
	dsn := pgtest.NewDatabase(t)
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("password", pw)
	u.RawQuery = q.Encode()
	s, err := postgres.Open(bg, u.String(), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if loc := s.Info().Location; strings.Contains(loc, pw) || loc == "" {
		t.Errorf("Info().Location = %q", loc)
	}
	rep := of(s.Check(bg)).must(t)
	if strings.Contains(rep.Path, pw) {
		t.Errorf("check report names %q", rep.Path)
	}
	if _, err := s.GetRun(bg, 42); !errors.Is(err, tracker.ErrNotFound) || strings.Contains(err.Error(), pw) {
		t.Errorf("GetRun(42): %v", err)
	}
}
