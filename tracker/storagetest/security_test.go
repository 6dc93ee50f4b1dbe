package storagetest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/postgres"
	"github.com/cgx-dev/cgx/tracker/postgres/pgtest"
)

// securityDoc is the page whose SQL TestSecurityRoles runs.
const securityDoc = "../../docs/SECURITY.md"

// sqlBlocks returns the ```sql blocks of the security page, in order.
func sqlBlocks(t *testing.T) []string {
	t.Helper()
	doc, err := os.ReadFile(securityDoc)
	if err != nil {
		t.Fatal(err)
	}
	var blocks []string
	for _, m := range regexp.MustCompile("(?s)```sql\n(.*?)```").FindAllSubmatch(doc, -1) {
		blocks = append(blocks, string(m[1]))
	}
	if len(blocks) != 3 {
		t.Fatalf("%s has %d sql blocks; the test knows steps 1, 2 and 3", securityDoc, len(blocks))
	}
	return blocks
}

// withUser returns dsn connecting as user (a URL or keyword=value string).
func withUser(dsn, user string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		if q.Has("user") {
			q.Set("user", user)
			u.RawQuery = q.Encode()
		} else {
			u.User = url.User(user)
		}
		return u.String()
	}
	return dsn + " user=" + user
}

func execAs(t *testing.T, dsn, sql string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// denied reports whether err is PostgreSQL's insufficient_privilege.
func denied(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "42501"
}

// TestSecurityRoles runs the SQL of docs/SECURITY.md (with names of its
// own) and checks that its roles can do what the page says and no more:
// the owner creates the schema, a runner does everything a run and a
// worker do but cannot change the schema, a reader reads and cannot write.
func TestSecurityRoles(t *testing.T) {
	admin := pgtest.DSN(t)
	blocks := sqlBlocks(t)
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	p := "cgx_t_" + hex.EncodeToString(rnd[:])
	names := strings.NewReplacer("cgx_owner", p+"_owner", "cgx_run", p+"_run", "cgx_read", p+"_read")
	dbName := regexp.MustCompile(`DATABASE cgx\b`)
	for i := range blocks {
		blocks[i] = dbName.ReplaceAllString(names.Replace(blocks[i]), "DATABASE "+p)
	}
	t.Cleanup(func() {
		for _, sql := range []string{"DROP DATABASE IF EXISTS " + p + " WITH (FORCE)",
			"DROP ROLE IF EXISTS " + p + "_owner", "DROP ROLE IF EXISTS " + p + "_run", "DROP ROLE IF EXISTS " + p + "_read"} {
			if err := execAs(t, admin, sql); err != nil {
				t.Errorf("clean up: %s: %v", sql, err)
			}
		}
	})
	for _, stmt := range strings.Split(blocks[0], ";") {
		// CREATE DATABASE cannot run in the implicit transaction of a
		// multi-statement string: one statement at a time.
		if strings.TrimSpace(stripComments(stmt)) == "" {
			continue
		}
		if err := execAs(t, admin, stmt); err != nil {
			t.Fatalf("step 1: %s: %v", strings.TrimSpace(stmt), err)
		}
	}
	db := pgtest.WithDatabase(admin, p)
	if err := execAs(t, db, blocks[1]); err != nil {
		t.Fatalf("step 2: %v", err)
	}
	ctx := context.Background()
	owner, err := postgres.Open(ctx, withUser(db, p+"_owner"), postgres.Options{})
	if err != nil {
		t.Fatalf("step 3: the owner creates the schema: %v", err)
	}
	ok(t, owner.Close())
	if err := execAs(t, db, blocks[2]); err != nil {
		t.Fatalf("step 3: %v", err)
	}

	t.Run("runner", func(t *testing.T) {
		dsn := withUser(db, p+"_run")
		s, err := postgres.Open(ctx, dsn, postgres.Options{})
		if err != nil {
			t.Fatalf("a runner cannot open the database for writing: %v\n(a runner has no CREATE on the schema: opening a database whose schema is current must run no DDL, such as CREATE TABLE IF NOT EXISTS, which PostgreSQL refuses without CREATE even when the table exists)", err)
		}
		defer s.Close()
		runAsRunner(t, s)
		for _, sql := range []string{"CREATE TABLE intruder (x int)", "DROP TABLE runs", "ALTER TABLE runs ADD COLUMN x int",
			"INSERT INTO schema_version (version) VALUES (99)", "TRUNCATE runs"} {
			if err := execAs(t, dsn, sql); !denied(err) {
				t.Errorf("runner: %s: %v, want permission denied", sql, err)
			}
		}
	})
	t.Run("reader", func(t *testing.T) {
		dsn := withUser(db, p+"_read")
		s, err := postgres.Open(ctx, dsn, postgres.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("a reader cannot open the database read-only: %v", err)
		}
		defer s.Close()
		runs, err := s.ListRuns(ctx)
		if err != nil || len(runs) != 1 {
			t.Fatalf("reader lists %d runs (%v), want the runner's 1", len(runs), err)
		}
		if _, _, err := s.GetArtifact(ctx, runs[0].Artifacts[0]); err != nil {
			t.Errorf("reader reads an artifact: %v", err)
		}
		if trials, err := s.GetAllTrials(runs[0].Studies[0]); err != nil || len(trials) != 1 {
			t.Errorf("reader reads %d trials (%v), want 1", len(trials), err)
		}
		if rep, err := s.Check(ctx); err != nil || !rep.OK() {
			t.Errorf("reader's check: %+v, %v", rep.Problems, err)
		}
		if _, err := postgres.Open(ctx, dsn, postgres.Options{}); err == nil {
			t.Error("a reader opened the database for writing")
		}
		for _, sql := range []string{"INSERT INTO sessions (id, host, pid) VALUES ('x', 'h', 1)", "UPDATE runs SET status = 'failed'",
			"DELETE FROM artifacts", "UPDATE work SET state = 'pending'", "CREATE TABLE intruder (x int)"} {
			if err := execAs(t, dsn, sql); !denied(err) {
				t.Errorf("reader: %s: %v, want permission denied", sql, err)
			}
		}
	})
}

// runAsRunner does what 'cgx run' and 'cgx worker' do to a database.
func runAsRunner(t *testing.T, s *postgres.Store) {
	ctx := context.Background()
	sid := of(s.CreateNewStudy("run-1/fit"))(t)
	ok(t, s.SetStudyUserAttr(sid, "cgx.run", "1"))
	tid := of(s.CreateNewTrial(sid))(t)
	ok(t, s.SetTrialParam(tid, "x", 0.5, goptuna.UniformDistribution{Low: 0, High: 1}))
	ok(t, s.SetTrialValue(tid, 0.25))
	ok(t, s.SetTrialState(tid, goptuna.TrialStateComplete))
	img := of(s.PutArtifact(ctx, []byte("png"), tracker.ArtifactMeta{Kind: "image", RunID: 1}))(t)
	big := of(s.PutArtifactFrom(ctx, bytes.NewReader(make([]byte, 3<<20)), tracker.ArtifactMeta{Kind: "weights", RunID: 1}))(t)
	id := of(s.CreateRun(ctx, tracker.Run{Name: "style/blur", Studies: []int{sid}, Artifacts: []tracker.ID{img, big}}))(t)
	ok(t, s.PutStage(ctx, tracker.Stage{Key: "k", Name: "fit", RunID: id, Status: "done", Studies: []int{sid}}))
	ok(t, s.EnqueueWork(ctx, []tracker.WorkItem{{WorkKey: tracker.WorkKey{RunID: id, Stage: "k", Index: 0}, Kind: "fit-image"}}))
	it, claimed, err := s.ClaimWork(ctx, "w", time.Minute, id, "")
	if err != nil || !claimed {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	ok(t, s.RenewLease(ctx, it.WorkKey, "w", time.Minute))
	ok(t, s.CompleteWork(ctx, it.WorkKey, "w", img))
	of(s.SetRunTags(ctx, id, []string{"paper"}, nil))(t)
	other := of(s.CreateRun(ctx, tracker.Run{Name: "scratch"}))(t)
	of(s.DeleteRun(ctx, other))(t)
	of(s.FailAllStaleTrials())(t)
	of(s.GC(ctx, tracker.GCOptions{}))(t)
}

func of[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		ok(t, err)
		return v
	}
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func stripComments(sql string) string {
	var b strings.Builder
	for _, line := range strings.Split(sql, "\n") {
		if i := strings.Index(line, "--"); i >= 0 {
			line = line[:i]
		}
		b.WriteString(line + "\n")
	}
	return b.String()
}
