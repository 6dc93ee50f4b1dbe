package experiments

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/workq"
)

// styleChunksFile is style/brightness-contrast (smoke) with fits in chunks
// of 2 images, so its fit stage has several work items.
func styleChunksFile(t *testing.T) *File {
	t.Helper()
	f, err := Open("style/brightness-contrast")
	if err != nil {
		t.Fatal(err)
	}
	o, err := ParseOverride("style.batch_size=2")
	if err != nil {
		t.Fatal(err)
	}
	if f, err = f.WithOverrides([]Override{o}); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestWalkersShareAStyleRun: a style run whose fits are chunk items,
// computed by one process with 4 workers, or by 3 walkers sharing the run
// (one of them dying on a fit chunk it claimed), stores exactly the stages,
// artifacts, metrics and trials of a one-worker run.
func TestWalkersShareAStyleRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs style/brightness-contrast's smoke profile four times; go test without -short runs it")
	}
	ctx := context.Background()
	refStore := openStore(t, t.TempDir())
	ref, err := Run(ctx, refStore, styleChunksFile(t), Options{Profile: "smoke", Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name             string
		walkers, workers int
		die              string
	}{
		{"one walker, 4 workers", 1, 4, ""},
		{"3 walkers, a fit chunk abandoned", 3, 2, WorkFitChunk},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := openStore(t, t.TempDir())
			id, err := Enqueue(ctx, st, styleChunksFile(t), Options{Profile: "smoke"})
			if err != nil {
				t.Fatal(err)
			}
			q := &dyingClaims{Queue: workq.New(nil), kind: tc.die}
			var wg sync.WaitGroup
			errs := make([]error, tc.walkers)
			for k := range tc.walkers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[k] = Walk(ctx, st, id, Options{Workers: tc.workers, Queue: q, Lease: 300 * time.Millisecond,
						Owner: fmt.Sprintf("walker-%d", k)})
				}()
			}
			wg.Wait()
			for k, err := range errs {
				if err != nil {
					t.Errorf("walker %d: %v", k, err)
				}
			}
			rep, err := CompareRuns(ctx, refStore, ref.RunID, st, id)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range rep.Differences {
				t.Errorf("%s", d)
			}
			if rep.Trials == 0 || rep.Artifacts == 0 {
				t.Errorf("compared %d trials and %d artifacts; want some of each", rep.Trials, rep.Artifacts)
			}
			if tc.die != "" {
				if q.dead == nil {
					t.Fatalf("no %s item was claimed", tc.die)
				}
				items, err := q.ListWork(ctx, id, q.dead.Stage)
				if err != nil {
					t.Fatal(err)
				}
				if len(items) < 2 {
					t.Errorf("fit stage has %d items, want several chunks", len(items))
				}
				if it := items[q.dead.Index]; it.State != tracker.WorkDone || it.Attempts != 2 {
					t.Errorf("abandoned item %+v: want done on its second attempt", it)
				}
			}
		})
	}
}
