package postgres_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"testing"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
)

// TestLeastPrivilege follows docs/FORMAT.md: once the owner made the
// schema, a role with row privileges runs, and a role with SELECT only
// reads through a read-only Store.
func TestLeastPrivilege(t *testing.T) {
	owner, dsn := openTest(t, postgres.Options{})
	sid := of(owner.CreateNewStudy("s")).must(t)
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	run, read := "cgx_run_"+hex.EncodeToString(rnd[:]), "cgx_read_"+hex.EncodeToString(rnd[:])
	sql(t, dsn,
		"CREATE ROLE "+run+" LOGIN",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "+run,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "+run,
		"CREATE ROLE "+read+" LOGIN",
		"GRANT SELECT ON ALL TABLES IN SCHEMA public TO "+read,
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
	)
	t.Cleanup(func() {
		sql(t, dsn, "DROP OWNED BY "+run+", "+read, "DROP ROLE "+run, "DROP ROLE "+read)
	})
	as := func(role string) string {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("user", role)
		u.RawQuery = q.Encode()
		return u.String()
	}
	w, err := postgres.Open(bg, as(run), postgres.Options{})
	if err != nil {
		t.Fatalf("open as %s: %v", run, err)
	}
	id := of(w.CreateNewTrial(sid)).must(t)
	if err := w.SetTrialValue(id, 1); err != nil {
		t.Fatal(err)
	}
	if err := w.SetTrialState(id, 1); err != nil {
		t.Fatal(err)
	}
	rid := of(w.CreateRun(bg, tracker.Run{Name: "r"})).must(t)
	if _, err := w.PutArtifact(bg, []byte("x"), tracker.ArtifactMeta{Kind: "k", RunID: rid}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.DeleteRun(bg, rid); err != nil {
		t.Fatal(err)
	}
	if _, err := w.GC(bg, tracker.GCOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Open(bg, as(read), postgres.Options{}); err == nil {
		t.Error("a SELECT-only role opened for writing")
	}
	r, err := postgres.Open(bg, as(read), postgres.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open as %s read-only: %v", read, err)
	}
	defer r.Close()
	if tr := of(r.GetTrial(id)).must(t); tr.Value != 1 {
		t.Errorf("reader sees value %v", tr.Value)
	}
	if rep := of(r.Check(bg)).must(t); !rep.OK() {
		t.Errorf("check as reader: %+v", rep.Problems)
	}
	if _, err := r.CreateRun(bg, tracker.Run{}); !errors.Is(err, tracker.ErrReadOnly) {
		t.Errorf("reader wrote: %v", err)
	}
}
