package reports

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cgx-dev/cgx/reports/reporttest"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// trackerDemo copies the demo fixture into a real tracker database and
// returns it reopened read-only, as the CLI and the dashboard open it.
func trackerDemo(t testing.TB) (*bolt.Store, *reporttest.Store) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cgx.db")
	w, err := bolt.Open(path, bolt.NoSync(), bolt.NoServe())
	if err != nil {
		t.Fatal(err)
	}
	fake := reporttest.Demo()
	if err := fake.CopyInto(ctx, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := bolt.Open(path, bolt.ReadOnly())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r, fake
}

// TestTrackerStoreMatchesFake reads the same data through *bolt.Store
// and through the in-memory fake: every table in every format and every
// figure must come out byte for byte the same.
func TestTrackerStoreMatchesFake(t *testing.T) {
	ctx := context.Background()
	store, fake := trackerDemo(t)
	for _, runID := range []int{reporttest.DemoRunID, reporttest.HostileRunID} {
		want, err := LoadRun(ctx, fake, runID)
		if err != nil {
			t.Fatal(err)
		}
		got, err := LoadRun(ctx, store, runID)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want.Warnings, got.Warnings); diff != "" {
			t.Errorf("run %d warnings (-fake +tracker):\n%s", runID, diff)
		}
		for _, format := range Formats() {
			if format == FormatCSV {
				continue
			}
			var a, b bytes.Buffer
			if err := WriteTables(&a, format, want.Tables()); err != nil {
				t.Fatal(err)
			}
			if err := WriteTables(&b, format, got.Tables()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a.String(), b.String()); diff != "" {
				t.Errorf("run %d tables as %s (-fake +tracker):\n%s", runID, format, diff)
			}
		}
		wf, gf := want.Figures(), got.Figures()
		if len(wf) != len(gf) {
			t.Fatalf("run %d: %d figures from the fake, %d from the tracker", runID, len(wf), len(gf))
		}
		for i := range wf {
			a, err := wf[i].Render(ctx, fake, FigureSVG)
			if err != nil {
				t.Fatal(err)
			}
			b, err := gf[i].Render(ctx, store, FigureSVG)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("run %d figure %s differs between the fake and the tracker", runID, wf[i].Name)
			}
		}
	}
}
