package backend

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cgx-dev/cgx/tracker"
	"github.com/cgx-dev/cgx/tracker/bolt"
	"github.com/cgx-dev/cgx/tracker/postgres"
)

// Options choose how Open opens a database.
type Options struct {
	// ReadOnly opens for reading only: writes fail with tracker.ErrReadOnly.
	ReadOnly bool
	// NoSync (bbolt only) skips fsync: faster, not safe against power loss.
	NoSync bool
	// AcceptLoss (bbolt only) opens a file whose acknowledged commits or
	// journal records were lost, recording the loss (see bolt.AcceptLoss).
	AcceptLoss bool
	// LockTimeout is how long a bbolt writer waits for another process's
	// write lock; 0 keeps the store's default. PostgreSQL has no such lock
	// (writers share the database) and ignores it.
	LockTimeout time.Duration
}

// ErrBboltOnly: an option or operation that exists only for bbolt files
// was asked of a PostgreSQL database.
var ErrBboltOnly = errors.New("only for bbolt database files")

// DB is what Open returns: the whole tracker contract (an alias, so that
// callers may name either).
type DB = tracker.DB

// Open opens the database target names: a postgres:// or postgresql:// URL
// opens PostgreSQL, anything else is the path of a bbolt file (created
// when missing, unless ReadOnly). Errors name the target redacted.
func Open(ctx context.Context, target string, o Options) (DB, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if IsPostgres(target) {
		return openPostgres(ctx, target, o)
	}
	var opts []bolt.Option
	if o.ReadOnly {
		opts = append(opts, bolt.ReadOnly())
	}
	if o.NoSync {
		opts = append(opts, bolt.NoSync())
	}
	if o.AcceptLoss {
		opts = append(opts, bolt.AcceptLoss())
	}
	if o.LockTimeout > 0 {
		opts = append(opts, bolt.LockTimeout(o.LockTimeout))
	}
	st, err := bolt.Open(target, opts...)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// bboltOnly names the first bbolt-only option set in o, or "".
func bboltOnly(o Options) string {
	switch {
	case o.NoSync:
		return "NoSync"
	case o.AcceptLoss:
		return "AcceptLoss"
	}
	return ""
}

func openPostgres(ctx context.Context, target string, o Options) (DB, error) {
	if name := bboltOnly(o); name != "" {
		return nil, fmt.Errorf("open %s: option %s is %w", Redact(target), name, ErrBboltOnly)
	}
	st, err := postgres.Open(ctx, target, postgres.Options{ReadOnly: o.ReadOnly})
	if err != nil {
		return nil, err
	}
	return st, nil
}
