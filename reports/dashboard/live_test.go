package dashboard

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"

	"github.com/cgx-dev/cgx/reports"
	"github.com/cgx-dev/cgx/reports/reporttest"
	"github.com/cgx-dev/cgx/tracker/bolt"
)

// trackerOpener opens path read-only for each request, as 'cgx serve' does.
func trackerOpener(path string) Opener {
	return func(ctx context.Context) (reports.Source, func() error, error) {
		st, err := bolt.Open(path, bolt.ReadOnly())
		if err != nil {
			return nil, nil, err
		}
		return st, st.Close, nil
	}
}

var trialCount = regexp.MustCompile(`([0-9]+) trials · ([0-9]+) complete`)

// TestServeWhileWriting serves a tracker database that a writer keeps
// adding trials to: every page answers, and the study page's trial count
// never goes down and ends at what the writer wrote.
func TestServeWhileWriting(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "cgx.db")
	w, err := bolt.Open(path, bolt.NoSync())
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if err := reporttest.Demo().CopyInto(ctx, w); err != nil {
		t.Fatal(err)
	}
	const study, add = 5, 40 // a content study with 25 trials
	srv := New(trackerOpener(path))

	var wg sync.WaitGroup
	wg.Add(1)
	errs := make(chan error, 1)
	go func() {
		defer wg.Done()
		for i := range add {
			v := 1.0 + float64(i)/100
			_, err := w.AddFinishedTrials(study, []goptuna.FrozenTrial{{
				State: goptuna.TrialStateComplete, Value: v,
				InternalParams: map[string]float64{"pos_x": 0.1},
				Distributions:  map[string]any{"pos_x": goptuna.UniformDistribution{Low: -0.5, High: 0.5}},
				UserAttrs:      map[string]string{"success": "false", "confidence": strconv.FormatFloat(0.3, 'g', -1, 64)},
				DatetimeStart:  time.Unix(0, 0), DatetimeComplete: time.Unix(1, 0),
			}})
			if err != nil {
				errs <- fmt.Errorf("add trial %d: %w", i, err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()

	last := 0
	check := func() {
		rec := get(t, srv, "GET", fmt.Sprintf("/studies/%d", study))
		if rec.Code != 200 {
			t.Fatalf("study page: status %d\n%.500s", rec.Code, rec.Body.String())
		}
		m := trialCount.FindStringSubmatch(rec.Body.String())
		if m == nil {
			t.Fatalf("study page lacks its trial count")
		}
		n, _ := strconv.Atoi(m[1])
		if n < last {
			t.Fatalf("trial count went from %d down to %d", last, n)
		}
		last = n
		for _, p := range []string{"/", "/runs/1/tables/samplers.csv"} {
			if rec := get(t, srv, "GET", p); rec.Code != 200 {
				t.Fatalf("%s: status %d while writing\n%.500s", p, rec.Code, rec.Body.String())
			}
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	polls := 0
	for running := true; running; polls++ {
		select {
		case <-done:
			running = false
		default:
		}
		check()
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
	check()
	if last != 25+add {
		t.Errorf("final trial count %d, want %d", last, 25+add)
	}
	t.Logf("%d polls while writing", polls)
}
