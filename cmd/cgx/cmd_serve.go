package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/cgx-dev/cgx/experiments"
	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/reports/dashboard"
	"github.com/cgx-dev/cgx/tracker/backend"
)

const serveUsage = `Usage: cgx serve [--addr 127.0.0.1:8080] [--allow-host NAME,...]

Serves the database as web pages until interrupted (Ctrl-C): the runs (front
page: filter by spec, status, tag or text; tick runs to compare their resolved
settings, metrics and curves side by side), every study, a study's figures and
its trials (click a column to sort),
and each run's report at /runs/RUN with the same tables and figures as
'cgx report'. It only reads, opening the database read-only for each request,
so it works while 'cgx run' writes: reload to see new trials.

It listens on the loopback address unless --addr names another; the dashboard
has no login, so only expose it on networks you trust. --addr 127.0.0.1:0
picks a free port. The URL is printed on stdout. Requests must name the
address served (localhost, a loopback address or the listening address, with
its port) in their Host header: pages of other sites that point their own DNS
names at this machine are refused (DNS rebinding). --allow-host adds DNS
names the dashboard may be reached by.

Examples:
  cgx serve                       # then open http://127.0.0.1:8080/
  cgx serve --addr 127.0.0.1:9000
  cgx --db other/cgx.db serve`

type serveOptions struct {
	addr       string
	allowHosts string
}

func init() {
	register(&command{name: "serve", summary: "browse runs, studies, trials and reports in a web browser", usage: serveUsage,
		run: func(ctx context.Context, g *globals, args []string) error {
			o := serveOptions{addr: "127.0.0.1:8080"}
			fs := g.newFlagSet("serve", serveUsage)
			fs.StringVar(&o.addr, "addr", o.addr, "listen `address` host:port")
			fs.StringVar(&o.allowHosts, "allow-host", "", "also serve requests for these host `names` (comma-separated, NAME or NAME:PORT)")
			rest, err := parseFlags(fs, args)
			if err != nil {
				return err
			}
			if len(rest) > 0 {
				return g.usageErrorf("serve takes no arguments; choose the database with --db")
			}
			return runServe(ctx, o, g)
		}})
}

func runServe(ctx context.Context, o serveOptions, g *globals) error {
	host, _, err := net.SplitHostPort(o.addr)
	if err != nil {
		return g.usageErrorf("--addr %q is not host:port (for example 127.0.0.1:8080)", o.addr)
	}
	path := g.dbPath()
	if _, err := os.Stat(path); err != nil && !backend.IsPostgres(path) {
		fmt.Fprintf(g.stderr, "cgx serve: warning: no database at %s yet; pages answer 503 until a run creates it\n", path)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fmt.Fprintf(g.stderr, "cgx serve: warning: listening on %s, reachable from other machines; the dashboard has no login\n", o.addr)
	}
	open := func(ctx context.Context) (reports.Source, func() error, error) {
		st, err := backend.Open(ctx, path, backend.Options{ReadOnly: true})
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w; choose another address with --addr", o.addr, err)
	}
	srv := &http.Server{
		Handler: dashboard.New(open, dashboard.WithLogger(log.New(g.stderr, "cgx serve: ", 0)), dashboard.WithSettings(experiments.ResolvedSettings),
			dashboard.WithAddr(ln.Addr().String()), dashboard.WithAllowedHosts(strings.Split(o.allowHosts, ",")...)),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      5 * time.Minute, // large figures render per request
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    64 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
	}
	fmt.Fprintf(g.stdout, "http://%s/\n", ln.Addr())
	fmt.Fprintf(g.stderr, "cgx serve: serving %s read-only; Ctrl-C stops\n", dbName(path))
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil {
		return fmt.Errorf("stop serving: %w", err)
	}
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
