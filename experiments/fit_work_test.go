package experiments

import (
	"context"
	"testing"

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
			items := walkShared(t, refStore, ref.RunID, st, id, q, tc.walkers, tc.workers)
			if tc.die != "" && len(items) < 2 {
				t.Errorf("fit stage has %d items, want several chunks", len(items))
			}
		})
	}
}
