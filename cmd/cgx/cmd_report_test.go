package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/reports/reporttest"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

func reportCgx(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// demoDB writes the reports demo fixture into a tracker database.
func demoDB(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "db", "cgx.db")
	st, err := bolt.Open(path, bolt.NoSync(), bolt.NoServe())
	if err != nil {
		t.Fatal(err)
	}
	if err := reporttest.Demo().CopyInto(context.Background(), st); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportWritesIndex(t *testing.T) {
	db := demoDB(t)
	wantTables := demoTableCount(t, db)
	dir := filepath.Join(t.TempDir(), "out")
	code, out, errs := reportCgx(t, "--db", db, "report", "1", "-o", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	index := strings.TrimSpace(out)
	if want, _ := filepath.Abs(filepath.Join(dir, "index.html")); index != want {
		t.Errorf("printed %q, want %q", index, want)
	}
	page, err := os.ReadFile(index)
	if err != nil || !bytes.Contains(page, []byte(`id="table-samplers"`)) {
		t.Fatalf("index.html missing or incomplete (err %v)", err)
	}
	var drawn, tables int
	if _, err := fmt.Sscanf(errs, "cgx report: run 1: drawing %d figures and writing %d tables", &drawn, &tables); err != nil || tables != wantTables {
		t.Errorf("no progress line on stderr (%v): %q", err, errs)
	}

	// Default folder next to the database, and --json.
	code, out, errs = reportCgx(t, "--db", db, "report", "run-1", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got reportJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	if want := filepath.Join(filepath.Dir(db), "reports", "run-1", "index.html"); got.Index != want {
		t.Errorf("index %q, want %q", got.Index, want)
	}
	if got.Run != 1 || len(got.Figures) != drawn || len(got.Tables) != wantTables {
		t.Errorf("json %+v, want run 1, the %d figures the progress line named, %d tables", got, drawn, wantTables)
	}
	for _, want := range []string{"params-brightness-contrast-cg-to-real", "history-exp2.1-round-1", "best-exp2.1-round-2"} {
		if !slices.Contains(got.Figures, want) {
			t.Errorf("figures %v lack %s", got.Figures, want)
		}
	}
}

func TestReportTable(t *testing.T) {
	db := demoDB(t)
	golden, err := os.ReadFile("../../reports/testdata/tables/samplers.csv")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		want     string // substring of stdout (code 0) or stderr
		wantFull string // exact stdout
	}{
		{"csv one table", []string{"report", "table", "1", "--format", "csv", "--table", "samplers"}, 0, "", string(golden)},
		{"markdown all", []string{"report", "table", "1"}, 0, "### Sampler comparison", ""},
		{"flags first", []string{"report", "table", "--format", "tex", "1"}, 0, `\toprule`, ""},
		{"json all", []string{"report", "table", "1", "--format", "json"}, 0, `"name": "gap-recovery"`, ""},
		{"html", []string{"report", "table", "1", "--format", "html", "--table", "discriminator"}, 0, `<table class="cgx-table" id="table-discriminator">`, ""},
		{"csv needs a table", []string{"report", "table", "1", "--format", "csv"}, 2, "choose one with --table", ""},
		{"unknown format", []string{"report", "table", "1", "--format", "xml"}, 2, `unknown --format "xml"`, ""},
		{"unknown table", []string{"report", "table", "1", "--table", "nope"}, 2, "tables: discriminator", ""},
		{"unknown run", []string{"report", "table", "99"}, 1, "no run 99", ""},
		{"bad run id", []string{"report", "abc"}, 2, `"abc" is not a run id`, ""},
		{"no run id", []string{"report"}, 2, "one run id", ""},
		{"report unknown run", []string{"report", "42", "-o", t.TempDir()}, 1, "no run 42", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := reportCgx(t, append([]string{"--db", db}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d\nstdout %s\nstderr %s", code, tc.code, out, errs)
			}
			if tc.wantFull != "" && out != tc.wantFull {
				t.Errorf("stdout:\n%s\nwant:\n%s", out, tc.wantFull)
			}
			where := out
			if tc.code != 0 {
				where = errs
			}
			if !strings.Contains(where, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, where)
			}
		})
	}
}

// lineWriter signals the first line written to it.
type lineWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	first chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if i := bytes.IndexByte(w.buf.Bytes(), '\n'); i >= 0 && w.first != nil {
		w.first <- string(w.buf.Bytes()[:i])
		w.first = nil
	}
	return len(p), nil
}

func TestServe(t *testing.T) {
	db := demoDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &lineWriter{first: make(chan string, 1)}
	var errb bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--db", db, "serve", "--addr", "127.0.0.1:0"}, out, &errb) }()
	var url string
	select {
	case url = <-out.first:
	case code := <-done:
		t.Fatalf("serve exited %d: %s", code, errb.String())
	case <-time.After(30 * time.Second):
		t.Fatal("serve printed no URL")
	}
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("URL %q is not on the loopback address", url)
	}
	for path, status := range map[string]int{"runs/1": 200, "studies/5": 200, "runs/99": 404, "": 200} {
		resp, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("GET /%s: %d, want %d\n%.300s", path, resp.StatusCode, status, body)
		}
	}
	// DNS rebinding: the same listener under a foreign name is refused.
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "attacker.example" + strings.TrimPrefix(strings.TrimSuffix(url, "/"), "http://127.0.0.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("GET / with Host %s: %d, want 403", req.Host, resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d after interrupt: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
}

// demoTableCount is how many tables the demo fixture's run 1 fills.
func demoTableCount(t *testing.T, db string) int {
	t.Helper()
	st, err := bolt.Open(db, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rd, err := reports.LoadRun(context.Background(), st, 1)
	if err != nil {
		t.Fatal(err)
	}
	n := len(rd.Tables())
	if n < 8 {
		t.Fatalf("the demo fixture fills %d tables, want at least the 8 it always had", n)
	}
	return n
}
