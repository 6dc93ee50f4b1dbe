package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/c-bata/goptuna"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cgx-dev/cgx/tracker"
)

// Options configures Open.
type Options struct {
	// ReadOnly opens the database for reading: every write fails with
	// tracker.ErrReadOnly, sessions run with default_transaction_read_only,
	// and the schema is checked but never migrated.
	ReadOnly bool
	// StaleAfter is how long a session may go without a heartbeat before
	// its RUNNING trials count as stale (FailStaleTrials). The default is
	// DefaultStaleAfter; a Store heartbeats every StaleAfter/4.
	StaleAfter time.Duration
	// DurableRunning makes the creation of a RUNNING trial wait for its
	// WAL flush like every other commit. By default it does not: see
	// CreateNewTrial; a finished trial is durable either way.
	DurableRunning bool
	// MaxConns bounds the connection pool (default: pgxpool's, the larger
	// of 4 and the number of CPUs).
	MaxConns int32
}

// DefaultStaleAfter is the default Options.StaleAfter.
const DefaultStaleAfter = time.Minute

// Store is a cgx database in PostgreSQL. It is safe for concurrent use by
// many goroutines, and many Stores (in many processes on many machines) may
// share one database.
type Store struct {
	pool     *pgxpool.Pool
	ro       bool
	location string
	red      redactor
	session  string // this Store's session id; "" when read-only
	host     string
	stale    time.Duration
	// durableRunning: Options.DurableRunning.
	durableRunning bool

	mu      sync.Mutex
	pending map[int]*pendingSet         // RUNNING trials this Store runs (own.go)
	done    map[int]goptuna.FrozenTrial // trials it just finished, kept for one read

	stop   chan struct{}
	wg     sync.WaitGroup
	closed atomic.Bool
	once   sync.Once
}

var _ tracker.DB = (*Store)(nil)

// Open connects to the PostgreSQL database named by dsn (a postgres:// URL
// or keyword=value string, read by pgx, TLS settings included), creates or
// migrates the cgx schema unless opts.ReadOnly, and registers a session
// whose heartbeat tells other machines that this process is alive. Errors
// name the database without its password.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	loc := Redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx's parse errors quote the string; name it ourselves.
		return nil, fmt.Errorf("open %s: the connection string does not parse (see https://pkg.go.dev/github.com/jackc/pgx/v5/pgconn#ParseConfig)", loc)
	}
	red := newRedactor(cfg.ConnConfig.Password)
	if opts.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.StaleAfter <= 0 {
		opts.StaleAfter = DefaultStaleAfter
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "cgx"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, red.err(fmt.Errorf("open %s: %w", loc, err))
	}
	s := &Store{pool: pool, ro: opts.ReadOnly, location: loc, red: red, stale: opts.StaleAfter, durableRunning: opts.DurableRunning, stop: make(chan struct{}),
		pending: map[int]*pendingSet{}, done: map[int]goptuna.FrozenTrial{}}
	if err := s.init(ctx); err != nil {
		pool.Close()
		return nil, red.err(fmt.Errorf("open %s: %w", loc, err))
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if s.ro {
		return checkVersion(ctx, conn.Conn())
	}
	if _, err := migrate(ctx, conn.Conn()); err != nil {
		return err
	}
	host, _ := os.Hostname()
	s.host = host
	var rnd [6]byte
	_, _ = rand.Read(rnd[:])
	s.session = fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(rnd[:]))
	if _, err := conn.Exec(ctx, `INSERT INTO sessions (id, host, pid) VALUES ($1, $2, $3)`, s.session, host, os.Getpid()); err != nil {
		return fmt.Errorf("register session: %w", err)
	}
	s.wg.Add(1)
	go s.heartbeat()
	return nil
}

// heartbeat keeps this Store's session fresh until Close.
func (s *Store) heartbeat() {
	defer s.wg.Done()
	t := time.NewTicker(s.stale / 4)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), s.stale/2)
			// A session row another machine removed (it judged us dead
			// after a long pause) is put back: our trials were failed,
			// later ones are ours again.
			_, _ = s.pool.Exec(ctx, `INSERT INTO sessions (id, host, pid) VALUES ($1, $2, $3)
ON CONFLICT (id) DO UPDATE SET heartbeat = now()`, s.session, s.host, os.Getpid())
			cancel()
		}
	}
}

// Close ends the session (its RUNNING trials become stale at once) and
// closes the connections. Every write returned before Close is committed.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		if !s.ro {
			err = s.flushPending()
		}
		s.closed.Store(true)
		close(s.stop)
		s.wg.Wait()
		if err != nil {
			err = fmt.Errorf("close %s: commit the setters of running trials: %w", s.location, err)
		} else if s.session != "" {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, err = s.pool.Exec(ctx, `DELETE FROM sessions WHERE id = $1`, s.session)
			cancel()
			if err != nil {
				err = s.red.err(fmt.Errorf("close %s: end session: %w", s.location, err))
			}
		}
		s.pool.Close()
	})
	return err
}

// Info describes the database without secrets.
func (s *Store) Info() tracker.Info {
	return tracker.Info{Backend: "postgres", Location: s.location, FormatVersion: SchemaVersion, ReadOnly: s.ro}
}

// Session returns this Store's session id ("host/pid/random"; "" when
// read-only): the owner recorded on the trials it runs.
func (s *Store) Session() string { return s.session }

// usable reports ErrClosed after Close.
func (s *Store) usable() error {
	if s.closed.Load() {
		return tracker.ErrClosed
	}
	return nil
}

// writable refuses op on a read-only or closed store.
func (s *Store) writable(op string) error {
	if err := s.usable(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if s.ro {
		return fmt.Errorf("%s in %s: %w", op, s.location, tracker.ErrReadOnly)
	}
	return nil
}

// bg is the context of goptuna.Storage calls, which take none.
func bg() context.Context { return context.Background() }

// inTx runs fn in a transaction with the given options, committing when fn
// returns nil and rolling back otherwise (also on panic).
func (s *Store) inTx(ctx context.Context, opts pgx.TxOptions, fn func(tx pgx.Tx) error) error {
	if err := s.usable(); err != nil {
		return err
	}
	return s.red.err(pgx.BeginTxFunc(ctx, s.pool, opts, fn))
}

// readTx runs fn in a read-only REPEATABLE READ transaction: every query
// in it sees the same snapshot.
func (s *Store) readTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.inTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, fn)
}

// writeTx runs fn in a READ COMMITTED transaction; fn takes the row locks
// it needs (SELECT ... FOR UPDATE). A transaction PostgreSQL chose as the
// victim of a deadlock (or a serialization failure) is run again, up to
// three times, so fn must be safe to repeat: it may read and write the
// database, not consume input.
func (s *Store) writeTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	var err error
	for range 3 {
		err = s.inTx(ctx, pgx.TxOptions{}, fn)
		if !retryable(err) {
			return err
		}
	}
	return err
}

// retryable reports whether PostgreSQL chose the transaction as the victim
// of a deadlock (40P01) or a serialization failure (40001): running it
// again may succeed.
func retryable(err error) bool {
	c := pgCode(err)
	return c == "40P01" || c == "40001"
}

// sendBatch sends the statements build queues as one batch outside an
// explicit transaction: PostgreSQL runs them in one implicit transaction,
// all or none, in one round trip (writeTx takes two more, for BEGIN and
// COMMIT). Like writeTx it tries again, up to three times, when PostgreSQL
// chose the batch as a deadlock's victim; build is called for each try, as
// pgx keeps per-connection state in a batch it sent.
func (s *Store) sendBatch(ctx context.Context, build func(b *pgx.Batch)) error {
	if err := s.usable(); err != nil {
		return err
	}
	var err error
	for range 3 {
		b := &pgx.Batch{}
		build(b)
		if err = s.pool.SendBatch(ctx, b).Close(); !retryable(err) {
			break
		}
	}
	return s.red.err(err)
}

// streamTx is writeTx without retries, for fn that consumes a reader.
func (s *Store) streamTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.inTx(ctx, pgx.TxOptions{}, fn)
}

// exec runs one statement in its own transaction and returns the rows it
// touched.
func (s *Store) exec(ctx context.Context, sql string, args ...any) (int64, error) {
	if err := s.usable(); err != nil {
		return 0, err
	}
	tag, err := s.pool.Exec(ctx, sql, args...)
	if err != nil {
		return 0, s.red.err(err)
	}
	return tag.RowsAffected(), nil
}

// noRows reports whether err is pgx's "no rows".
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }

// dbNow is the wall clock as stored: UTC, without the monotonic reading.
func dbNow() time.Time { return time.Now().UTC().Round(0) }

// Trial times keep nanoseconds: a timestamptz column holds the time to the
// microsecond (PostgreSQL's resolution, what people read) and a smallint
// column the nanoseconds below it (0-999).

// splitTime returns t truncated to the microsecond (SQL NULL for the zero
// time) and the nanoseconds below that.
func splitTime(t time.Time) (pgtype.Timestamptz, int16) {
	if t.IsZero() {
		return pgtype.Timestamptz{}, 0
	}
	t = t.UTC().Round(0)
	us := t.Truncate(time.Microsecond)
	return pgtype.Timestamptz{Time: us, Valid: true}, int16(t.Sub(us))
}

// joinTime is the inverse of splitTime.
func joinTime(t *time.Time, ns int16) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC().Add(time.Duration(ns))
}

// fromNull maps SQL NULL back to the zero time.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}
