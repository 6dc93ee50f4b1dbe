package postgres_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

var bg = context.Background()

// result holds a call's value and error until a test unwraps it:
// of(s.GetTrial(id)).must(t).
type result[T any] struct {
	v   T
	err error
}

func of[T any](v T, err error) result[T] { return result[T]{v, err} }

func (r result[T]) must(t testing.TB) T {
	t.Helper()
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.v
}

// sql runs statements on the database directly, as an administrator or a
// damaged disk would.
func sql(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	conn, err := pgx.Connect(bg, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(bg)
	for _, s := range stmts {
		if _, err := conn.Exec(bg, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestMigrations(t *testing.T) {
	dsn := pgtest.NewDatabase(t)

	// A read-only Store does not create the schema.
	if _, err := postgres.Open(bg, dsn, postgres.Options{ReadOnly: true}); !errors.Is(err, tracker.ErrOldFormat) {
		t.Fatalf("read-only open of an empty database: %v, want ErrOldFormat", err)
	}

	// Several machines opening a fresh database at once: one migrates,
	// the others find it done.
	const n = 6
	stores := make([]*postgres.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = postgres.Open(bg, dsn, postgres.Options{})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent open %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	conn := of(pgx.Connect(bg, dsn)).must(t)
	defer conn.Close(bg)
	var rows, version int
	if err := conn.QueryRow(bg, `SELECT count(*), max(version) FROM schema_version`).Scan(&rows, &version); err != nil {
		t.Fatal(err)
	}
	if rows != postgres.SchemaVersion || version != postgres.SchemaVersion {
		t.Errorf("schema_version holds %d rows up to %d, want %d up to %d", rows, version, postgres.SchemaVersion, postgres.SchemaVersion)
	}
	if got := stores[0].Info(); got.FormatVersion != postgres.SchemaVersion || got.Backend != "postgres" {
		t.Errorf("Info() = %+v", got)
	}
	ro := of(postgres.Open(bg, dsn, postgres.Options{ReadOnly: true})).must(t)
	defer ro.Close()
	if _, err := ro.CreateNewStudy("x"); !errors.Is(err, tracker.ErrReadOnly) {
		t.Errorf("write through a read-only store: %v, want ErrReadOnly", err)
	}
	if _, err := ro.Studies(); err != nil {
		t.Errorf("read through a read-only store: %v", err)
	}

	// A database written by a newer cgx is refused, naming the version.
	sql(t, dsn, `INSERT INTO schema_version (version, note) VALUES (99, 'from the future')`)
	for _, opts := range []postgres.Options{{}, {ReadOnly: true}} {
		_, err := postgres.Open(bg, dsn, opts)
		if !errors.Is(err, tracker.ErrNewerFormat) || !strings.Contains(err.Error(), "99") {
			t.Errorf("open (read-only %v) of a schema version 99 database: %v, want ErrNewerFormat naming 99", opts.ReadOnly, err)
		}
	}
}

// TestTrialNumbersUnderConcurrency creates trials in one study from two
// Stores and many goroutines: numbers stay dense and unique.
func TestTrialNumbersUnderConcurrency(t *testing.T) {
	a, dsn := openTest(t, postgres.Options{})
	b := of(postgres.Open(bg, dsn, postgres.Options{})).must(t)
	defer b.Close()
	sid := of(a.CreateNewStudy("shared")).must(t)
	const goroutines, each = 8, 15
	var wg sync.WaitGroup
	ids := make(chan int, goroutines*each)
	errs := make(chan error, goroutines*each)
	base := goptuna.FrozenTrial{State: goptuna.TrialStateRunning,
		InternalParams: map[string]float64{"x": 0.5},
		Distributions:  map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}}}
	for g := range goptuna.TrialState(goroutines) {
		s := []*postgres.Store{a, b}[g%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				var id int
				var err error
				if i%2 == 0 {
					id, err = s.CreateNewTrial(sid)
				} else {
					id, err = s.CloneTrial(sid, base)
				}
				if err != nil {
					errs <- err
					return
				}
				ids <- id
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("trial id %d handed out twice", id)
		}
		seen[id] = true
	}
	trials := of(a.GetAllTrials(sid)).must(t)
	if len(trials) != goroutines*each {
		t.Fatalf("%d trials, want %d", len(trials), goroutines*each)
	}
	for i, tr := range trials {
		if tr.Number != i || !seen[tr.ID] {
			t.Errorf("trial %d: number %d id %d; want dense numbers of the ids handed out", i, tr.Number, tr.ID)
		}
	}
	if rep := of(a.Check(bg)).must(t); !rep.OK() {
		t.Errorf("check: %+v", rep.Problems)
	}
}

// TestSettersCommitWithState: setters of a RUNNING trial are seen by its
// own Store at once and by others once the state changes.
func TestSettersCommitWithState(t *testing.T) {
	a, dsn := openTest(t, postgres.Options{})
	b := of(postgres.Open(bg, dsn, postgres.Options{ReadOnly: true})).must(t)
	defer b.Close()
	sid := of(a.CreateNewStudy("s")).must(t)
	id := of(a.CreateNewTrial(sid)).must(t)
	if err := a.SetTrialValue(id, 2.5); err != nil {
		t.Fatal(err)
	}
	if err := a.SetTrialUserAttr(id, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if got := of(a.GetTrial(id)).must(t); got.Value != 2.5 || got.UserAttrs["k"] != "v" {
		t.Errorf("own store reads value %v attrs %v, want 2.5 and k=v", got.Value, got.UserAttrs)
	}
	if err := a.SetTrialState(id, goptuna.TrialStateComplete); err != nil {
		t.Fatal(err)
	}
	got := of(b.GetTrial(id)).must(t)
	if got.Value != 2.5 || got.UserAttrs["k"] != "v" || got.State != goptuna.TrialStateComplete || got.DatetimeComplete.IsZero() {
		t.Errorf("another store reads %+v after the state change", got)
	}
	if err := a.SetTrialValue(id, 3); !errors.Is(err, goptuna.ErrTrialCannotBeUpdated) {
		t.Errorf("setter on a finished trial: %v", err)
	}
	// Close commits what is pending.
	id2 := of(a.CreateNewTrial(sid)).must(t)
	if err := a.SetTrialSystemAttr(id2, "sys", "1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := of(b.GetTrial(id2)).must(t); got.SystemAttrs["sys"] != "1" {
		t.Errorf("after Close another store reads attrs %v, want sys=1", got.SystemAttrs)
	}
}

func TestStaleTrials(t *testing.T) {
	a, dsn := openTest(t, postgres.Options{})
	b := of(postgres.Open(bg, dsn, postgres.Options{})).must(t)
	sid := of(a.CreateNewStudy("s")).must(t)
	live := of(a.CreateNewTrial(sid)).must(t)
	mine := of(b.CreateNewTrial(sid)).must(t)
	if n := of(a.FailStaleTrials(sid)).must(t); n != 0 {
		t.Errorf("FailStaleTrials with both sessions alive failed %d trials", n)
	}
	// b's process "dies": its heartbeat stops.
	sql(t, dsn, `UPDATE sessions SET heartbeat = now() - interval '1 hour' WHERE id = '`+b.Session()+`'`)
	if got := of(a.FailAllStaleTrials()).must(t); got[sid] != 1 {
		t.Errorf("FailAllStaleTrials = %v, want 1 trial of study %d", got, sid)
	}
	tr := of(a.GetTrial(mine)).must(t)
	if tr.State != goptuna.TrialStateFail || tr.SystemAttrs[tracker.StaleAttr] == "" {
		t.Errorf("stale trial: state %v attrs %v", tr.State, tr.SystemAttrs)
	}
	if err := b.SetTrialState(mine, goptuna.TrialStateComplete); err != goptuna.ErrTrialCannotBeUpdated {
		t.Errorf("completing a trial failed as stale: %v, want ErrTrialCannotBeUpdated", err)
	}
	b.Close()
	if tr := of(a.GetTrial(live)).must(t); tr.State != goptuna.TrialStateRunning {
		t.Errorf("the live store's trial is %v", tr.State)
	}
	// A closed session's trials are stale at once.
	c := of(postgres.Open(bg, dsn, postgres.Options{})).must(t)
	orphan := of(c.CreateNewTrial(sid)).must(t)
	c.Close()
	if n := of(a.FailStaleTrials(sid)).must(t); n != 1 {
		t.Errorf("after Close, FailStaleTrials failed %d trials, want 1", n)
	}
	if tr := of(a.GetTrial(orphan)).must(t); tr.State != goptuna.TrialStateFail {
		t.Errorf("trial of a closed store is %v", tr.State)
	}
}

// TestFinishedCopyMatchesDatabase: the trial a Store answers from what it
// wrote, right after finishing it, is the trial another Store reads.
func TestFinishedCopyMatchesDatabase(t *testing.T) {
	a, dsn := openTest(t, postgres.Options{})
	b := of(postgres.Open(bg, dsn, postgres.Options{ReadOnly: true})).must(t)
	defer b.Close()
	sid := of(a.CreateNewStudy("s")).must(t)
	clone := goptuna.FrozenTrial{State: goptuna.TrialStateRunning, Value: 7,
		InternalParams:     map[string]float64{"x": 0.25, "c": 1},
		Distributions:      map[string]interface{}{"x": goptuna.UniformDistribution{Low: 0, High: 1}, "c": goptuna.CategoricalDistribution{Choices: []string{"a", "b"}}},
		IntermediateValues: map[int]float64{3: 0.5},
		UserAttrs:          map[string]string{"u": "1"}, SystemAttrs: map[string]string{"cgx.slot": "4"},
		DatetimeStart: time.Now()}
	ids := []int{of(a.CloneTrial(sid, clone)).must(t), of(a.CreateNewTrial(sid)).must(t)}
	for i, id := range ids {
		if err := a.SetTrialParam(id, "y", 3, goptuna.IntUniformDistribution{Low: 0, High: 9}); err != nil {
			t.Fatal(err)
		}
		if err := a.SetTrialIntermediateValue(id, 9, math.Inf(1)); err != nil {
			t.Fatal(err)
		}
		if err := a.SetTrialValue(id, float64(i)+0.125); err != nil {
			t.Fatal(err)
		}
		if err := a.SetTrialUserAttr(id, "u", "2"); err != nil {
			t.Fatal(err)
		}
		if err := a.SetTrialState(id, goptuna.TrialStatePruned); err != nil {
			t.Fatal(err)
		}
		mine := of(a.GetTrial(id)).must(t)
		theirs := of(b.GetTrial(id)).must(t)
		if d := cmp.Diff(theirs, mine, cmp.Comparer(func(x, y time.Time) bool { return x.Equal(y) })); d != "" {
			t.Errorf("trial %d as its Store answers differs from the database (-db +store):\n%s", id, d)
		}
	}
}
