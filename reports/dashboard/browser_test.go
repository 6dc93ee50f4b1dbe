package dashboard

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/cgx-dev/cgx/reports/internal/browsertest"
)

// injector adds the browser check script to HTML pages and drops the
// Content-Security-Policy that would block it; everything else passes through.
func injector(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
			body = browsertest.InjectCheck(body)
			w.Header().Del("Content-Security-Policy")
			w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		}
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// TestDashboardInChromium loads the main pages in headless Chromium from a
// loopback server: each shows text and every image on it decodes.
func TestDashboardInChromium(t *testing.T) {
	browser := browsertest.Find(t)
	srv, _, _ := newDemoServer(t)
	ts := httptest.NewServer(injector(srv))
	defer ts.Close()
	pages := []struct {
		path     string
		images   int
		mustShow string
	}{
		{"/", 0, "Runs"},
		{"/studies", 0, "run-1/fit/blur/cg-to-real"},
		{"/runs/1", 30, "Sampler comparison"},
		{"/studies/1", 3, "brightness_g"},
		{"/studies/8", 7, "cmaes"},
		{"/runs/2", 1, `<script>alert("cgx")</script>`},
		{"/studies/1/trials/0", 3, "brightness_g"},
		{"/compare?run=1&run=2", 2, "Median fit loss and confidence per step"},
		{"/?status=succeeded&q=demo", 0, "compare"},
	}
	for _, p := range pages {
		t.Run(p.path, func(t *testing.T) {
			res := browsertest.Load(t, browser, ts.URL+p.path)
			if len(res.Images) != p.images {
				t.Errorf("%d images, want %d", len(res.Images), p.images)
			}
			for _, img := range res.Images {
				if !img.OK {
					t.Errorf("image %s did not load", img.Src)
				}
			}
			if res.TextLength < 100 {
				t.Errorf("page shows only %d characters", res.TextLength)
			}
			// The hostile name shows as text: the DOM holds it escaped, and no
			// script element but the check script exists.
			if !strings.Contains(res.DOM, htmlEscape(p.mustShow)) {
				t.Errorf("page does not show %q", p.mustShow)
			}
			if n := strings.Count(res.DOM, "<script"); n != 1 {
				t.Errorf("%d script elements in the DOM, want only the check script", n)
			}
		})
	}
	// The trial tables read at 1400 px: inside the window, one line per
	// trial, no cell cut (MaxParamColumns parameters as columns, the rest on
	// the trial's page).
	for _, p := range []string{"/studies/1", "/studies/3", "/studies/8"} {
		res := browsertest.LoadAt(t, browser, ts.URL+p, 1400, 900)
		tb, ok := res.Tables["trials-table"]
		switch {
		case !ok:
			t.Errorf("%s at 1400 px: no trials table measured (tables %v)", p, res.Tables)
		case res.Viewport != 1400 || tb.Right > res.Viewport || tb.Lines != 1 || tb.Clipped != 0:
			t.Errorf("%s at 1400 px: trials table ends at %d px in a %d px window, %d lines in its tallest cell, %d cells clipped; want inside, 1, 0",
				p, tb.Right, res.Viewport, tb.Lines, tb.Clipped)
		}
	}
	shot := browsertest.Screenshot(t, browser, ts.URL+"/runs/1", 1280, 1200)
	if ink, colours := browsertest.Ink(shot); ink < 0.03 || colours < 8 {
		t.Errorf("screenshot looks blank: %.1f%% inked, %d colours", 100*ink, colours)
	}
}

func htmlEscape(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
