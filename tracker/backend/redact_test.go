package backend_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/tracker/backend"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"path", "/home/me/.cgx/cgx.db", "/home/me/.cgx/cgx.db"},
		{"relative path", ".cgx/cgx.db", ".cgx/cgx.db"},
		{"url without password", "postgres://cgx@db.example/cgx", "postgres://cgx@db.example/cgx"},
		{"url with password", "postgres://cgx:s3cret@db.example:5432/cgx?sslmode=require", "postgres://cgx@db.example:5432/cgx?sslmode=require"},
		{"postgresql scheme", "postgresql://u:s3cret@h/d", "postgresql://u@h/d"},
		{"password in query", "postgres:///cgx?host=/tmp/s&password=s3cret&user=u", "postgres:///cgx?host=%2Ftmp%2Fs&user=u"},
		{"sslpassword in query", "postgres://h/d?sslpassword=s3cret", "postgres://h/d"},
		{"escaped password", "postgres://u:s3cret%40x@h/d", "postgres://u@h/d"},
		{"upper-case scheme", "POSTGRES://u:s3cret@h/d", "postgres://u@h/d"},
		{"key value", "host=db user=cgx password=s3cret dbname=cgx", "host=db user=cgx password=xxxxx dbname=cgx"},
		{"key value quoted", "host=db password='s3 cr\\'et' dbname=cgx", "host=db password=xxxxx dbname=cgx"},
		{"key value spaces", "host=db password = s3cret", "host=db password=xxxxx"},
		{"unparseable url", "postgres://u:s3cret@h:port/d", "postgres://u:xxxxx@h:port/d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := backend.Redact(tc.in)
			if got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if strings.Contains(got, "s3cret") || strings.Contains(got, "cr\\'et") {
				t.Errorf("Redact(%q) = %q still holds the password", tc.in, got)
			}
		})
	}
}

func FuzzRedact(f *testing.F) {
	f.Add("postgres://u:pw@h/d?password=pw")
	f.Add("host=h password='p w'")
	f.Add("/a/b.db")
	f.Fuzz(func(t *testing.T, s string) {
		backend.Redact(s) // must not panic
	})
}

func TestOpenBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cgx.db")
	db, err := backend.Open(context.Background(), path, backend.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if info := db.Info(); info.Backend != "bbolt" || info.Location != path || info.ReadOnly {
		t.Errorf("Info() = %+v, want bbolt at %s, writable", info, path)
	}
}

func TestOpenPostgresRefusesBboltOptions(t *testing.T) {
	_, err := backend.Open(context.Background(), "postgres://u:s3cret@127.0.0.1:1/d", backend.Options{AcceptLoss: true})
	if !errors.Is(err, backend.ErrBboltOnly) {
		t.Fatalf("Open with AcceptLoss = %v, want ErrBboltOnly", err)
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestScrub(t *testing.T) {
	for _, tc := range []struct{ name, target, text string }{
		{"url", "postgres://u:s3cret@h/d", "connect postgres://u:s3cret@h/d failed: s3cret"},
		{"escaped", "postgres://u:s3%2Fcret@h/d", "s3/cret and s3%2Fcret"},
		{"query", "postgres:///d?host=/tmp&password=s3cret", "password=s3cret"},
		{"key value", "host=h password='s3 cret'", "it was s3 cret"},
		{"unparseable url", "postgres://u:s3cret@h:port/d", "postgres://u:s3cret@h:port/d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := backend.Scrub(tc.text, tc.target)
			if strings.Contains(got, "s3cret") || strings.Contains(got, "s3/cret") || strings.Contains(got, "s3 cret") || strings.Contains(got, "s3%2Fcret") {
				t.Errorf("Scrub(%q) = %q still holds the password", tc.text, got)
			}
		})
	}
	if got := backend.Scrub("a/b.db", "a/b.db"); got != "a/b.db" {
		t.Errorf("Scrub of a path changed it: %q", got)
	}
}
