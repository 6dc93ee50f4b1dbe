package dashboard

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cgx-dev/cgx/reports"
)

func TestHostCheck(t *testing.T) {
	open := func(context.Context) (reports.Source, func() error, error) {
		return nil, nil, errors.New("no database in this test")
	}
	tests := []struct {
		name, addr string
		allow      []string
		host       string
		want       int // 403 refused; 404 served (the page does not exist)
	}{
		{"loopback v4", "127.0.0.1:8080", nil, "127.0.0.1:8080", 404},
		{"localhost", "127.0.0.1:8080", nil, "localhost:8080", 404},
		{"localhost upper case, trailing dot", "127.0.0.1:8080", nil, "LocalHost.:8080", 404},
		{"loopback v6", "127.0.0.1:8080", nil, "[::1]:8080", 404},
		{"other loopback", "127.0.0.1:8080", nil, "127.0.0.2:8080", 404},
		{"rebinding name", "127.0.0.1:8080", nil, "attacker.example:8080", 403},
		{"rebinding name, no port", "127.0.0.1:8080", nil, "attacker.example", 403},
		{"localhost subdomain", "127.0.0.1:8080", nil, "localhost.attacker.example:8080", 403},
		{"wrong port", "127.0.0.1:8080", nil, "localhost:9090", 403},
		{"no port", "127.0.0.1:8080", nil, "localhost", 403},
		{"default port", "127.0.0.1:80", nil, "localhost", 404},
		{"empty host", "127.0.0.1:8080", nil, "", 403},
		{"bound address", "192.168.1.5:8080", nil, "192.168.1.5:8080", 404},
		{"another address", "192.168.1.5:8080", nil, "192.168.1.6:8080", 403},
		{"all interfaces, an address", "0.0.0.0:8080", nil, "10.1.2.3:8080", 404},
		{"all interfaces, a name", "0.0.0.0:8080", nil, "attacker.example:8080", 403},
		{"v6 bound", "[::1]:8080", nil, "[::1]:8080", 404},
		{"allowed name", "0.0.0.0:8080", []string{"dash.lab"}, "dash.lab:8080", 404},
		{"allowed name and port", "0.0.0.0:8080", []string{"dash.lab:443"}, "dash.lab:443", 404},
		{"allowed name, other name", "0.0.0.0:8080", []string{"dash.lab"}, "dash.lab.attacker.example:8080", 403},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := New(open, WithAddr(tc.addr), WithAllowedHosts(tc.allow...))
			req := httptest.NewRequest(http.MethodGet, "/no-such-page", nil)
			req.Host = tc.host
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Errorf("Host %q on %s: status %d, want %d", tc.host, tc.addr, rec.Code, tc.want)
			}
		})
	}
}

// TestHostCheckLive checks the rule over a real connection: a client that
// reaches the listener under a foreign name is refused.
func TestHostCheckLive(t *testing.T) {
	srv := New(func(context.Context) (reports.Source, func() error, error) {
		return nil, nil, errors.New("no database in this test")
	})
	ts := httptest.NewUnstartedServer(srv)
	WithAddr(ts.Listener.Addr().String())(srv)
	ts.Start()
	defer ts.Close()
	for host, want := range map[string]int{"": http.StatusNotFound, "evil.example": http.StatusForbidden} {
		req, err := http.NewRequest(http.MethodGet, ts.URL+"/no-such-page", nil)
		if err != nil {
			t.Fatal(err)
		}
		if host != "" {
			req.Host = host
		}
		resp, err := ts.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}
