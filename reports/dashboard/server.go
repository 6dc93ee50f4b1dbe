package dashboard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log"
	"net/http"
	"strconv"
	"strings"

	"github.com/cgx-dev/cgx/reports"
)

// Opener opens the database for one request. release is called when the
// request is done with src.
type Opener func(ctx context.Context) (src reports.Source, release func() error, err error)

// Server is the dashboard's http.Handler.
type Server struct {
	open Opener
	mux  *http.ServeMux
	log  *log.Logger
	// Host header check (WithAddr, WithAllowedHosts; host.go).
	hostCheck          bool
	bindHost, bindPort string
	allowHosts         []string
	settings           SettingsFunc // resolves a run's settings for /compare; nil: none
}

// Option configures New.
type Option func(*Server)

// WithLogger sets where recovered panics and database errors are logged
// (default: nowhere).
func WithLogger(l *log.Logger) Option { return func(s *Server) { s.log = l } }

// New returns the dashboard serving the database that open opens.
func New(open Opener, opts ...Option) *Server {
	s := &Server{open: open, mux: http.NewServeMux()}
	for _, o := range opts {
		o(s)
	}
	s.mux.HandleFunc("/{$}", s.handleRuns)
	s.mux.HandleFunc("/runs/{run}", s.handleRun)
	s.mux.HandleFunc("/runs/{run}/figures/{file}", s.handleRunFigure)
	s.mux.HandleFunc("/runs/{run}/tables/{file}", s.handleRunTable)
	s.mux.HandleFunc("/compare", s.handleCompare)
	s.mux.HandleFunc("/compare/figures/{file}", s.handleCompareFigure)
	s.mux.HandleFunc("/studies", s.handleStudies)
	s.mux.HandleFunc("/studies/{study}", s.handleStudy)
	s.mux.HandleFunc("/studies/{study}/figures/{file}", s.handleStudyFigure)
	s.mux.HandleFunc("/studies/{study}/trials/{trial}", s.handleTrial)
	s.mux.HandleFunc("/studies/{study}/trials/{trial}/figures/{file}", s.handleTrialFigure)
	s.mux.HandleFunc("/artifacts/{id}", s.handleArtifact)
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, statusError(http.StatusNotFound, "There is no page at %s.", r.URL.Path))
	})
	return s
}

// csp forbids scripts and everything not served by the dashboard itself;
// forms (the runs filter, compare, contour pair) submit only to it.
const csp = "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.logf("panic serving %s: %v", r.URL.Path, v)
			s.fail(w, r, statusError(http.StatusInternalServerError, "The dashboard failed on this page; the error is in its log."))
		}
	}()
	h := w.Header()
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store") // the database changes while runs write
	if !s.hostAllowed(r) {
		s.logf("refused request for host %q (not the address served; DNS rebinding protection)", r.Host)
		s.fail(w, r, statusError(http.StatusForbidden, "This dashboard does not serve the host %q: open it at the address 'cgx serve' printed, or add the name with --allow-host.", r.Host))
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		s.fail(w, r, statusError(http.StatusMethodNotAllowed, "The dashboard only reads: use GET."))
		return
	}
	s.mux.ServeHTTP(w, r)
}

func (s *Server) logf(format string, a ...any) {
	if s.log != nil {
		s.log.Printf(format, a...)
	}
}

// httpError is an error with the status and the message a page shows.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func statusError(status int, format string, a ...any) error {
	return &httpError{status, fmt.Sprintf(format, a...)}
}

// withSource opens the database for the request and runs fn with it.
func (s *Server) withSource(w http.ResponseWriter, r *http.Request, fn func(src reports.Source) error) {
	src, release, err := s.open(r.Context())
	if err != nil {
		s.logf("open database: %v", err)
		s.fail(w, r, statusError(http.StatusServiceUnavailable, "The database cannot be opened: %v", err))
		return
	}
	defer func() {
		if err := release(); err != nil {
			s.logf("close database: %v", err)
		}
	}()
	if err := fn(src); err != nil {
		s.fail(w, r, err)
	}
}

var errorPage = template.Must(reports.PageTemplate().Parse(`{{define "body"}}<h1>{{.Status}} {{.Text}}</h1>
<p>{{.Message}}</p>
<p><a href="/">All runs</a> · <a href="/studies">All studies</a></p>{{end}}`))

// fail writes the error page for err: its status for an httpError, 404 for
// reports.ErrNotFound, 500 otherwise.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "The dashboard could not read this page from the database."
	var he *httpError
	switch {
	case errors.As(err, &he):
		status, msg = he.status, he.msg
	case errors.Is(err, reports.ErrNotFound):
		status, msg = http.StatusNotFound, oneLine(err.Error())
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		status, msg = http.StatusServiceUnavailable, "The request was cancelled."
	default:
		s.logf("%s: %v", r.URL.Path, err)
	}
	s.page(w, r, status, errorPage, fmt.Sprintf("%d %s", status, http.StatusText(status)), struct {
		Status  int
		Text    string
		Message string
	}{status, http.StatusText(status), msg})
}

// page renders t's "page" with body into a buffer first, so that a template
// error never leaves half a page behind.
func (s *Server) page(w http.ResponseWriter, r *http.Request, status int, t *template.Template, title string, body any) {
	s.pageRefresh(w, r, status, t, title, body, false)
}

// RefreshSeconds is how often a page whose run is still writing reloads
// itself (a meta refresh: the dashboard serves no script).
const RefreshSeconds = 15

// pageRefresh is page, reloading every RefreshSeconds when live is true.
func (s *Server) pageRefresh(w http.ResponseWriter, r *http.Request, status int, t *template.Template, title string, body any, live bool) {
	var b bytes.Buffer
	refresh := 0
	if live {
		refresh = RefreshSeconds
	}
	if err := t.ExecuteTemplate(&b, "page", reports.Layout{Title: title, Nav: true, Footer: "cgx dashboard: read-only view of the run database.", Body: body, Refresh: refresh}); err != nil {
		s.logf("render %s: %v", r.URL.Path, err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	s.bytes(w, r, status, "text/html; charset=utf-8", b.Bytes())
}

func (s *Server) bytes(w http.ResponseWriter, r *http.Request, status int, contentType string, b []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(b)
	}
}

// positiveID parses a path id: decimal digits, 1 to 2^31-1; anything else is
// a 404, like an id that does not exist.
func positiveID(s, what string) (int, error) {
	if s == "" || len(s) > 10 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, statusError(http.StatusNotFound, "%q is not a %s id: ids are whole numbers from 1.", s, what)
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1<<31-1 {
		return 0, statusError(http.StatusNotFound, "%q is not a %s id: ids are whole numbers from 1.", s, what)
	}
	return n, nil
}

// splitFile splits NAME.EXT; ok is false when there is no extension.
func splitFile(file string) (name, ext string, ok bool) {
	i := strings.LastIndexByte(file, '.')
	if i <= 0 || i == len(file)-1 {
		return "", "", false
	}
	return file[:i], file[i+1:], true
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
