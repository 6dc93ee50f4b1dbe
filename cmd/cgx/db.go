package main

import (
	"context"

	"github.com/cgx-dev/cgx/tracker/backend"
)

// openDB opens the database that --db or CGX_DB names: a bbolt file path or
// a postgres:// URL (package tracker/backend chooses).
func openDB(ctx context.Context, g *globals, o backend.Options) (backend.DB, error) {
	return backend.Open(ctx, g.dbPath(), o)
}
