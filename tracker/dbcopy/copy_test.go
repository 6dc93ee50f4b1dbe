package dbcopy_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/cgx-dev/cgx/tracker/dbcopy"
	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

var bg = context.Background()

// result holds a call's value and error: of(db.Studies()).must(t).
type result[T any] struct {
	v   T
	err error
}

func of[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t *testing.T) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// bigSize is the size of the artifact streamed through the copy.
const bigSize = 3<<20 + 17

func bigBytes() []byte {
	b := make([]byte, bigSize)
	for i := range b {
		b[i] = byte(i*7 + i>>9)
	}
	return b
}

func trial(i int, state goptuna.TrialState, value float64) goptuna.FrozenTrial {
	return goptuna.FrozenTrial{
		State: state, Value: value,
		IntermediateValues: map[int]float64{0: float64(i), 3: math.Inf(1)},
		InternalParams:     map[string]float64{"sigma": 0.125 * float64(i), "level": float64(i % 2)},
		Distributions: map[string]any{
			"sigma": goptuna.UniformDistribution{Low: 0, High: 4},
			"level": goptuna.CategoricalDistribution{Choices: []string{"top", "bottom"}},
		},
		UserAttrs:        map[string]string{"image": "x", "cgx.planted": `{"sigma":1}`},
		SystemAttrs:      map[string]string{"cgx.slot": "1"},
		DatetimeStart:    t0.Add(time.Duration(i) * time.Second),
		DatetimeComplete: t0.Add(time.Duration(i)*time.Second + 999*time.Microsecond),
	}
}

// fill writes a database with gaps in every id sequence: run 2 and its
// study are deleted (a stage it computed is kept for run 3), trials of two
// studies interleave, one trial is still RUNNING; artifacts include a
// JSON manifest and a 3 MiB blob.
func fill(t *testing.T, db dbcopy.DB) {
	t.Helper()
	img := of(db.PutArtifact(bg, []byte("png bytes"), tracker.ArtifactMeta{Kind: "image", MediaType: "image/png", RunID: 1, Stage: "dataset/cg", Name: "scene_0.png"})).must(t)
	manifest := of(db.PutArtifact(bg, []byte(`{"images":["`+img.String()+`"]}`), tracker.ArtifactMeta{Kind: "dataset-manifest", MediaType: "application/json", RunID: 1})).must(t)
	big := of(db.PutArtifactFrom(bg, bytes.NewReader(bigBytes()), tracker.ArtifactMeta{Kind: "weights", RunID: 1, Name: "weights.bin"})).must(t)

	s1 := of(db.CreateNewStudy("run-1/fit/blur/cg-to-real")).must(t)
	s2 := of(db.CreateNewStudy("run-1/fit/blur/real-to-cg")).must(t)
	ok(t, db.SetStudyDirection(s2, goptuna.StudyDirectionMaximize))
	ok(t, db.SetStudyUserAttr(s1, "cgx.run", "1"))
	ok(t, db.SetStudySystemAttr(s2, "sys", "v"))
	for i := range 6 {
		sid := []int{s1, s2}[i%2]
		state := []goptuna.TrialState{goptuna.TrialStateComplete, goptuna.TrialStatePruned, goptuna.TrialStateFail}[i%3]
		of(db.AddFinishedTrials(sid, []goptuna.FrozenTrial{trial(i, state, []float64{0.5, 0.25, math.NaN()}[i%3])})).must(t)
	}
	running := of(db.CreateNewTrial(s1)).must(t)
	ok(t, db.SetTrialParam(running, "sigma", 0.5, goptuna.UniformDistribution{Low: 0, High: 4}))
	ok(t, db.SetTrialIntermediateValue(running, 0, 1.5))
	of(db.CreateRun(bg, tracker.Run{Name: "style/blur", Spec: "spec", Seed: 7, Profile: "smoke", Status: tracker.RunSucceeded,
		Started: t0, Ended: t0.Add(time.Minute), Studies: []int{s1, s2}, Artifacts: []tracker.ID{manifest, big}, Stages: []string{"k-data", "k-fit"},
		Metrics: map[string]float64{"loss": 0.5, "nan": math.NaN()}, Attrs: map[string]string{"source": "style/blur"}})).must(t)
	ok(t, db.PutStage(bg, tracker.Stage{Key: "k-data", Name: "dataset/cg", RunID: 1, Status: "done", Outputs: map[string]tracker.ID{"manifest": manifest}, Started: t0}))
	ok(t, db.PutStage(bg, tracker.Stage{Key: "k-fit", Name: "fit/blur/cg-to-real", RunID: 1, Status: "done", Studies: []int{s1, s2}, Started: t0.Add(time.Second)}))

	s3 := of(db.CreateNewStudy("run-2/fit")).must(t)
	of(db.AddFinishedTrials(s3, []goptuna.FrozenTrial{trial(10, goptuna.TrialStateComplete, 1), trial(11, goptuna.TrialStateComplete, 2)})).must(t)
	r2 := of(db.CreateRun(bg, tracker.Run{Name: "doomed", Studies: []int{s3}, Stages: []string{"k-shared"}})).must(t)
	ok(t, db.PutStage(bg, tracker.Stage{Key: "k-shared", Name: "dataset/real", RunID: r2, Status: "done", Started: t0.Add(2 * time.Second)}))
	r3 := of(db.CreateRun(bg, tracker.Run{Name: "content/exp1", Stages: []string{"k-shared"}, Status: tracker.RunInterrupted})).must(t)
	of(db.DeleteRun(bg, r2)).must(t)
	s4 := of(db.CreateNewStudy("run-3/search")).must(t)
	of(db.AddFinishedTrials(s4, []goptuna.FrozenTrial{trial(20, goptuna.TrialStateComplete, -1)})).must(t)
	ok(t, db.UpdateRun(bg, r3, func(r *tracker.Run) error { r.Studies = []int{s4}; return nil }))
	of(db.CreateNewTrial(s2)).must(t)
}

func openBolt(t *testing.T, path string, opts ...bolt.Option) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path, append([]bolt.Option{bolt.NoSync()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var cmpOpts = cmp.Options{cmpopts.EquateNaNs(), cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })}

// sameDB fails unless b holds what a holds, ids included (study creation
// times aside, which the contract cannot set).
func sameDB(t *testing.T, a, b dbcopy.DB) {
	t.Helper()
	sa, sb := of(a.Studies()).must(t), of(b.Studies()).must(t)
	for i := range sa {
		sa[i].Created = time.Time{}
	}
	for i := range sb {
		sb[i].Created = time.Time{}
	}
	if d := cmp.Diff(sa, sb, cmpOpts); d != "" {
		t.Errorf("studies differ (-source +copy):\n%s", d)
	}
	for _, s := range sa {
		ta, tb := of(a.GetAllTrials(s.ID)).must(t), of(b.GetAllTrials(s.ID)).must(t)
		if d := cmp.Diff(ta, tb, cmpOpts); d != "" {
			t.Errorf("trials of study %d differ (-source +copy):\n%s", s.ID, d)
		}
	}
	if d := cmp.Diff(of(a.ListRuns(bg)).must(t), of(b.ListRuns(bg)).must(t), cmpOpts); d != "" {
		t.Errorf("runs differ (-source +copy):\n%s", d)
	}
	if d := cmp.Diff(of(a.ListStages(bg, 0)).must(t), of(b.ListStages(bg, 0)).must(t), cmpOpts); d != "" {
		t.Errorf("stages differ (-source +copy):\n%s", d)
	}
	ma := of(a.ListArtifacts(bg, "")).must(t)
	if d := cmp.Diff(ma, of(b.ListArtifacts(bg, "")).must(t), cmpOpts); d != "" {
		t.Errorf("artifacts differ (-source +copy):\n%s", d)
	}
	for _, m := range ma {
		rc, _, err := b.OpenArtifact(bg, m.ID)
		ok(t, err)
		h := sha256.New()
		n, err := io.Copy(h, rc)
		rc.Close()
		ok(t, err)
		if n != m.Size || !bytes.Equal(h.Sum(nil), m.ID[:]) {
			t.Errorf("artifact %s: the copy streams %d bytes hashing to %x", m.ID, n, h.Sum(nil))
		}
	}
}

func TestCopyBoltToBolt(t *testing.T) {
	dir := t.TempDir()
	srcPath := filepath.Join(dir, "src", "cgx.db")
	w := openBolt(t, srcPath)
	fill(t, w)
	ok(t, w.Close())
	src := openBolt(t, srcPath, bolt.ReadOnly())
	dst := openBolt(t, filepath.Join(dir, "dst", "cgx.db"))
	var parts []string
	rep, err := dbcopy.Copy(bg, src, dst, func(p dbcopy.Progress) {
		if len(parts) == 0 || parts[len(parts)-1] != p.Part {
			parts = append(parts, p.Part)
		}
		if p.Done > p.Total {
			t.Errorf("progress %+v: done above total", p)
		}
	})
	ok(t, err)
	want := dbcopy.Report{From: src.Info(), To: dst.Info(), Studies: 3, Trials: 9, Runs: 2, Stages: 3, Artifacts: 3,
		ArtifactBytes: bigSize + int64(len("png bytes")) + int64(len(`{"images":[""]}`)+64), StudyIDs: map[int]int{}, Placeholders: 4}
	if d := cmp.Diff(want, rep, cmpOpts); d != "" {
		t.Errorf("report (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"studies", "trials", "runs", "artifacts", "stages"}, parts); d != "" {
		t.Errorf("progress parts (-want +got):\n%s", d)
	}
	sameDB(t, src, dst)
	chk := of(dst.Check(bg)).must(t)
	if !chk.OK() {
		t.Errorf("check of the copy: %+v", chk.Problems)
	}
	if n := len(of(dst.Studies()).must(t)); n != 3 {
		t.Errorf("the copy holds %d studies: placeholders were left", n)
	}
}

func TestCopyRefusesNonEmpty(t *testing.T) {
	dir := t.TempDir()
	src := openBolt(t, filepath.Join(dir, "a.db"))
	fill(t, src)
	dst := openBolt(t, filepath.Join(dir, "b.db"))
	of(dst.CreateRun(bg, tracker.Run{Name: "already here"})).must(t)
	_, err := dbcopy.Copy(bg, src, dst, nil)
	if !errors.Is(err, dbcopy.ErrNotEmpty) || !strings.Contains(err.Error(), dst.Info().Location) || !strings.Contains(err.Error(), "1 runs") {
		t.Errorf("copy into a database with a run: %v; want ErrNotEmpty naming %s and what it holds", err, dst.Info().Location)
	}
	if n := len(of(dst.Studies()).must(t)); n != 0 {
		t.Errorf("a refused copy wrote %d studies", n)
	}
}

// TestCopyRemapsStudies: a destination that used up study ids before
// (created and deleted a study) cannot keep them; runs and stages then
// name the new ids.
func TestCopyRemapsStudies(t *testing.T) {
	dir := t.TempDir()
	src := openBolt(t, filepath.Join(dir, "a.db"))
	fill(t, src)
	dst := openBolt(t, filepath.Join(dir, "b.db"))
	for range 5 {
		id := of(dst.CreateNewStudy("used")).must(t)
		ok(t, dst.DeleteStudy(id))
	}
	rep, err := dbcopy.Copy(bg, src, dst, nil)
	ok(t, err)
	if d := cmp.Diff(map[int]int{1: 6, 2: 7, 4: 8}, rep.StudyIDs); d != "" {
		t.Errorf("remapped study ids (-want +got):\n%s", d)
	}
	r1 := of(dst.GetRun(bg, 1)).must(t)
	if d := cmp.Diff([]int{6, 7}, r1.Studies); d != "" {
		t.Errorf("run 1's studies (-want +got):\n%s", d)
	}
	st := of(dst.GetStage(bg, "k-fit")).must(t)
	if d := cmp.Diff([]int{6, 7}, st.Studies); d != "" {
		t.Errorf("stage k-fit's studies (-want +got):\n%s", d)
	}
	if got := of(dst.FindStudy("run-3/search")).must(t); got.ID != 8 || got.Stats.Trials != 1 {
		t.Errorf("study run-3/search in the copy: id %d, %d trials", got.ID, got.Stats.Trials)
	}
	if chk := of(dst.Check(bg)).must(t); !chk.OK() {
		t.Errorf("check of the copy: %+v", chk.Problems)
	}
}

func openPostgres(t *testing.T, dsn string, readOnly bool) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(bg, dsn, postgres.Options{ReadOnly: readOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestCopyThroughPostgres: bbolt -> PostgreSQL -> bbolt keeps everything,
// ids included, and both copies check clean.
func TestCopyThroughPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	dir := t.TempDir()
	src := openBolt(t, filepath.Join(dir, "src", "cgx.db"))
	fill(t, src)
	res := of(src.ListArtifacts(bg, "image")).must(t)[0].ID
	var items []tracker.WorkItem
	for i := range 3 {
		items = append(items, tracker.WorkItem{WorkKey: tracker.WorkKey{RunID: 1, Stage: "k-fit", Index: i}, Kind: "fit-image", Payload: []byte{byte('0' + i)}})
	}
	ok(t, src.EnqueueWork(bg, items))
	for i, owner := range []string{"w1", "w2"} {
		it, claimed, err := src.ClaimWork(bg, owner, time.Hour, 1, "")
		if err != nil || !claimed || it.Index != i {
			t.Fatalf("claim: %+v %v %v", it.WorkKey, claimed, err)
		}
	}
	ok(t, src.CompleteWork(bg, items[0].WorkKey, "w1", res))
	wantWork := func(t *testing.T, db tracker.WorkQueue) {
		t.Helper()
		got := of(db.ListWork(bg, 1, "")).must(t)
		var states []string
		for _, it := range got {
			states = append(states, fmt.Sprintf("%d:%s:%s:%s:%v", it.Index, it.Kind, it.Payload, it.State, it.Result == res))
		}
		if d := cmp.Diff([]string{"0:fit-image:0:done:true", "1:fit-image:1:pending:false", "2:fit-image:2:pending:false"}, states); d != "" {
			t.Errorf("work items in the copy (-want +got):\n%s", d)
		}
	}
	pg := openPostgres(t, dsn, false)
	rep, err := dbcopy.Copy(bg, src, pg, nil)
	ok(t, err)
	if rep.WorkItems != 3 {
		t.Errorf("copied %d work items, want 3", rep.WorkItems)
	}
	wantWork(t, pg)
	if len(rep.StudyIDs) != 0 || rep.TrialIDsChanged != 0 {
		t.Errorf("PostgreSQL did not keep every id: studies %v, %d trials", rep.StudyIDs, rep.TrialIDsChanged)
	}
	sameDB(t, src, pg)
	if chk := of(pg.Check(bg)).must(t); !chk.OK() {
		t.Errorf("check of the PostgreSQL copy: %+v", chk.Problems)
	}
	ok(t, pg.Close())
	pgRead := openPostgres(t, dsn, true)
	back := openBolt(t, filepath.Join(dir, "back", "cgx.db"))
	rep, err = dbcopy.Copy(bg, pgRead, back, nil)
	ok(t, err)
	if len(rep.StudyIDs) != 0 || rep.TrialIDsChanged != 0 {
		t.Errorf("the way back did not keep every id: studies %v, %d trials", rep.StudyIDs, rep.TrialIDsChanged)
	}
	sameDB(t, src, back)
	wantWork(t, back)
	if chk := of(back.Check(bg)).must(t); !chk.OK() {
		t.Errorf("check of the copy back: %+v", chk.Problems)
	}
}
